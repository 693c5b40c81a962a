// ScramServer driven by ScramClient (or by hand-made messages): channel
// binding with -PLUS and the downgrade rule, unknown users that look like
// known ones until the proof, and each way an exchange fails, with the
// condition and e= value it maps to.
#include "sasl/scram_server.hpp"

#include <gtest/gtest.h>

#include "sasl/base64.hpp"
#include "sasl/scram_client.hpp"
#include "sasl_test_util.hpp"

namespace confab::sasl {
namespace {

using test::Accounts;

const ChannelBinding exporter{"tls-exporter", Bytes(32, 0xE1)};
const ChannelBinding end_point{"tls-server-end-point", Bytes(32, 0xE2)};

class ScramServerTest : public ::testing::Test {
 protected:
  ScramServerTest() {
    accounts.add("alice", "wonderland");
    accounts.add("user", "pencil");
  }

  // Runs a whole exchange; returns the server's last step.
  Step exchange(ScramServer& server, ScramClient& client, std::string* client_saw = nullptr) {
    auto first = client.client_first(rng);
    EXPECT_TRUE(first) << (first ? "" : first.error().detail);
    if (!first) return Step::fail(make_failure(Reason::malformed));
    Step challenge = server.handle_client_first(*first, accounts.lookup(), rng);
    if (!challenge.is_challenge()) return challenge;
    auto final_message = client.handle_server_first(challenge.data);
    EXPECT_TRUE(final_message);
    if (!final_message) return Step::fail(make_failure(Reason::malformed));
    Step last = server.handle_client_final(*final_message);
    if (client_saw != nullptr) {
      auto r = client.handle_server_final(last.data);
      *client_saw = r ? "ok" : std::string(to_string(r.error().error)) + " " + r.error().detail;
    }
    return last;
  }

