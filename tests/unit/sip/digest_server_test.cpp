// DigestAuthenticator driven by DigestClient with fake time: the round trip
// with each algorithm, then each way a request can fail, and the bounded
// replay table.
#include <gtest/gtest.h>

#include <map>

#include "sip/digest.hpp"
#include "sip/digest_client.hpp"
#include "sip/digest_server.hpp"

namespace confab::sip {
namespace {

const Instant t0 = Instant(std::chrono::hours(24));

DigestServerConfig config() {
  DigestServerConfig c;
  c.realm = "example.org";
  c.secret = Bytes(32, 0x5A);
  return c;
}

// The account store: HA1 per (username, algorithm), never the password.
struct Accounts {
  std::map<std::pair<std::string, DigestAlgorithm>, std::string> ha1;
  int lookups = 0;

  void add(const std::string& user, std::string_view password, std::string_view realm = "example.org") {
    for (DigestAlgorithm a : {DigestAlgorithm::md5, DigestAlgorithm::sha256, DigestAlgorithm::sha512_256})
      ha1[{user, a}] = compute_ha1(a, user, realm, password);
  }
  Ha1Lookup lookup() {
    return [this](std::string_view user, std::string_view, DigestAlgorithm a) -> std::optional<std::string> {
      ++lookups;
      auto it = ha1.find({std::string(user), a});
      if (it == ha1.end()) return std::nullopt;
      return it->second;
    };
  }
};

class DigestServerTest : public ::testing::Test {
 protected:
  DigestServerTest() { accounts.add("alice", "wonderland"); }

  // Alice's UA answers a fresh challenge; returns her Authorization value.
  std::string alice_answers(DigestClient& ua, Instant now, bool stale = false) {
    auto chosen = ua.accept_values(server.challenge_values(now, rng, stale));
    EXPECT_TRUE(chosen) << chosen.error();
    return next_request(ua);
  }
  std::string next_request(DigestClient& ua) {
    auto value = ua.authorization("REGISTER", "sip:example.org", rng);
    EXPECT_TRUE(value) << value.error();
    return value ? *value : std::string();
  }
  DigestCheck check(Instant now, std::string_view value, std::string_view method = "REGISTER") {
    return server.check(now, value, method, accounts.lookup());
  }

