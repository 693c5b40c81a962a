// The RFCs' own example exchanges, byte for byte, on both sides: RFC 5802
// §5 (SCRAM-SHA-1) and RFC 7677 §3 (SCRAM-SHA-256). User "user", password
// "pencil"; the nonces come from a fixed-bytes Rng.
#include <gtest/gtest.h>

#include "sasl/scram_client.hpp"
#include "sasl/scram_server.hpp"
#include "sasl_test_util.hpp"

namespace confab::sasl {
namespace {

using test::Accounts;
using test::b64;
using test::FixedRng;

struct Vector {
  Mechanism mechanism;
  ScramMechanism hash;
  std::string client_nonce;
  std::string server_nonce;  // the part the server adds
  std::string salt;
  std::string client_first;
  std::string server_first;
  std::string client_final;
  std::string server_final;
};

const Vector rfc5802{
    Mechanism::scram_sha1,
    ScramMechanism::sha1,
    "fyko+d2lbbFgONRv9qkxdawL",
    "3rfcNHYJY1ZVvWVs7j",
    "QSXCR+Q6sek8bf92",
    "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL",
    "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
    "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
    "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=",
};

const Vector rfc7677{
    Mechanism::scram_sha256,
    ScramMechanism::sha256,
    "rOprNGfwEbeRWgbNEkqO",
    "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
    "W22ZaJ0SNY7soEsUEjb6gQ==",
    "n,,n=user,r=rOprNGfwEbeRWgbNEkqO",
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
    "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
};

class RfcExchange : public ::testing::TestWithParam<Vector> {};

TEST_P(RfcExchange, TheClientProducesTheRfcMessagesByteForByte) {
  const Vector& v = GetParam();
  ScramClientConfig cc;
  cc.nonce_chars = v.client_nonce.size();
  ScramClient client(v.mechanism, "user", "pencil", {}, {}, cc);
  FixedRng rng(v.client_nonce);
  auto first = client.client_first(rng);
  ASSERT_TRUE(first);
  EXPECT_EQ(*first, v.client_first);
  auto final_message = client.handle_server_first(v.server_first);
  ASSERT_TRUE(final_message) << final_message.error().detail;
  EXPECT_EQ(*final_message, v.client_final);
  EXPECT_TRUE(client.handle_server_final(v.server_final));
}

TEST_P(RfcExchange, TheServerProducesTheRfcMessagesByteForByteFromStoredKeysOnly) {
  const Vector& v = GetParam();
  Accounts accounts;
  accounts.add("user", v.hash, scram_credentials(v.hash, "pencil", b64(v.salt), 4096));
  ServerConfig config = test::server_config();
  config.nonce_chars = v.server_nonce.size();
  ScramServer server(config, v.mechanism);
  FixedRng rng(v.server_nonce);
  Step first = server.handle_client_first(v.client_first, accounts.lookup(), rng);
  ASSERT_TRUE(first.is_challenge()) << first.failure.message();
  EXPECT_EQ(first.data, v.server_first);
  EXPECT_EQ(server.username(), "user");
  Step final_step = server.handle_client_final(v.client_final);
  ASSERT_TRUE(final_step.is_success()) << final_step.failure.message();
  EXPECT_EQ(final_step.data, v.server_final);
  ASSERT_TRUE(server.identity());
  EXPECT_EQ(server.identity()->username, "user");
  EXPECT_EQ(server.identity()->authzid, "");
}

TEST_P(RfcExchange, OurClientAndServerAgreeWithRandomNonces) {
  const Vector& v = GetParam();
  Accounts accounts;
  accounts.add("user", "pencil");
  const ServerConfig config = test::server_config();
  ScramServer server(config, v.mechanism);
  ScramClient client(v.mechanism, "user", "pencil");
  SeededRng rng(7);
  auto first = client.client_first(rng);
  ASSERT_TRUE(first);
  Step challenge = server.handle_client_first(*first, accounts.lookup(), rng);
  ASSERT_TRUE(challenge.is_challenge());
  auto final_message = client.handle_server_first(challenge.data);
  ASSERT_TRUE(final_message);
  Step done = server.handle_client_final(*final_message);
  ASSERT_TRUE(done.is_success()) << done.failure.message();
  EXPECT_TRUE(client.handle_server_final(done.data));
}

INSTANTIATE_TEST_SUITE_P(Rfc5802AndRfc7677, RfcExchange, ::testing::Values(rfc5802, rfc7677),
                         [](const auto& info) { return info.index == 0 ? "Rfc5802Sha1" : "Rfc7677Sha256"; });

}  // namespace
}  // namespace confab::sasl