  Accounts accounts;
  ServerConfig config = test::server_config();
  SeededRng rng{42};
};

TEST_F(ScramServerTest, PlusWithTlsExporterDataSucceedsAndTheClientVerifiesTheServer) {
  ScramServer server(config, Mechanism::scram_sha256_plus, {end_point, exporter});
  ScramClient client(Mechanism::scram_sha256_plus, "alice", "wonderland", {Gs2Flag::p, exporter});
  std::string client_saw;
  Step s = exchange(server, client, &client_saw);
  ASSERT_TRUE(s.is_success()) << s.failure.message();
  EXPECT_EQ(client_saw, "ok");
  EXPECT_EQ(server.identity()->username, "alice");
}

TEST_F(ScramServerTest, PlusWithTheOtherOfferedTypeSucceedsToo) {
  ScramServer server(config, Mechanism::scram_sha1_plus, {end_point, exporter});
  ScramClient client(Mechanism::scram_sha1_plus, "alice", "wonderland", {Gs2Flag::p, end_point});
  EXPECT_TRUE(exchange(server, client).is_success());
}

TEST_F(ScramServerTest, AClientBehindAManInTheMiddleSeesOtherBindingDataAndFails) {
  ScramServer server(config, Mechanism::scram_sha256_plus, {exporter});
  ScramClient client(Mechanism::scram_sha256_plus, "alice", "wonderland",
                     {Gs2Flag::p, {"tls-exporter", Bytes(32, 0x66)}});
  std::string client_saw;
  Step s = exchange(server, client, &client_saw);
  ASSERT_TRUE(s.is_failure());
  EXPECT_EQ(s.failure.reason, Reason::channel_bindings_dont_match);
  EXPECT_EQ(s.failure.condition, Condition::not_authorized);
  EXPECT_EQ(s.data, "e=channel-bindings-dont-match");
  EXPECT_EQ(client_saw, "server_error e=channel-bindings-dont-match");
}

TEST_F(ScramServerTest, FlagYWhileThePlusMechanismsWereOfferedIsADowngradeAndFails) {
  ScramServer server(config, Mechanism::scram_sha256, {exporter});
  ScramClient client(Mechanism::scram_sha256, "alice", "wonderland", {Gs2Flag::y, {}});
  Step s = exchange(server, client);
  ASSERT_TRUE(s.is_failure());
  EXPECT_EQ(s.failure.reason, Reason::channel_binding_downgrade);
  EXPECT_EQ(s.failure.condition, Condition::not_authorized);
  EXPECT_EQ(s.failure.scram_error, ScramError::server_does_support_channel_binding);
  EXPECT_EQ(accounts.lookups, 0);  // decided before the account is looked at
}

TEST_F(ScramServerTest, FlagYIsFineWhenNoPlusWasOffered) {
  ScramServer server(config, Mechanism::scram_sha256);
  ScramClient client(Mechanism::scram_sha256, "alice", "wonderland", {Gs2Flag::y, {}});
  EXPECT_TRUE(exchange(server, client).is_success());
}

TEST_F(ScramServerTest, FlagNIsFineEvenWhenPlusWasOffered) {
  ScramServer server(config, Mechanism::scram_sha256, {exporter});
  ScramClient client(Mechanism::scram_sha256, "alice", "wonderland");
  EXPECT_TRUE(exchange(server, client).is_success());
}

TEST_F(ScramServerTest, ChannelBindingChoicesThatDoNotFitTheMechanismFail) {
  struct Case {
    Mechanism mech;
    std::string first;
    Reason reason;
    Condition condition;
  };
  const Case cases[] = {
      {Mechanism::scram_sha256_plus, "n,,n=alice,r=abc", Reason::channel_binding_required, Condition::malformed_request},
      {Mechanism::scram_sha256_plus, "y,,n=alice,r=abc", Reason::channel_binding_required, Condition::malformed_request},
      {Mechanism::scram_sha256, "p=tls-exporter,,n=alice,r=abc", Reason::channel_binding_not_offered,
       Condition::malformed_request},
      {Mechanism::scram_sha256_plus, "p=tls-unique,,n=alice,r=abc", Reason::unsupported_channel_binding_type,
       Condition::not_authorized},
  };
  for (const Case& c : cases) {
    ScramServer server(config, c.mech, {exporter});
    Step s = server.handle_client_first(c.first, accounts.lookup(), rng);
    ASSERT_TRUE(s.is_failure()) << c.first;
    EXPECT_EQ(s.failure.reason, c.reason) << c.first;
    EXPECT_EQ(s.failure.condition, c.condition) << c.first;
    EXPECT_TRUE(s.data.empty()) << "no server-final before client-final";
    EXPECT_TRUE(server.finished());
  }
}

TEST_F(ScramServerTest, AChangedGs2HeaderInCIsABindingMismatch) {
  // The client said "y" in client-first but "n" in c=: the header must be
  // repeated byte for byte.
  ScramServer server(config, Mechanism::scram_sha256);
  Step first = server.handle_client_first("y,,n=alice,r=abc", accounts.lookup(), rng);
  ASSERT_TRUE(first.is_challenge());
  const std::string nonce = first.data.substr(2, first.data.find(',') - 2);
  Step s = server.handle_client_final("c=biws,r=" + nonce + ",p=" + base64_encode(Bytes(32, 1)));
  EXPECT_EQ(s.failure.reason, Reason::channel_bindings_dont_match);
}

TEST_F(ScramServerTest, AWrongPasswordIsInvalidProofOnBothSides) {
  ScramServer server(config, Mechanism::scram_sha256);
  ScramClient client(Mechanism::scram_sha256, "alice", "looking-glass");
  std::string client_saw;
  Step s = exchange(server, client, &client_saw);
  EXPECT_EQ(s.failure.reason, Reason::invalid_proof);
  EXPECT_EQ(s.failure.condition, Condition::not_authorized);
  EXPECT_EQ(s.data, "e=invalid-proof");
  EXPECT_EQ(client_saw, "server_error e=invalid-proof");
  EXPECT_FALSE(server.identity());
}

TEST_F(ScramServerTest, AnUnknownUserLooksLikeAKnownOneUntilTheProof) {
  // Same shape of server-first (salt size, iteration count), a salt that
  // does not change between attempts, and the same failure as a wrong
  // password at the end.
  auto server_first_for = [&](const std::string& user) {
    ScramServer server(config, Mechanism::scram_sha256);
    Step s = server.handle_client_first("n,,n=" + user + ",r=abc", accounts.lookup(), rng);
    EXPECT_TRUE(s.is_challenge());
    return parse_server_first(s.data).value();
  };
  const ServerFirst known = server_first_for("alice");
  const ServerFirst unknown = server_first_for("mallory");
  EXPECT_EQ(unknown.salt.size(), known.salt.size());
  EXPECT_EQ(unknown.iterations, known.iterations);
  EXPECT_EQ(unknown.nonce.size(), known.nonce.size());
  EXPECT_EQ(server_first_for("mallory").salt, unknown.salt);
  EXPECT_NE(server_first_for("trudy").salt, unknown.salt);

  ScramServer server(config, Mechanism::scram_sha256);
  ScramClient client(Mechanism::scram_sha256, "mallory", "wonderland");
  std::string client_saw;
  Step s = exchange(server, client, &client_saw);
  EXPECT_EQ(s.failure.reason, Reason::unknown_user);
  EXPECT_EQ(s.failure.condition, Condition::not_authorized);
  EXPECT_EQ(s.failure.scram_error, ScramError::invalid_proof);
  EXPECT_EQ(s.data, "e=invalid-proof");
  EXPECT_EQ(client_saw, "server_error e=invalid-proof");
}

TEST_F(ScramServerTest, AnUnknownUsersFakeSaltDependsOnTheSecret) {
  ServerConfig other = config;
  other.secret = Bytes(32, 0x11);
  EXPECT_NE(unknown_user_credentials(config, ScramMechanism::sha256, "mallory").salt,
            unknown_user_credentials(other, ScramMechanism::sha256, "mallory").salt);
  EXPECT_NE(unknown_user_credentials(config, ScramMechanism::sha1, "mallory").salt,
            unknown_user_credentials(config, ScramMechanism::sha256, "mallory").salt);
}

TEST_F(ScramServerTest, UsernamesAreUnescapedAndSaslpreppedBeforeTheLookup) {
  accounts.add("a,b=c", "pencil");
  ScramServer server(config, Mechanism::scram_sha256);
  ScramClient client(Mechanism::scram_sha256, "a,b=c", "pencil");
  Step s = exchange(server, client);
  ASSERT_TRUE(s.is_success()) << s.failure.message();
  EXPECT_EQ(server.identity()->username, "a,b=c");

  // U+00A0 NO-BREAK SPACE maps to SPACE; U+00AD SOFT HYPHEN to nothing.
  accounts.add("jo e", "pencil");
  ScramServer server2(config, Mechanism::scram_sha256);
  Step first = server2.handle_client_first("n,,n=jo\xc2\xa0\xc2\xad" "e,r=abc", accounts.lookup(), rng);
  ASSERT_TRUE(first.is_challenge());
  EXPECT_EQ(server2.username(), "jo e");
}

TEST_F(ScramServerTest, UsernamesSaslprepRefusesAreInvalidUsernameEncoding) {
  for (std::string_view first : {"n,,n=a\x07,r=abc", "n,,n=\xc2\xad,r=abc", "n,,n=\xd8\xa7" "a,r=abc"}) {
    ScramServer server(config, Mechanism::scram_sha256);
    Step s = server.handle_client_first(first, accounts.lookup(), rng);
    EXPECT_EQ(s.failure.reason, Reason::invalid_username) << first;
    EXPECT_EQ(s.failure.scram_error, ScramError::invalid_username_encoding);
  }
  EXPECT_EQ(accounts.lookups, 0);
}

TEST_F(ScramServerTest, MalformedMessagesAreTypedFailures) {
  struct Case {
    std::string first;
    Reason reason;
    Condition condition;
  };
  const Case cases[] = {
      {"", Reason::malformed, Condition::malformed_request},
      {"n,,m=x,n=alice,r=abc", Reason::unsupported_extension, Condition::malformed_request},
      {"n,,n=al=ice,r=abc", Reason::invalid_username, Condition::malformed_request},
      {"n,a=x=,n=alice,r=abc", Reason::invalid_authzid, Condition::invalid_authzid},
      {"n,,n=alice,r=a b", Reason::malformed, Condition::malformed_request},
      {"q,,n=alice,r=abc", Reason::malformed, Condition::malformed_request},
      {std::string(5000, 'n'), Reason::too_long, Condition::malformed_request},
  };
  for (const Case& c : cases) {
    ScramServer server(config, Mechanism::scram_sha256);
    Step s = server.handle_client_first(c.first, accounts.lookup(), rng);
    ASSERT_TRUE(s.is_failure()) << c.first;
    EXPECT_EQ(s.failure.reason, c.reason) << c.first << ": " << s.failure.message();
    EXPECT_EQ(s.failure.condition, c.condition) << c.first;
  }
  EXPECT_EQ(to_string(make_failure(Reason::unsupported_extension).scram_error), "extensions-not-supported");
}

TEST_F(ScramServerTest, AMalformedFinalMessageAnswersEInvalidEncoding) {
  ScramServer server(config, Mechanism::scram_sha256);
  ASSERT_TRUE(server.handle_client_first("n,,n=alice,r=abc", accounts.lookup(), rng).is_challenge());
  Step s = server.handle_client_final("c=biws,r=abc");
  EXPECT_EQ(s.failure.reason, Reason::malformed);
  EXPECT_EQ(s.data, "e=invalid-encoding");
}

TEST_F(ScramServerTest, AFinalMessageWithAnotherNonceFails) {
  ScramServer server(config, Mechanism::scram_sha256);
  ASSERT_TRUE(server.handle_client_first("n,,n=alice,r=abc", accounts.lookup(), rng).is_challenge());
  Step s = server.handle_client_final("c=biws,r=abcdef,p=" + base64_encode(Bytes(32, 1)));
  EXPECT_EQ(s.failure.reason, Reason::nonce_mismatch);
  EXPECT_EQ(s.failure.condition, Condition::not_authorized);
}

TEST_F(ScramServerTest, TheAuthzidMayBeEmptyTheUsernameOrItsBareJidAndNothingElse) {
  for (auto [authzid, ok] : {std::pair{"", true}, std::pair{"alice", true}, std::pair{"alice@example.org", true},
                             std::pair{"ALICE@Example.ORG", true}, std::pair{"bob@example.org", false},
                             std::pair{"alice@example.net", false}}) {
    ScramServer server(config, Mechanism::scram_sha256);
    ScramClient client(Mechanism::scram_sha256, "alice", "wonderland", {}, authzid);
    Step s = exchange(server, client);
    EXPECT_EQ(s.is_success(), ok) << authzid;
    if (ok) EXPECT_EQ(server.identity()->authzid, authzid);
    if (!ok) EXPECT_EQ(s.failure.reason, Reason::authzid_refused);
    if (!ok) EXPECT_EQ(s.failure.condition, Condition::invalid_authzid);
  }
}

TEST_F(ScramServerTest, AnAuthzidPolicyCanAllowMore) {
  config.authorize = [](std::string_view user, std::string_view authzid) {
    return user == "alice" && authzid == "bob@example.org";
  };
  ScramServer server(config, Mechanism::scram_sha256);
  ScramClient client(Mechanism::scram_sha256, "alice", "wonderland", {}, "bob@example.org");
  Step s = exchange(server, client);
  ASSERT_TRUE(s.is_success());
  EXPECT_EQ(server.identity()->authzid, "bob@example.org");
}

TEST_F(ScramServerTest, AnAuthzidIsOnlyJudgedAfterAValidProof) {
  ScramServer server(config, Mechanism::scram_sha256);
  ScramClient client(Mechanism::scram_sha256, "alice", "wrong", {}, "bob@example.org");
  EXPECT_EQ(exchange(server, client).failure.reason, Reason::invalid_proof);
}

TEST_F(ScramServerTest, AFailingStoreIsATemporaryFailure) {
  accounts.broken = true;
  ScramServer server(config, Mechanism::scram_sha256);
  Step s = server.handle_client_first("n,,n=alice,r=abc", accounts.lookup(), rng);
  EXPECT_EQ(s.failure.reason, Reason::store_unavailable);
  EXPECT_EQ(s.failure.condition, Condition::temporary_auth_failure);
  EXPECT_EQ(s.failure.detail, "database is locked");
}

TEST_F(ScramServerTest, MessagesOutOfTurnFail) {
  ScramServer server(config, Mechanism::scram_sha256);
  EXPECT_EQ(server.handle_client_final("c=biws,r=abc,p=AAAA").failure.reason, Reason::out_of_sequence);
  ScramServer server2(config, Mechanism::scram_sha256);
  ASSERT_TRUE(server2.handle_client_first("n,,n=alice,r=abc", accounts.lookup(), rng).is_challenge());
  EXPECT_EQ(server2.handle_client_first("n,,n=alice,r=abc", accounts.lookup(), rng).failure.reason,
            Reason::out_of_sequence);
  EXPECT_EQ(server2.handle_client_final("c=biws,r=abc,p=AAAA").failure.reason, Reason::out_of_sequence);
}

TEST_F(ScramServerTest, AbortEndsTheExchange) {
  ScramServer server(config, Mechanism::scram_sha256);
  ASSERT_TRUE(server.handle_client_first("n,,n=alice,r=abc", accounts.lookup(), rng).is_challenge());
  Step s = server.abort();
  EXPECT_EQ(s.failure.condition, Condition::aborted);
  EXPECT_TRUE(server.finished());
}

TEST_F(ScramServerTest, TheServerNonceExtendsTheClientsWithConfiguredLength) {
  config.nonce_chars = 32;
  ScramServer server(config, Mechanism::scram_sha256);
  Step s = server.handle_client_first("n,,n=alice,r=abc", accounts.lookup(), rng);
  auto sf = parse_server_first(s.data).value();
  EXPECT_EQ(sf.nonce.size(), 3u + 32u);
  EXPECT_EQ(sf.nonce.substr(0, 3), "abc");
}

TEST(ServerConfigValidation, RefusesWeakSettings) {
  ServerConfig c = test::server_config();
  EXPECT_TRUE(validate(c));
  c.secret = Bytes(15, 1);
  EXPECT_EQ(validate(c).error(), "sasl: the secret needs at least 16 bytes");
  c = test::server_config();
  c.unknown_user_iterations_sha256 = 1000;
  EXPECT_FALSE(validate(c));
  c = test::server_config();
  c.nonce_chars = 8;
  EXPECT_FALSE(validate(c));
}

}  // namespace
}  // namespace confab::sasl