  SeededRng rng{7};
  Accounts accounts;
  DigestAuthenticator server{config()};
};

TEST_F(DigestServerTest, AChallengeOffersSha256ThenMd5WithOneFreshNonce) {
  auto cs = server.challenge(t0, rng);
  ASSERT_EQ(cs.size(), 2u);
  EXPECT_EQ(cs[0].algorithm, DigestAlgorithm::sha256);
  EXPECT_EQ(cs[1].algorithm, DigestAlgorithm::md5);
  EXPECT_EQ(cs[0].nonce, cs[1].nonce);
  EXPECT_EQ(cs[0].realm, "example.org");
  EXPECT_EQ(cs[0].qop, std::vector<Qop>{Qop::auth});
  EXPECT_FALSE(cs[0].stale);
  EXPECT_NE(server.challenge(t0, rng)[0].nonce, cs[0].nonce);
  EXPECT_EQ(server.challenge_values(t0, rng, true)[0].find("stale=TRUE") != std::string::npos, true);
  EXPECT_EQ(server.counters().challenges, 3u);
}

TEST_F(DigestServerTest, AliceRegistersWithSha256) {
  DigestClient ua("alice", "wonderland");
  const std::string value = alice_answers(ua, t0);
  EXPECT_NE(value.find("algorithm=SHA-256"), std::string::npos);
  auto r = check(t0 + 1s, value);
  EXPECT_EQ(r.outcome, DigestOutcome::ok) << r.detail;
  EXPECT_EQ(r.username, "alice");
  EXPECT_EQ(server.counters().ok, 1u);
}

TEST_F(DigestServerTest, AnOldClientThatOnlyKnowsMd5RegistersWithMd5) {
  DigestClient ua("alice", "wonderland");
  std::vector<std::string> values = server.challenge_values(t0, rng);
  values.erase(values.begin());  // an MD5-only client would skip the SHA-256 challenge
  ASSERT_EQ(ua.accept_values(values).value(), DigestAlgorithm::md5);
  auto r = check(t0, next_request(ua));
  EXPECT_EQ(r.outcome, DigestOutcome::ok) << r.detail;
}

TEST_F(DigestServerTest, AServerOfferingSha512_256IsAnsweredWithIt) {
  DigestServerConfig cfg = config();
  cfg.algorithms = {DigestAlgorithm::sha512_256, DigestAlgorithm::sha256};
  DigestAuthenticator strong(cfg);
  DigestClient ua("alice", "wonderland");
  ASSERT_EQ(ua.accept(strong.challenge(t0, rng)).value(), DigestAlgorithm::sha512_256);
  EXPECT_TRUE(strong.check(t0, next_request(ua), "REGISTER", accounts.lookup()).ok());
}

TEST_F(DigestServerTest, RefreshesUnderOneNonceCountUpAndPass) {
  DigestClient ua("alice", "wonderland");
  EXPECT_TRUE(check(t0, alice_answers(ua, t0)).ok());
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(check(t0 + 10s * i, next_request(ua)).ok());
  EXPECT_EQ(server.counters().ok, 6u);
  EXPECT_EQ(server.tracked_nonces(), 1u);
}

TEST_F(DigestServerTest, AnExpiredNonceWithTheRightPasswordIsStaleAndTheRetryPasses) {
  DigestClient ua("alice", "wonderland");
  EXPECT_TRUE(check(t0, alice_answers(ua, t0)).ok());
  auto r = check(t0 + 301s, next_request(ua));
  EXPECT_EQ(r.outcome, DigestOutcome::stale);
  EXPECT_TRUE(r.password_was_right());
  EXPECT_EQ(r.detail, "nonce expired");
  // The registrar answers with stale=TRUE; the UA retries without prompting.
  const std::string retry = alice_answers(ua, t0 + 301s, /*stale=*/true);
  EXPECT_TRUE(ua.current_challenge()->stale);
  EXPECT_TRUE(check(t0 + 302s, retry).ok());
  EXPECT_EQ(server.counters().stale, 1u);
}

TEST_F(DigestServerTest, AnExpiredNonceWithTheWrongPasswordIsABadResponseNotStale) {
  DigestClient mallory("alice", "guess");
  const std::string value = alice_answers(mallory, t0);
  EXPECT_EQ(check(t0 + 301s, value).outcome, DigestOutcome::bad_response);
}

TEST_F(DigestServerTest, TheNonceLifetimeIsConfigurable) {
  DigestServerConfig cfg = config();
  cfg.nonce_lifetime = 30s;
  DigestAuthenticator quick(cfg);
  DigestClient ua("alice", "wonderland");
  ASSERT_TRUE(ua.accept(quick.challenge(t0, rng)));
  EXPECT_TRUE(quick.check(t0 + 30s, next_request(ua), "REGISTER", accounts.lookup()).ok());
  EXPECT_EQ(quick.check(t0 + 31s, next_request(ua), "REGISTER", accounts.lookup()).outcome, DigestOutcome::stale);
}

TEST_F(DigestServerTest, ANonceFromTheFutureIsStale) {
  DigestClient ua("alice", "wonderland");
  const std::string value = alice_answers(ua, t0 + 10s);
  EXPECT_EQ(check(t0, value).outcome, DigestOutcome::stale);
}

TEST_F(DigestServerTest, ATamperedNonceIsABadNonceAndNoAccountIsLookedUp) {
  DigestClient ua("alice", "wonderland");
  auto creds = parse_credentials(alice_answers(ua, t0));
  ASSERT_TRUE(creds);
  for (std::size_t i : {0u, 14u, 30u, 47u}) {  // issue time, random part, tag, tag
    DigestCredentials c = *creds;
    c.nonce[i] = c.nonce[i] == 'A' ? 'B' : 'A';
    EXPECT_EQ(server.check(t0, c, "REGISTER", accounts.lookup()).outcome, DigestOutcome::bad_nonce) << i;
  }
  for (std::string nonce : {std::string(), std::string("short"), creds->nonce + "AAAA",
                            std::string(48, '=')}) {
    DigestCredentials c = *creds;
    c.nonce = nonce;
    EXPECT_EQ(server.check(t0, c, "REGISTER", accounts.lookup()).outcome, DigestOutcome::bad_nonce) << nonce;
  }
  EXPECT_EQ(accounts.lookups, 0);
  EXPECT_EQ(server.counters().bad_nonce, 8u);
}

TEST_F(DigestServerTest, ANonceFromAnotherSecretOrRealmIsABadNonce) {
  DigestServerConfig other_secret = config();
  other_secret.secret = Bytes(32, 0x5B);
  DigestServerConfig other_realm = config();
  other_realm.realm = "example.net";
  for (const DigestServerConfig& cfg : {other_secret, other_realm}) {
    DigestAuthenticator other(cfg);
    DigestClient ua("alice", "wonderland");
    ASSERT_TRUE(ua.accept(other.challenge(t0, rng)));
    auto c = ua.credentials("REGISTER", "sip:example.org", rng);
    ASSERT_TRUE(c);
    c->realm = "example.org";  // so that only the nonce is wrong
    EXPECT_EQ(server.check(t0, *c, "REGISTER", accounts.lookup()).outcome, DigestOutcome::bad_nonce);
  }
}

TEST_F(DigestServerTest, AReplayedRequestIsAReplay) {
  DigestClient ua("alice", "wonderland");
  const std::string first = alice_answers(ua, t0);
  EXPECT_TRUE(check(t0, first).ok());
  auto r = check(t0 + 1s, first);
  EXPECT_EQ(r.outcome, DigestOutcome::replay);
  EXPECT_EQ(r.detail, "nc 1 not above 1");
  const std::string second = next_request(ua);
  const std::string third = next_request(ua);
  EXPECT_TRUE(check(t0 + 2s, third).ok());
  EXPECT_EQ(check(t0 + 2s, second).outcome, DigestOutcome::replay) << "an nc below the highest seen";
  EXPECT_EQ(server.counters().replay, 2u);
}

TEST_F(DigestServerTest, AWrongResponseWithAHighNcCannotLockOutTheRealClient) {
  DigestClient ua("alice", "wonderland");
  const std::string first = alice_answers(ua, t0);
  auto forged = parse_credentials(first);
  ASSERT_TRUE(forged);
  forged->nc = 0xFFFFFFF0;
  EXPECT_EQ(server.check(t0, *forged, "REGISTER", accounts.lookup()).outcome, DigestOutcome::bad_response);
  EXPECT_TRUE(check(t0, first).ok());
  EXPECT_TRUE(check(t0, next_request(ua)).ok());
}

TEST_F(DigestServerTest, ANonceUsedWithoutQopIsGoodOnce) {
  auto challenge = server.challenge(t0, rng);
  challenge[0].qop.clear();  // as an RFC 2069 client understands it
  DigestClient ua("alice", "wonderland");
  ASSERT_TRUE(ua.accept(challenge));
  const std::string value = next_request(ua);
  EXPECT_EQ(value.find("nc="), std::string::npos);
  EXPECT_TRUE(check(t0, value).ok());
  auto r = check(t0, value);
  EXPECT_EQ(r.outcome, DigestOutcome::replay);
  EXPECT_TRUE(r.password_was_right());
}

TEST_F(DigestServerTest, CredentialsWithoutQopCanBeRefused) {
  DigestServerConfig cfg = config();
  cfg.accept_no_qop = false;
  DigestAuthenticator strict(cfg);
  auto challenge = strict.challenge(t0, rng);
  challenge[0].qop.clear();
  DigestClient ua("alice", "wonderland");
  ASSERT_TRUE(ua.accept(challenge));
  auto r = strict.check(t0, next_request(ua), "REGISTER", accounts.lookup());
  EXPECT_EQ(r.outcome, DigestOutcome::malformed);
  EXPECT_EQ(r.detail, "credentials without qop are not accepted");
}

TEST_F(DigestServerTest, AWrongPasswordIsABadResponse) {
  DigestClient ua("alice", "looking-glass");
  auto r = check(t0, alice_answers(ua, t0));
  EXPECT_EQ(r.outcome, DigestOutcome::bad_response);
  EXPECT_EQ(r.username, "alice");
  EXPECT_FALSE(r.password_was_right());
  EXPECT_EQ(server.counters().bad_response, 1u);
  EXPECT_EQ(server.tracked_nonces(), 0u) << "failures leave no state";
}

TEST_F(DigestServerTest, TheSignedMethodMustBeTheRequestsMethod) {
  DigestClient ua("alice", "wonderland");
  EXPECT_EQ(check(t0, alice_answers(ua, t0), "INVITE").outcome, DigestOutcome::bad_response);
}

TEST_F(DigestServerTest, AnUnknownUserIsReportedAsSuch) {
  DigestClient ua("bob", "builder");
  auto r = check(t0, alice_answers(ua, t0));
  EXPECT_EQ(r.outcome, DigestOutcome::unknown_user);
  EXPECT_EQ(r.username, "bob");
  EXPECT_EQ(server.counters().unknown_user, 1u);
}

TEST_F(DigestServerTest, MalformedCredentialsAreReportedWithTheParserError) {
  auto r = check(t0, "Digest username=\"alice\", realm=\"example.org\"");
  EXPECT_EQ(r.outcome, DigestOutcome::malformed);
  EXPECT_EQ(r.detail, "digest header error at byte 44 (nonce): missing parameter");
  EXPECT_EQ(check(t0, "Basic YWxpY2U6d29uZGVybGFuZA==").outcome, DigestOutcome::malformed);
  EXPECT_EQ(check(t0, "").outcome, DigestOutcome::malformed);
  EXPECT_EQ(server.counters().malformed, 3u);
}

TEST_F(DigestServerTest, CredentialsForWhatWasNotOfferedAreMalformed) {
  DigestClient ua("alice", "wonderland");
  auto c = parse_credentials(alice_answers(ua, t0));
  ASSERT_TRUE(c);

  DigestCredentials other_realm = *c;
  other_realm.realm = "example.net";
  EXPECT_EQ(server.check(t0, other_realm, "REGISTER", accounts.lookup()).detail,
            "realm \"example.net\" is not \"example.org\"");

  DigestCredentials sha512 = *c;
  sha512.algorithm = DigestAlgorithm::sha512_256;
  EXPECT_EQ(server.check(t0, sha512, "REGISTER", accounts.lookup()).detail, "algorithm SHA-512-256 was not offered");

  DigestCredentials auth_int = *c;
  auth_int.qop = Qop::auth_int;
  EXPECT_EQ(server.check(t0, auth_int, "REGISTER", accounts.lookup()).detail, "qop auth-int was not offered");
  EXPECT_EQ(server.counters().malformed, 3u);
}

TEST_F(DigestServerTest, AuthIntWhenOfferedSignsTheBody) {
  DigestServerConfig cfg = config();
  cfg.offer_auth_int = true;
  DigestAuthenticator server_int(cfg);
  auto challenge = server_int.challenge(t0, rng);
  EXPECT_EQ(challenge[0].qop, (std::vector<Qop>{Qop::auth, Qop::auth_int}));
  for (auto& c : challenge) c.qop = {Qop::auth_int};
  DigestClient ua("alice", "wonderland");
  ASSERT_TRUE(ua.accept(challenge));
  auto value = ua.authorization("MESSAGE", "sip:bob@example.org", rng, "hello");
  ASSERT_TRUE(value);
  EXPECT_EQ(server_int.check(t0, *value, "MESSAGE", accounts.lookup(), "hellO").outcome,
            DigestOutcome::bad_response);
  EXPECT_TRUE(server_int.check(t0, *value, "MESSAGE", accounts.lookup(), "hello").ok());
}

TEST_F(DigestServerTest, TheReplayTableIsBoundedAndAnEvictedNonceBecomesStaleNotReplayable) {
  DigestServerConfig cfg = config();
  cfg.replay_table_size = 2;
  DigestAuthenticator small(cfg);
  for (const char* user : {"u1", "u2", "u3"}) accounts.add(user, "pw");
  std::vector<std::string> first_requests;
  for (const char* user : {"u1", "u2", "u3"}) {
    DigestClient ua(user, "pw");
    ASSERT_TRUE(ua.accept(small.challenge(t0, rng)));
    auto value = ua.authorization("REGISTER", "sip:example.org", rng);
    ASSERT_TRUE(value);
    EXPECT_TRUE(small.check(t0 + 1s, *value, "REGISTER", accounts.lookup()).ok()) << user;
    first_requests.push_back(*value);
    EXPECT_LE(small.tracked_nonces(), 2u);
  }
  EXPECT_EQ(small.counters().evictions, 1u);
  // u1's entry is gone; replaying u1's request must not pass.
  auto r = small.check(t0 + 2s, first_requests[0], "REGISTER", accounts.lookup());
  EXPECT_EQ(r.outcome, DigestOutcome::stale);
  EXPECT_EQ(r.detail, "nonce no longer tracked");
  EXPECT_EQ(small.check(t0 + 2s, first_requests[2], "REGISTER", accounts.lookup()).outcome, DigestOutcome::replay);
  // A nonce issued after the eviction is tracked as usual.
  DigestClient ua("u1", "pw");
  ASSERT_TRUE(ua.accept(small.challenge(t0 + 3s, rng)));
  EXPECT_TRUE(small.check(t0 + 3s, ua.authorization("REGISTER", "sip:example.org", rng).value(), "REGISTER",
                          accounts.lookup())
                  .ok());
}

TEST_F(DigestServerTest, ExpiredEntriesLeaveTheTableWithoutEvictingLiveOnes) {
  DigestServerConfig cfg = config();
  cfg.replay_table_size = 2;
  DigestAuthenticator small(cfg);
  for (int i = 0; i < 10; ++i) {
    DigestClient ua("alice", "wonderland");
    const Instant now = t0 + std::chrono::minutes(6) * i;
    ASSERT_TRUE(ua.accept(small.challenge(now, rng)));
    EXPECT_TRUE(small.check(now, ua.authorization("REGISTER", "sip:example.org", rng).value(), "REGISTER",
                            accounts.lookup())
                    .ok());
  }
  EXPECT_EQ(small.tracked_nonces(), 1u);
  EXPECT_EQ(small.counters().evictions, 0u);
}

TEST_F(DigestServerTest, EveryOutcomeIsCounted) {
  DigestClient ua("alice", "wonderland");
  const std::string good = alice_answers(ua, t0);
  EXPECT_TRUE(check(t0, good).ok());
  EXPECT_EQ(check(t0, good).outcome, DigestOutcome::replay);
  EXPECT_EQ(check(t0 + 400s, next_request(ua)).outcome, DigestOutcome::stale);
  EXPECT_EQ(check(t0, "Digest").outcome, DigestOutcome::malformed);
  const DigestCounters& n = server.counters();
  EXPECT_EQ(n.ok, 1u);
  EXPECT_EQ(n.failures(), 3u);
  EXPECT_STREQ(to_string(DigestOutcome::bad_nonce), "bad_nonce");
  EXPECT_STREQ(to_string(DigestOutcome::unknown_user), "unknown_user");
}

TEST(DigestServerConfigTest, ABadConfigIsRefusedAtStartUp) {
  auto with = [](auto change) {
    DigestServerConfig c = config();
    change(c);
    return c;
  };
  EXPECT_THROW(DigestAuthenticator{with([](auto& c) { c.secret = Bytes(15, 1); })}, std::invalid_argument);
  EXPECT_THROW(DigestAuthenticator{with([](auto& c) { c.realm = "a\r\nb"; })}, std::invalid_argument);
  EXPECT_THROW(DigestAuthenticator{with([](auto& c) { c.algorithms.clear(); })}, std::invalid_argument);
  EXPECT_THROW(DigestAuthenticator(with([](auto& c) { c.algorithms.push_back(DigestAlgorithm::md5); })),
               std::invalid_argument);
  EXPECT_THROW(DigestAuthenticator(with([](auto& c) { c.nonce_lifetime = Duration::zero(); })),
               std::invalid_argument);
  EXPECT_THROW(DigestAuthenticator{with([](auto& c) { c.replay_table_size = 0; })}, std::invalid_argument);
  EXPECT_NO_THROW(DigestAuthenticator{config()});
}

}  // namespace
}  // namespace confab::sip
