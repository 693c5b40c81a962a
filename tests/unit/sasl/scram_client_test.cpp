// ScramClient against servers that misbehave: a nonce it did not extend,
// too few or too many iterations, a wrong signature, an error, m=.
#include "sasl/scram_client.hpp"

#include <gtest/gtest.h>

#include "sasl_test_util.hpp"

namespace confab::sasl {
namespace {

using test::FixedRng;

// A client that has sent "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL".
ScramClient started(ScramClientConfig config = {}) {
  config.nonce_chars = 24;
  ScramClient c(Mechanism::scram_sha1, "user", "pencil", {}, {}, config);
  FixedRng rng("fyko+d2lbbFgONRv9qkxdawL");
  EXPECT_TRUE(c.client_first(rng));
  return c;
}

ClientError server_first_error(ScramClient& c, std::string_view server_first) {
  auto r = c.handle_server_first(server_first);
  EXPECT_FALSE(r) << server_first;
  return r ? ClientError::bad_input : r.error().error;
}

TEST(ScramClient, AServerNonceThatDoesNotExtendOursIsRefused) {
  for (const char* sf : {"r=fyko+d2lbbFgONRv9qkxdawL,s=QSXCR+Q6sek8bf92,i=4096",
                         "r=Xyko+d2lbbFgONRv9qkxdawLabc,s=QSXCR+Q6sek8bf92,i=4096", "r=fyko,s=QSXCR+Q6sek8bf92,i=4096"}) {
    ScramClient c = started();
    EXPECT_EQ(server_first_error(c, sf), ClientError::nonce_mismatch) << sf;
  }
}

TEST(ScramClient, IterationCountsOutsideTheConfiguredRangeAreRefused) {
  ScramClient low = started();
  EXPECT_EQ(server_first_error(low, "r=fyko+d2lbbFgONRv9qkxdawLx,s=QSXCR+Q6sek8bf92,i=4095"),
            ClientError::iterations_out_of_range);
  ScramClient high = started({.max_iterations = 100000});
  EXPECT_EQ(server_first_error(high, "r=fyko+d2lbbFgONRv9qkxdawLx,s=QSXCR+Q6sek8bf92,i=100001"),
            ClientError::iterations_out_of_range);
  ScramClient lowered = started({.min_iterations = 1});
  EXPECT_TRUE(lowered.handle_server_first("r=fyko+d2lbbFgONRv9qkxdawLx,s=QSXCR+Q6sek8bf92,i=1"));
}

TEST(ScramClient, AMandatoryExtensionOrGarbageFromTheServerIsRefused) {
  ScramClient m = started();
  EXPECT_EQ(server_first_error(m, "m=x,r=fyko+d2lbbFgONRv9qkxdawLx,s=QSXCR+Q6sek8bf92,i=4096"),
            ClientError::unsupported_extension);
  ScramClient g = started();
  EXPECT_EQ(server_first_error(g, "r=fyko+d2lbbFgONRv9qkxdawLx,i=4096"), ClientError::malformed);
}

TEST(ScramClient, AServerThatDoesNotKnowTheKeysIsCaughtByItsSignature) {
  ScramClient c = started();
  ASSERT_TRUE(c.handle_server_first("r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096"));
  auto r = c.handle_server_final("v=AAAAAAAAAAAAAAAAAAAAAAAAAAA=");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().error, ClientError::bad_server_signature);
}

TEST(ScramClient, AServerErrorIsReportedWithItsValue) {
  ScramClient c = started();
  ASSERT_TRUE(c.handle_server_first("r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096"));
  auto r = c.handle_server_final("e=channel-bindings-dont-match");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().error, ClientError::server_error);
  EXPECT_EQ(r.error().server_error, ScramError::channel_bindings_dont_match);
  ScramClient d = started();
  ASSERT_TRUE(d.handle_server_first("r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096"));
  EXPECT_EQ(d.handle_server_final("e=something-new").error().server_error, ScramError::other_error);
}

TEST(ScramClient, CallsOutOfTurnFail) {
  ScramClient c(Mechanism::scram_sha256, "user", "pencil");
  EXPECT_EQ(c.handle_server_first("r=a,s=QQ==,i=4096").error().error, ClientError::out_of_sequence);
  ScramClient d = started();
  EXPECT_EQ(d.handle_server_final("v=AAAA").error().error, ClientError::out_of_sequence);
}

TEST(ScramClient, RefusesInputThatCannotWork) {
  SeededRng rng(1);
  EXPECT_EQ(ScramClient(Mechanism::scram_sha256, "user", "a\x07").client_first(rng).error().error,
            ClientError::bad_input);
  EXPECT_EQ(ScramClient(Mechanism::scram_sha256, "", "pencil").client_first(rng).error().error,
            ClientError::bad_input);
  EXPECT_EQ(ScramClient(Mechanism::scram_sha256_plus, "user", "pencil").client_first(rng).error().error,
            ClientError::bad_input);
  EXPECT_EQ(ScramClient(Mechanism::scram_sha256, "user", "pencil", {Gs2Flag::p, {"tls-exporter", Bytes(32)}})
                .client_first(rng)
                .error()
                .error,
            ClientError::bad_input);
  EXPECT_EQ(ScramClient(Mechanism::plain, "user", "pencil").client_first(rng).error().error, ClientError::bad_input);
}

TEST(ScramClient, EscapesItsUsernameAndAuthzidAndBindsWithP) {
  ScramClient c(Mechanism::scram_sha256_plus, "a,b=c", "pencil", {Gs2Flag::p, {"tls-exporter", Bytes(32, 7)}},
                "a,b=c@example.org", {.nonce_chars = 3});
  FixedRng rng("xyz");
  auto first = c.client_first(rng);
  ASSERT_TRUE(first);
  EXPECT_EQ(*first, "p=tls-exporter,a=a=2Cb=3Dc@example.org,n=a=2Cb=3Dc,r=xyz");
}

}  // namespace
}  // namespace confab::sasl
