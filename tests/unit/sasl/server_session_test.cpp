// ServerSession as the XMPP stream uses it: what is advertised on which
// connection, whole negotiations with and without initial responses, PLAIN
// only over TLS, the limiter in front, retries per stream.
#include "sasl/server_session.hpp"

#include <gtest/gtest.h>

#include "sasl/scram_client.hpp"
#include "sasl_test_util.hpp"

namespace confab::sasl {
namespace {

using namespace std::string_literals;
using namespace std::chrono_literals;
using test::Accounts;

const Instant t0 = Instant(std::chrono::hours(24));
const IpAddress source = *IpAddress::parse("192.0.2.10");
const ChannelBinding exporter{"tls-exporter", Bytes(32, 0xE1)};

std::vector<std::string_view> names(const std::vector<Mechanism>& ms) {
  std::vector<std::string_view> out;
  for (Mechanism m : ms) out.push_back(name_of(m));
  return out;
}

class ServerSessionTest : public ::testing::Test {
 protected:
  ServerSessionTest() { accounts.add("alice", "wonderland"); }

  // A whole SCRAM negotiation with an initial response.
  Step scram(ServerSession& s, Mechanism m, const std::string& user, const std::string& password,
             ClientBinding binding = {}) {
    ScramClient client(m, user, password, std::move(binding));
    auto first = client.client_first(rng);
    EXPECT_TRUE(first);
    Step a = s.start(name_of(m), *first, now, rng, accounts.lookup());
    if (!a.is_challenge()) return a;
    auto final_message = client.handle_server_first(a.data);
    EXPECT_TRUE(final_message);
    Step b = s.respond(*final_message, now, rng, accounts.lookup());
    if (b.is_success()) EXPECT_TRUE(client.handle_server_final(b.data));
    return b;
  }

