// Derived credentials, checked against the RFCs' own examples: RFC 5802 §5
// (SCRAM-SHA-1), RFC 7677 §3 (SCRAM-SHA-256), RFC 2617 §3.5 and RFC 7616
// §3.9.1 (digest HA1).
#include "store/password_hashes.hpp"

#include <gtest/gtest.h>

#include <openssl/evp.h>

#include <algorithm>
#include <string>

using namespace confab;
using namespace confab::store;

namespace {

Bytes base64(std::string_view text) {
  Bytes out(text.size());
  int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  out.resize(static_cast<std::size_t>(n) - static_cast<std::size_t>(std::count(text.begin(), text.end(), '=')));
  return out;
}

std::string base64(ByteView b) {
  std::string out(4 * ((b.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), b.data(), static_cast<int>(b.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::string hex(ByteView b) {
  std::string s;
  for (auto c : b) s += "0123456789abcdef"[c >> 4], s += "0123456789abcdef"[c & 15];
  return s;
}

// What a SCRAM server does with stored values only (RFC 5802 §3): recover
// ClientKey from the proof, check H(ClientKey) == StoredKey, and sign.
struct ServerCheck {
  bool proof_ok;
  std::string server_signature;
};
ServerCheck check(ScramMechanism m, const ScramCredentials& c, std::string_view auth_message,
                  std::string_view client_proof) {
  Bytes proof = base64(client_proof);
  Bytes signature = scram_hmac(m, c.stored_key, as_bytes(auth_message));
  Bytes client_key(proof.size());
  for (std::size_t i = 0; i < proof.size() && i < signature.size(); ++i)
    client_key[i] = static_cast<std::uint8_t>(proof[i] ^ signature[i]);
  return {scram_hash(m, client_key) == c.stored_key, base64(scram_hmac(m, c.server_key, as_bytes(auth_message)))};
}

}  // namespace

TEST(ScramSha1, TheRfc5802ExampleProofVerifiesAgainstTheStoredKeys) {
  auto c = scram_credentials(ScramMechanism::sha1, "pencil", base64("QSXCR+Q6sek8bf92"), 4096);
  EXPECT_EQ(hex(c.stored_key), "e9d94660c39d65c38fbad91c358f14da0eef2bd6");
  EXPECT_EQ(hex(c.server_key), "0fe09258b3ac852ba502cc62ba903eaacdbf7d31");
  const std::string auth =
      "n=user,r=fyko+d2lbbFgONRv9qkxdawL,"
      "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096,"
      "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j";
  auto r = check(ScramMechanism::sha1, c, auth, "v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=");
  EXPECT_TRUE(r.proof_ok);
  EXPECT_EQ(r.server_signature, "rmF9pqV8S7suAoZWja4dJRkFsKQ=");
}

TEST(ScramSha256, TheRfc7677ExampleProofVerifiesAgainstTheStoredKeys) {
  auto c = scram_credentials(ScramMechanism::sha256, "pencil", base64("W22ZaJ0SNY7soEsUEjb6gQ=="), 4096);
  EXPECT_EQ(hex(c.stored_key), "586e5df283e6dceb5c3e791d8b8528ec191e664045ce971792e2e6b5bb13e2a6");
  EXPECT_EQ(hex(c.server_key), "c1f3cbc1c13a9d35a14c0990eed97629ea225863e566a4314ab99f3f00e5d9d5");
  const std::string auth =
      "n=user,r=rOprNGfwEbeRWgbNEkqO,"
      "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,"
      "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
  auto r = check(ScramMechanism::sha256, c, auth, "dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
  EXPECT_TRUE(r.proof_ok);
  EXPECT_EQ(r.server_signature, "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
}

TEST(ScramSha256, AWrongPasswordsKeysDoNotVerifyTheExampleProof) {
  auto c = scram_credentials(ScramMechanism::sha256, "pencil2", base64("W22ZaJ0SNY7soEsUEjb6gQ=="), 4096);
  auto r = check(ScramMechanism::sha256, c, "n=user,r=x", "dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
  EXPECT_FALSE(r.proof_ok);
}

TEST(DigestHa1, TheRfc2617ExampleHa1) {
  EXPECT_EQ(digest_ha1(DigestAlgorithm::md5, "Mufasa", "testrealm@host.com", "Circle Of Life"),
            "939e7578ed9e3c518a452acee763bce9");
}

// RFC 7616 §3.9.1 gives the responses, not HA1: recompute the response
// from our HA1 and compare with the RFC's.
TEST(DigestHa1, TheRfc7616ExampleResponsesFollowFromOurHa1) {
  auto hash = [](DigestAlgorithm a, const std::string& s) {
    Bytes out(EVP_MAX_MD_SIZE);
    unsigned n = 0;
    EVP_Digest(s.data(), s.size(), out.data(), &n, a == DigestAlgorithm::md5 ? EVP_md5() : EVP_sha256(), nullptr);
    out.resize(n);
    return hex(out);
  };
  for (auto [alg, response] :
       {std::pair{DigestAlgorithm::md5, "8ca523f5e9506fed4657c9700eebdbec"},
        std::pair{DigestAlgorithm::sha256, "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"}}) {
    std::string ha1 = digest_ha1(alg, "Mufasa", "http-auth@example.org", "Circle of Life");
    std::string ha2 = hash(alg, "GET:/dir/index.html");
    std::string kd = ha1 + ":7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v:00000001:"
                           "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ:auth:" + ha2;
    EXPECT_EQ(hash(alg, kd), response) << name_of(alg);
  }
}

TEST(DeriveCredentials, UsesTheLocalpartAsUsernameAndTheDomainAsRealm) {
  SeededRng rng(1);
  auto name = AccountName::parse("alice@example.org").value();
  auto c = derive_credentials(name, "secret", {}, rng);
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->realm, "example.org");
  EXPECT_EQ(c->ha1_md5, digest_ha1(DigestAlgorithm::md5, "alice", "example.org", "secret"));
  EXPECT_EQ(c->ha1_sha256, digest_ha1(DigestAlgorithm::sha256, "alice", "example.org", "secret"));
  EXPECT_EQ(c->ha1_md5.size(), 32u);
  EXPECT_EQ(c->ha1_sha256.size(), 64u);
}

TEST(DeriveCredentials, EachMechanismGetsItsOwnSixteenByteSaltAndIterationCount) {
  SeededRng rng(2);
  auto name = AccountName::parse("alice@example.org").value();
  auto c = derive_credentials(name, "secret", {.scram_sha1_iterations = 4096, .scram_sha256_iterations = 5000}, rng);
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->scram_sha1.salt.size(), 16u);
  EXPECT_EQ(c->scram_sha256.salt.size(), 16u);
  EXPECT_NE(c->scram_sha1.salt, c->scram_sha256.salt);
  EXPECT_EQ(c->scram_sha1.iterations, 4096u);
  EXPECT_EQ(c->scram_sha256.iterations, 5000u);
  EXPECT_EQ(c->scram_sha1, scram_credentials(ScramMechanism::sha1, "secret", c->scram_sha1.salt, 4096));
  EXPECT_EQ(c->scram_sha1.stored_key.size(), 20u);
  EXPECT_EQ(c->scram_sha256.server_key.size(), 32u);
}

TEST(DeriveCredentials, ScramKeysAreComputedOverTheSaslpreppedPassword) {
  SeededRng rng(3);
  auto name = AccountName::parse("alice@example.org").value();
  // RFC 4013: U+00A0 NO-BREAK SPACE maps to SPACE; SOFT HYPHEN maps to nothing.
  auto c = derive_credentials(name, "pen\xc2\xa0"
                                    "cil\xc2\xad",
                              {}, rng);
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->scram_sha256, scram_credentials(ScramMechanism::sha256, "pen cil", c->scram_sha256.salt, 8192));
}

TEST(DeriveCredentials, RefusesEmptyOverlongAndProhibitedPasswords) {
  SeededRng rng(4);
  auto name = AccountName::parse("alice@example.org").value();
  EXPECT_EQ(derive_credentials(name, "", {}, rng).error(), "the password is empty");
  EXPECT_EQ(derive_credentials(name, std::string(1024, 'x'), {}, rng).error(),
            "the password is longer than 1023 bytes");
  auto bell = derive_credentials(name, "a\x07", {}, rng);
  ASSERT_FALSE(bell);
  EXPECT_EQ(bell.error(), "the password is not allowed: prohibited character U+0007");
  EXPECT_FALSE(derive_credentials(name, "\xc2\xad", {}, rng));  // nothing left after SASLprep
}

TEST(DeriveCredentials, RefusesFewerThan4096Iterations) {
  SeededRng rng(5);
  auto name = AccountName::parse("alice@example.org").value();
  EXPECT_FALSE(derive_credentials(name, "secret", {.scram_sha1_iterations = 4095}, rng));
}
