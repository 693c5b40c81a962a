// The key math against RFC 5802 §5 and RFC 7677 §3: the stored keys, the
// client proof from SaltedPassword, the server's check of it.
#include "sasl/scram_keys.hpp"

#include <gtest/gtest.h>

#include "core/text.hpp"
#include "sasl/base64.hpp"
#include "sasl_test_util.hpp"

namespace confab::sasl {
namespace {

using test::b64;

const std::string auth_sha1 =
    "n=user,r=fyko+d2lbbFgONRv9qkxdawL,"
    "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096,"
    "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j";

TEST(ScramKeys, TheRfc5802StoredAndServerKeys) {
  auto c = scram_credentials(ScramMechanism::sha1, "pencil", b64("QSXCR+Q6sek8bf92"), 4096);
  EXPECT_EQ(to_hex(c.stored_key), "e9d94660c39d65c38fbad91c358f14da0eef2bd6");
  EXPECT_EQ(to_hex(c.server_key), "0fe09258b3ac852ba502cc62ba903eaacdbf7d31");
  EXPECT_EQ(c.iterations, 4096u);
  EXPECT_EQ(base64_encode(c.salt), "QSXCR+Q6sek8bf92");
}

TEST(ScramKeys, TheRfc5802ProofComesFromSaltedPasswordAndVerifiesAgainstStoredKey) {
  const Bytes salted = salted_password(ScramMechanism::sha1, "pencil", b64("QSXCR+Q6sek8bf92"), 4096);
  ASSERT_EQ(salted.size(), 20u);
  const Bytes proof = client_proof(ScramMechanism::sha1, salted, auth_sha1);
  EXPECT_EQ(base64_encode(proof), "v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=");
  auto c = scram_credentials_from_salted(ScramMechanism::sha1, salted, b64("QSXCR+Q6sek8bf92"), 4096);
  EXPECT_TRUE(verify_client_proof(ScramMechanism::sha1, c.stored_key, auth_sha1, proof));
  EXPECT_EQ(base64_encode(server_signature(ScramMechanism::sha1, c.server_key, auth_sha1)),
            "rmF9pqV8S7suAoZWja4dJRkFsKQ=");
}

TEST(ScramKeys, TheRfc7677StoredAndServerKeys) {
  auto c = scram_credentials(ScramMechanism::sha256, "pencil", b64("W22ZaJ0SNY7soEsUEjb6gQ=="), 4096);
  EXPECT_EQ(to_hex(c.stored_key), "586e5df283e6dceb5c3e791d8b8528ec191e664045ce971792e2e6b5bb13e2a6");
  EXPECT_EQ(to_hex(c.server_key), "c1f3cbc1c13a9d35a14c0990eed97629ea225863e566a4314ab99f3f00e5d9d5");
}

TEST(ScramKeys, AProofWithOneBitFlippedOrOfTheWrongLengthDoesNotVerify) {
  auto c = scram_credentials(ScramMechanism::sha1, "pencil", b64("QSXCR+Q6sek8bf92"), 4096);
  Bytes proof = b64("v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=");
  ASSERT_TRUE(verify_client_proof(ScramMechanism::sha1, c.stored_key, auth_sha1, proof));
  Bytes flipped = proof;
  flipped[7] ^= 0x01;
  EXPECT_FALSE(verify_client_proof(ScramMechanism::sha1, c.stored_key, auth_sha1, flipped));
  Bytes longer = proof;
  longer.push_back(0);
  EXPECT_FALSE(verify_client_proof(ScramMechanism::sha1, c.stored_key, auth_sha1, longer));
  EXPECT_FALSE(verify_client_proof(ScramMechanism::sha1, c.stored_key, auth_sha1, Bytes(proof.begin(), proof.end() - 1)));
  EXPECT_FALSE(verify_client_proof(ScramMechanism::sha1, c.stored_key, auth_sha1, {}));
  EXPECT_FALSE(verify_client_proof(ScramMechanism::sha1, c.stored_key, auth_sha1 + "x", proof));
}

TEST(ScramKeys, NamesAndSizes) {
  EXPECT_EQ(name_of(ScramMechanism::sha1), "SCRAM-SHA-1");
  EXPECT_EQ(name_of(ScramMechanism::sha256), "SCRAM-SHA-256");
  EXPECT_EQ(hash_size(ScramMechanism::sha1), 20u);
  EXPECT_EQ(hash_size(ScramMechanism::sha256), 32u);
}

TEST(ScramKeys, ZeroIterationsGiveEmptyKeysThatMatchNothing) {
  auto c = scram_credentials(ScramMechanism::sha256, "pencil", b64("W22ZaJ0SNY7soEsUEjb6gQ=="), 0);
  EXPECT_TRUE(c.stored_key.empty());
  EXPECT_FALSE(verify_client_proof(ScramMechanism::sha256, c.stored_key, "x", Bytes(32, 0)));
}

}  // namespace
}  // namespace confab::sasl
