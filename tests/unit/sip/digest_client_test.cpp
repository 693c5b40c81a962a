// DigestClient: which challenge it answers, and how cnonce and nc evolve.
#include <gtest/gtest.h>

#include "sip/digest.hpp"
#include "sip/digest_client.hpp"

namespace confab::sip {
namespace {

DigestChallenge challenge(DigestAlgorithm a, std::string nonce = "n1", std::vector<Qop> qop = {Qop::auth}) {
  DigestChallenge c;
  c.realm = "example.org";
  c.nonce = std::move(nonce);
  c.algorithm = a;
  c.qop = std::move(qop);
  return c;
}

TEST(DigestClient, ItAnswersTheStrongestAlgorithmWhateverTheOrder) {
  SeededRng rng(1);
  DigestClient ua("alice", "pw");
  std::vector<DigestChallenge> offered = {challenge(DigestAlgorithm::md5), challenge(DigestAlgorithm::sha512_256),
                                          challenge(DigestAlgorithm::sha256)};
  EXPECT_EQ(ua.accept(offered).value(), DigestAlgorithm::sha512_256);
  offered.erase(offered.begin() + 1);
  EXPECT_EQ(ua.accept(offered).value(), DigestAlgorithm::sha256);
  offered.erase(offered.begin() + 1);
  EXPECT_EQ(ua.accept(offered).value(), DigestAlgorithm::md5);
}

TEST(DigestClient, ChallengesItCannotParseAreSkipped) {
  DigestClient ua("alice", "pw");
  const std::vector<std::string> values = {
      "Digest realm=\"example.org\", nonce=\"n\", algorithm=SHA-256-sess, qop=\"auth\"",
      "Digest realm=\"example.org\", nonce=\"n\", algorithm=MD5, qop=\"auth\""};
  EXPECT_EQ(ua.accept_values(values).value(), DigestAlgorithm::md5);
  DigestClient none("alice", "pw");
  auto r = none.accept_values(std::vector<std::string>{values[0], "Basic realm=\"x\""});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(),
            "digest header error at byte 49 (algorithm): unsupported algorithm 'SHA-256-sess'; "
            "digest header error at byte 0: scheme 'Basic' is not Digest");
  EXPECT_FALSE(none.has_challenge());
  EXPECT_FALSE(none.accept(std::span<const DigestChallenge>()));
}

TEST(DigestClient, TheNonceCountCountsUpAndRestartsWithANewNonce) {
  SeededRng rng(2);
  DigestClient ua("alice", "pw");
  ASSERT_TRUE(ua.accept(std::vector{challenge(DigestAlgorithm::sha256, "n1")}));
  auto a = ua.credentials("REGISTER", "sip:example.org", rng);
  auto b = ua.credentials("REGISTER", "sip:example.org", rng);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->nc, 1u);
  EXPECT_EQ(b->nc, 2u);
  EXPECT_NE(a->cnonce, b->cnonce);
  EXPECT_EQ(a->cnonce.size(), 32u);
  ASSERT_TRUE(ua.accept(std::vector{challenge(DigestAlgorithm::sha256, "n1")}));
  EXPECT_EQ(ua.credentials("REGISTER", "sip:example.org", rng)->nc, 3u) << "same nonce: keep counting";
  ASSERT_TRUE(ua.accept(std::vector{challenge(DigestAlgorithm::sha256, "n2")}));
  EXPECT_EQ(ua.credentials("REGISTER", "sip:example.org", rng)->nc, 1u);
}

TEST(DigestClient, ItsResponseIsTheOneTheRfcFormulaGives) {
  SeededRng rng(3);
  DigestClient ua("alice", "pw");
  DigestChallenge ch = challenge(DigestAlgorithm::sha256);
  ch.opaque = "opaque-value";
  ASSERT_TRUE(ua.accept(std::vector{ch}));
  auto c = ua.credentials("REGISTER", "sip:example.org", rng);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->opaque, "opaque-value");
  EXPECT_EQ(c->qop, Qop::auth);
  const std::string ha1 = compute_ha1(DigestAlgorithm::sha256, "alice", "example.org", "pw");
  const std::string ha2 = digest_hex(DigestAlgorithm::sha256, "REGISTER:sip:example.org");
  EXPECT_EQ(c->response, digest_hex(DigestAlgorithm::sha256,
                                    ha1 + ":n1:00000001:" + c->cnonce + ":auth:" + ha2));
  auto text = ua.authorization("REGISTER", "sip:example.org", rng);
  ASSERT_TRUE(text);
  auto parsed = parse_credentials(*text);
  ASSERT_TRUE(parsed) << parsed.error().message();
  EXPECT_EQ(parsed->nc, 2u);
  EXPECT_TRUE(verify(*parsed, "REGISTER", ha1));
}

TEST(DigestClient, WithoutQopItSendsNeitherCnonceNorNc) {
  SeededRng rng(4);
  DigestClient ua("alice", "pw");
  ASSERT_TRUE(ua.accept(std::vector{challenge(DigestAlgorithm::md5, "n1", {})}));
  auto c = ua.credentials("REGISTER", "sip:example.org", rng);
  ASSERT_TRUE(c);
  EXPECT_FALSE(c->qop);
  EXPECT_TRUE(c->cnonce.empty());
  const std::string text = serialize(*c);
  EXPECT_EQ(text.find("cnonce"), std::string::npos);
  EXPECT_EQ(text.find("nc="), std::string::npos);
}

TEST(DigestClient, ItUsesAuthIntOnlyWhenThatIsAllThatIsOffered) {
  SeededRng rng(5);
  DigestClient ua("alice", "pw");
  ASSERT_TRUE(ua.accept(std::vector{challenge(DigestAlgorithm::sha256, "n1", {Qop::auth_int, Qop::auth})}));
  EXPECT_EQ(ua.credentials("MESSAGE", "sip:bob@example.org", rng)->qop, Qop::auth);
  ASSERT_TRUE(ua.accept(std::vector{challenge(DigestAlgorithm::sha256, "n2", {Qop::auth_int})}));
  EXPECT_EQ(ua.credentials("MESSAGE", "sip:bob@example.org", rng, "hi")->qop, Qop::auth_int);
}

TEST(DigestClient, ItRefusesToSignWithoutAChallengeOrWithUnquotableFields) {
  SeededRng rng(6);
  DigestClient ua("alice", "pw");
  EXPECT_EQ(ua.authorization("REGISTER", "sip:example.org", rng).error(), "no challenge accepted");
  ASSERT_TRUE(ua.accept(std::vector{challenge(DigestAlgorithm::sha256)}));
  EXPECT_EQ(ua.authorization("REGISTER", "sip:example.org\r\nVia: x", rng).error(), "uri cannot be sent");
  DigestClient evil("alice\r\nContact: <sip:evil>", "pw");
  ASSERT_TRUE(evil.accept(std::vector{challenge(DigestAlgorithm::sha256)}));
  EXPECT_EQ(evil.authorization("REGISTER", "sip:example.org", rng).error(), "username cannot be sent");
}

}  // namespace
}  // namespace confab::sip
