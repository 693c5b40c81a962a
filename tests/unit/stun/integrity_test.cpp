// MESSAGE-INTEGRITY, MESSAGE-INTEGRITY-SHA256 and FINGERPRINT built and
// verified together, in the order RFC 8489 §14.5-§14.7 prescribe.
#include <gtest/gtest.h>

#include "stun/credentials.hpp"
#include "stun/message.hpp"
#include "stun_test_util.hpp"

namespace confab::stun {
namespace {

using test::to_bytes;

const Bytes key = to_bytes("a-shared-secret");
const Bytes wrong = to_bytes("a-shared-secreT");

MessageBuilder request() {
  TransactionId id;
  id.bytes.fill(0x42);
  return MessageBuilder(MessageClass::request, method::binding, id);
}

TEST(MessageIntegritySha256, FullLengthVerifiesWithTheKeyOnly) {
  Bytes bytes = request().add_string(attr::username, "alice").add_message_integrity_sha256(key).finish();
  auto m = parse(bytes);
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(m->find(attr::message_integrity_sha256)->value.size(), 32u);
  EXPECT_TRUE(verify_message_integrity_sha256(*m, key));
  EXPECT_FALSE(verify_message_integrity_sha256(*m, wrong));
  EXPECT_FALSE(verify_message_integrity(*m, key));  // there is no SHA-1 MI
}

TEST(MessageIntegritySha256, TruncatedTo16BytesStillVerifies) {
  Bytes bytes = request().add_message_integrity_sha256(key, 16).finish();
  auto m = parse(bytes);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->find(attr::message_integrity_sha256)->value.size(), 16u);
  EXPECT_TRUE(verify_message_integrity_sha256(*m, key));
  EXPECT_FALSE(verify_message_integrity_sha256(*m, wrong));
}

TEST(MessageIntegritySha256, TruncationIsClampedToTheAllowedSizes) {
  for (auto [asked, got] : {std::pair<std::size_t, std::size_t>{4, 16}, {21, 20}, {99, 32}}) {
    Bytes bytes = request().add_message_integrity_sha256(key, asked).finish();
    auto m = parse(bytes);
    ASSERT_TRUE(m) << m.error().message();
    EXPECT_EQ(m->find(attr::message_integrity_sha256)->value.size(), got);
    EXPECT_TRUE(verify_message_integrity_sha256(*m, key));
  }
}

TEST(MessageIntegrity, AllThreeTrailersVerifyTogether) {
  Bytes bytes = request()
                    .add_string(attr::username, "alice")
                    .add_message_integrity(key)
                    .add_message_integrity_sha256(key)
                    .add_fingerprint()
                    .finish();
  auto m = parse(bytes);  // parse() checks the fingerprint
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_TRUE(verify_message_integrity(*m, key));
  EXPECT_TRUE(verify_message_integrity_sha256(*m, key));
  EXPECT_FALSE(verify_message_integrity(*m, wrong));
  EXPECT_FALSE(verify_message_integrity_sha256(*m, wrong));
}

TEST(MessageIntegrity, ChangingACoveredByteBreaksIt) {
  Bytes bytes = request().add_string(attr::username, "alice").add_message_integrity(key).finish();
  bytes[24] = 'A';
  auto m = parse(bytes);
  ASSERT_TRUE(m);
  EXPECT_FALSE(verify_message_integrity(*m, key));
}

TEST(MessageIntegrity, ChangingTheTransactionIdBreaksIt) {
  Bytes bytes = request().add_message_integrity(key).finish();
  bytes[10] ^= 1;
  auto m = parse(bytes);
  ASSERT_TRUE(m);
  EXPECT_FALSE(verify_message_integrity(*m, key));
}

TEST(MessageIntegrity, AnEmptyKeyWorksLikeAnyOther) {
  Bytes bytes = request().add_message_integrity({}).finish();
  auto m = parse(bytes);
  ASSERT_TRUE(m);
  EXPECT_TRUE(verify_message_integrity(*m, {}));
  EXPECT_FALSE(verify_message_integrity(*m, key));
}

TEST(Fingerprint, IsCrc32XorStun) {
  // CRC-32 of the 20-byte header alone with length 8, XOR 0x5354554e.
  Bytes bytes = request().add_fingerprint().finish();
  auto m = parse(bytes);
  ASSERT_TRUE(m) << m.error().message();
  ASSERT_TRUE(m->u32(attr::fingerprint));
  EXPECT_EQ(bytes.size(), 28u);
}

}  // namespace
}  // namespace confab::stun