  Accounts accounts;
  ServerConfig config = test::server_config();
  AuthLimiter limiter{AuthLimiterConfig{}};
  SeededRng rng{9};
  Instant now = t0;
};

TEST_F(ServerSessionTest, WithoutTlsOnlyTheScramMechanismsAreOffered) {
  ServerSession s(config, {.tls = false, .bindings = {exporter}, .source = source});
  EXPECT_EQ(names(s.mechanisms()), (std::vector<std::string_view>{"SCRAM-SHA-256", "SCRAM-SHA-1"}));
  EXPECT_TRUE(s.channel_binding_types().empty());
}

TEST_F(ServerSessionTest, OverTlsWithBindingDataEverythingIsOfferedBestFirst) {
  ServerSession s(config, {.tls = true, .bindings = {exporter}, .source = source});
  EXPECT_EQ(names(s.mechanisms()), (std::vector<std::string_view>{"SCRAM-SHA-256-PLUS", "SCRAM-SHA-1-PLUS",
                                                                  "SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"}));
  EXPECT_EQ(s.channel_binding_types(), std::vector<std::string>{"tls-exporter"});
}

TEST_F(ServerSessionTest, OverTlsWithoutBindingDataThereIsNoPlus) {
  config.offer_sha1 = false;
  ServerSession s(config, {.tls = true, .bindings = {{"tls-exporter", {}}}, .source = source});
  EXPECT_EQ(names(s.mechanisms()), (std::vector<std::string_view>{"SCRAM-SHA-256", "PLAIN"}));
}

TEST_F(ServerSessionTest, AliceAuthenticatesWithScramSha256Plus) {
  ServerSession s(config, {.tls = true, .bindings = {exporter}, .source = source}, &limiter);
  Step st = scram(s, Mechanism::scram_sha256_plus, "alice", "wonderland", {Gs2Flag::p, exporter});
  ASSERT_TRUE(st.is_success()) << st.failure.message();
  ASSERT_TRUE(s.authenticated());
  EXPECT_EQ(s.identity()->username, "alice");
  EXPECT_EQ(s.mechanism(), Mechanism::scram_sha256_plus);
  EXPECT_EQ(s.start("PLAIN", "\0alice\0wonderland"s, now, rng, accounts.lookup()).failure.reason,
            Reason::out_of_sequence);
}

TEST_F(ServerSessionTest, WithoutAnInitialResponseTheServerAsksWithAnEmptyChallenge) {
  ServerSession s(config, {.tls = true, .bindings = {}, .source = source});
  ScramClient client(Mechanism::scram_sha1, "alice", "wonderland");
  Step a = s.start("SCRAM-SHA-1", std::nullopt, now, rng, accounts.lookup());
  ASSERT_TRUE(a.is_challenge());
  EXPECT_EQ(a.data, "");
  Step b = s.respond(*client.client_first(rng), now, rng, accounts.lookup());
  ASSERT_TRUE(b.is_challenge());
  Step c = s.respond(*client.handle_server_first(b.data), now, rng, accounts.lookup());
  ASSERT_TRUE(c.is_success());
  EXPECT_TRUE(client.handle_server_final(c.data));
}

TEST_F(ServerSessionTest, PlainWorksOverTlsAndIsRefusedWithoutIt) {
  ServerSession tls(config, {.tls = true, .bindings = {}, .source = source});
  Step ok = tls.start("PLAIN", "\0alice\0wonderland"s, now, rng, accounts.lookup());
  ASSERT_TRUE(ok.is_success()) << ok.failure.message();
  EXPECT_EQ(tls.identity()->username, "alice");

  ServerSession clear(config, {.tls = false, .bindings = {}, .source = source});
  Step refused = clear.start("PLAIN", "\0alice\0wonderland"s, now, rng, accounts.lookup());
  EXPECT_EQ(refused.failure.condition, Condition::encryption_required);
  EXPECT_EQ(accounts.lookups, 1);  // only the TLS one
}

TEST_F(ServerSessionTest, PlainWithoutAnInitialResponse) {
  ServerSession s(config, {.tls = true, .bindings = {}, .source = source});
  ASSERT_TRUE(s.start("PLAIN", std::nullopt, now, rng, accounts.lookup()).is_challenge());
  EXPECT_TRUE(s.respond("\0alice\0wonderland"s, now, rng, accounts.lookup()).is_success());
}

TEST_F(ServerSessionTest, MechanismsNotOfferedHereAreInvalid) {
  for (const char* m : {"SCRAM-SHA-256-PLUS", "DIGEST-MD5", "scram-sha-256", "", "X-OAUTH2"}) {
    ServerSession s(config, {.tls = true, .bindings = {}, .source = source});
    EXPECT_EQ(s.start(m, std::nullopt, now, rng, accounts.lookup()).failure.condition,
              Condition::invalid_mechanism)
        << m;
  }
}

TEST_F(ServerSessionTest, AbortAndStrayResponses) {
  ServerSession s(config, {.tls = true, .bindings = {}, .source = source});
  EXPECT_EQ(s.respond("x", now, rng, accounts.lookup()).failure.reason, Reason::out_of_sequence);
  ASSERT_TRUE(s.start("SCRAM-SHA-256", std::nullopt, now, rng, accounts.lookup()).is_challenge());
  EXPECT_TRUE(s.in_progress());
  EXPECT_EQ(s.abort().failure.condition, Condition::aborted);
  EXPECT_FALSE(s.in_progress());
}

TEST_F(ServerSessionTest, AfterTheConfiguredNumberOfFailuresTheStreamShouldClose) {
  ServerSession s(config, {.tls = true, .bindings = {}, .source = source});
  for (int i = 0; i < 3; ++i) {
    EXPECT_FALSE(s.retries_exhausted());
    EXPECT_TRUE(scram(s, Mechanism::scram_sha256, "alice", "wrong").is_failure());
  }
  EXPECT_TRUE(s.retries_exhausted());
  EXPECT_EQ(s.start("SCRAM-SHA-256", std::nullopt, now, rng, accounts.lookup()).failure.reason,
            Reason::out_of_sequence);
}

TEST_F(ServerSessionTest, TheLimiterLocksAnAccountAcrossStreamsAndSources) {
  for (int i = 0; i < 5; ++i) {
    const IpAddress ip = IpAddress::v4(static_cast<std::uint32_t>(0xC6336400 + i));
    ServerSession s(config, {.tls = true, .bindings = {}, .source = ip}, &limiter);
    EXPECT_EQ(scram(s, Mechanism::scram_sha256, "alice", "guess" + std::to_string(i)).failure.reason,
              Reason::invalid_proof);
  }
  // Even the right password is refused while the lock holds, before the
  // server-first would show the salt; the answer is "try later".
  ServerSession s(config, {.tls = true, .bindings = {}, .source = *IpAddress::parse("203.0.113.1")}, &limiter);
  Step st = scram(s, Mechanism::scram_sha256, "alice", "wonderland");
  EXPECT_EQ(st.failure.reason, Reason::too_many_failures);
  EXPECT_EQ(st.failure.condition, Condition::temporary_auth_failure);
  ServerSession p(config, {.tls = true, .bindings = {}, .source = *IpAddress::parse("203.0.113.2")}, &limiter);
  const int lookups = accounts.lookups;
  EXPECT_EQ(p.start("PLAIN", "\0ALICE\0wonderland"s, now, rng, accounts.lookup()).failure.reason,
            Reason::too_many_failures);
  EXPECT_EQ(accounts.lookups, lookups);  // no PBKDF2, no lookup

  now += 1h;
  ServerSession later(config, {.tls = true, .bindings = {}, .source = source}, &limiter);
  EXPECT_TRUE(scram(later, Mechanism::scram_sha256, "alice", "wonderland").is_success());
}

TEST_F(ServerSessionTest, UnknownUsersCountLikeKnownOnesSoALockRevealsNothing) {
  for (int i = 0; i < 5; ++i) {
    const IpAddress ip = IpAddress::v4(static_cast<std::uint32_t>(0xC6336400 + i));
    ServerSession s(config, {.tls = true, .bindings = {}, .source = ip}, &limiter);
    EXPECT_EQ(scram(s, Mechanism::scram_sha256, "nobody", "x").failure.reason, Reason::unknown_user);
  }
  EXPECT_TRUE(limiter.account_locked("nobody", now));
}

TEST_F(ServerSessionTest, TheLimiterLocksASourceBeforeAnyWork) {
  AuthLimiterConfig lc;
  lc.per_source.max_failures = 2;
  AuthLimiter tight(lc);
  for (int i = 0; i < 2; ++i) {
    ServerSession s(config, {.tls = true, .bindings = {}, .source = source}, &tight);
    scram(s, Mechanism::scram_sha256, "user" + std::to_string(i), "x");
  }
  ServerSession s(config, {.tls = true, .bindings = {}, .source = source}, &tight);
  const int lookups = accounts.lookups;
  EXPECT_EQ(s.start("SCRAM-SHA-256", "n,,n=alice,r=abc", now, rng, accounts.lookup()).failure.reason,
            Reason::too_many_failures);
  EXPECT_EQ(accounts.lookups, lookups);
}

TEST_F(ServerSessionTest, MalformedMessagesDoNotCountAgainstTheLimiter) {
  for (int i = 0; i < 20; ++i) {
    ServerSession s(config, {.tls = true, .bindings = {}, .source = source}, &limiter);
    EXPECT_EQ(s.start("SCRAM-SHA-256", "garbage", now, rng, accounts.lookup()).failure.reason, Reason::malformed);
  }
  EXPECT_FALSE(limiter.source_locked(source, now));
}

TEST(XmppPayload, StrictBase64AndTheEqualsSignForEmpty) {
  EXPECT_EQ(decode_xmpp_payload("=").value(), "");
  EXPECT_EQ(decode_xmpp_payload("").value(), "");
  EXPECT_EQ(decode_xmpp_payload("biws").value(), "n,,");
  EXPECT_EQ(decode_xmpp_payload("bi ws").error().condition, Condition::incorrect_encoding);
  EXPECT_EQ(decode_xmpp_payload("biw").error().reason, Reason::incorrect_encoding);
  EXPECT_EQ(encode_xmpp_payload("n,,"), "biws");
  EXPECT_EQ(encode_xmpp_payload(""), "");
}

TEST(Mechanisms, NamesRoundTripAndAreCaseSensitive) {
  for (Mechanism m : all_mechanisms) EXPECT_EQ(parse_mechanism(name_of(m)), m);
  EXPECT_FALSE(parse_mechanism("plain"));
  EXPECT_TRUE(is_plus(Mechanism::scram_sha1_plus));
  EXPECT_FALSE(is_plus(Mechanism::scram_sha1));
  EXPECT_EQ(scram_hash_of(Mechanism::scram_sha1_plus), ScramMechanism::sha1);
}

TEST(Failures, EveryReasonHasANameAndTheConditionsAreRfc6120s) {
  EXPECT_EQ(to_string(Condition::not_authorized), "not-authorized");
  EXPECT_EQ(to_string(Condition::temporary_auth_failure), "temporary-auth-failure");
  EXPECT_EQ(to_string(ScramError::server_does_support_channel_binding), "server-does-support-channel-binding");
  EXPECT_EQ(parse_scram_error("invalid-proof"), ScramError::invalid_proof);
  EXPECT_EQ(make_failure(Reason::unknown_user, "no such account").message(),
            "unknown_user (not-authorized): no such account");
}

}  // namespace
}  // namespace confab::sasl
