// RFC 5769's test vectors: each parses, its MESSAGE-INTEGRITY verifies with
// the right key and not with a wrong one, its FINGERPRINT verifies, and
// MessageBuilder reproduces it byte for byte.
#include <gtest/gtest.h>

#include "stun/credentials.hpp"
#include "stun/message.hpp"
#include "stun_test_util.hpp"

namespace confab::stun {
namespace {

using test::from_hex;
using test::load_vector;
using test::to_bytes;

constexpr std::string_view short_term_password = "VOkJxbRl1RmTxUk/WvJxBt";
// U+30DE U+30C8 U+30EA U+30C3 U+30AF U+30B9
constexpr std::string_view long_term_username = "\xE3\x83\x9E\xE3\x83\x88\xE3\x83\xAA\xE3\x83\x83\xE3\x82\xAF\xE3\x82\xB9";
// "The" U+00AD "M" U+00AA "tr" U+2168
constexpr std::string_view long_term_password = "The\xC2\xADM\xC2\xAAtr\xE2\x85\xA8";

TransactionId id_of(std::string_view hex) {
  TransactionId id;
  Bytes b = from_hex(hex);
  std::copy(b.begin(), b.end(), id.bytes.begin());
  return id;
}

Bytes short_key() { return short_term_key(short_term_password).value(); }

Bytes long_key() {
  return long_term_key(long_term_username, "example.org", long_term_password).value();
}

TEST(Rfc5769, VectorFilesHoldWholeMessages) {
  EXPECT_EQ(load_vector("sample_request").size(), 108u);
  EXPECT_EQ(load_vector("ipv4_response").size(), 80u);
  EXPECT_EQ(load_vector("ipv6_response").size(), 92u);
  EXPECT_EQ(load_vector("long_term_request").size(), 116u);
}

TEST(Rfc5769, SampleRequestParsesIntoItsAttributes) {
  Bytes bytes = load_vector("sample_request");
  auto m = parse(bytes);
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(m->cls, MessageClass::request);
  EXPECT_EQ(m->method, method::binding);
  EXPECT_FALSE(m->is_classic());
  EXPECT_EQ(m->transaction_id.to_hex(), "b7e7a701bc34d686fa87dfae");
  EXPECT_EQ(m->string(attr::software), "STUN test client");
  EXPECT_EQ(m->u32(attr::priority), 0x6e0001ffu);
  EXPECT_EQ(m->u64(attr::ice_controlled), 0x932ff9b151263b36u);
  EXPECT_EQ(m->string(attr::username), "evtj:h6vY");
  EXPECT_EQ(m->u32(attr::fingerprint), 0xe57a3bcfu);
  EXPECT_TRUE(m->unknown_comprehension_required().empty());
  ASSERT_EQ(m->attributes.size(), 6u);
  EXPECT_EQ(m->attributes[3].offset, 60u);  // USERNAME
}

TEST(Rfc5769, SampleRequestIntegrityVerifiesWithThePasswordOnly) {
  Bytes bytes = load_vector("sample_request");
  auto m = parse(bytes);
  ASSERT_TRUE(m);
  EXPECT_TRUE(verify_message_integrity(*m, short_key()));
  EXPECT_FALSE(verify_message_integrity(*m, to_bytes("VOkJxbRl1RmTxUk/WvJxBT")));
  EXPECT_FALSE(verify_message_integrity_sha256(*m, short_key()));  // it has none
}

TEST(Rfc5769, SampleRequestIsReproducedByteForByte) {
  Bytes built = MessageBuilder(MessageClass::request, method::binding, id_of("b7e7a701bc34d686fa87dfae"))
                    .set_padding_byte(0x20)
                    .add_string(attr::software, "STUN test client")
                    .add_u32(attr::priority, 0x6e0001ff)
                    .add_u64(attr::ice_controlled, 0x932ff9b151263b36)
                    .add_string(attr::username, "evtj:h6vY")
                    .add_message_integrity(short_key())
                    .add_fingerprint()
                    .finish();
  EXPECT_EQ(built, load_vector("sample_request"));
}

TEST(Rfc5769, Ipv4ResponseCarriesTheXorMappedAddress) {
  Bytes bytes = load_vector("ipv4_response");
  auto m = parse(bytes);
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(m->cls, MessageClass::success_response);
  EXPECT_EQ(m->string(attr::software), "test vector");
  EXPECT_EQ(m->xor_address(attr::xor_mapped_address), SocketAddress::parse("192.0.2.1:32853"));
  EXPECT_EQ(m->u32(attr::fingerprint), 0xc07d4c96u);
  EXPECT_TRUE(verify_message_integrity(*m, short_key()));
  EXPECT_FALSE(verify_message_integrity(*m, to_bytes("wrong")));
}

TEST(Rfc5769, Ipv4ResponseIsReproducedByteForByte) {
  Bytes built = MessageBuilder(MessageClass::success_response, method::binding, id_of("b7e7a701bc34d686fa87dfae"))
                    .set_padding_byte(0x20)
                    .add_string(attr::software, "test vector")
                    .add_xor_address(attr::xor_mapped_address, *SocketAddress::parse("192.0.2.1:32853"))
                    .add_message_integrity(short_key())
                    .add_fingerprint()
                    .finish();
  EXPECT_EQ(built, load_vector("ipv4_response"));
}

TEST(Rfc5769, Ipv6ResponseCarriesTheXorMappedAddress) {
  Bytes bytes = load_vector("ipv6_response");
  auto m = parse(bytes);
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(m->xor_address(attr::xor_mapped_address),
            SocketAddress::parse("[2001:db8:1234:5678:11:2233:4455:6677]:32853"));
  EXPECT_EQ(m->u32(attr::fingerprint), 0xc8fb0b4cu);
  EXPECT_TRUE(verify_message_integrity(*m, short_key()));
  EXPECT_FALSE(verify_message_integrity(*m, to_bytes("wrong")));
}

TEST(Rfc5769, Ipv6ResponseIsReproducedByteForByte) {
  Bytes built =
      MessageBuilder(MessageClass::success_response, method::binding, id_of("b7e7a701bc34d686fa87dfae"))
          .set_padding_byte(0x20)
          .add_string(attr::software, "test vector")
          .add_xor_address(attr::xor_mapped_address,
                           *SocketAddress::parse("[2001:db8:1234:5678:11:2233:4455:6677]:32853"))
          .add_message_integrity(short_key())
          .add_fingerprint()
          .finish();
  EXPECT_EQ(built, load_vector("ipv6_response"));
}

TEST(Rfc5769, LongTermRequestParsesIntoItsAttributes) {
  Bytes bytes = load_vector("long_term_request");
  auto m = parse(bytes);
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(m->transaction_id.to_hex(), "78ad3433c6ad72c029da412e");
  EXPECT_EQ(m->string(attr::username), long_term_username);
  EXPECT_EQ(m->string(attr::nonce), "f//499k954d6OL34oL9FSTvy64sA");
  EXPECT_EQ(m->string(attr::realm), "example.org");
  EXPECT_FALSE(m->has(attr::fingerprint));
}

TEST(Rfc5769, LongTermKeyIsMd5OfUsernameRealmAndPreparedPassword) {
  EXPECT_EQ(long_key(), from_hex("e8ca7ad59d5eb0518e312911d2dab2a9"));
  // SASLprep maps the password to "TheMatrIX".
  EXPECT_EQ(long_key(), long_term_key(long_term_username, "example.org", "TheMatrIX").value());
}

TEST(Rfc5769, LongTermRequestIntegrityVerifiesWithTheKeyOnly) {
  Bytes bytes = load_vector("long_term_request");
  auto m = parse(bytes);
  ASSERT_TRUE(m);
  EXPECT_TRUE(verify_message_integrity(*m, long_key()));
  EXPECT_FALSE(verify_message_integrity(*m, long_term_key(long_term_username, "example.org", "TheMatrix").value()));
  EXPECT_FALSE(verify_message_integrity(*m, short_key()));
}

TEST(Rfc5769, LongTermRequestIsReproducedByteForByte) {
  Bytes built = MessageBuilder(MessageClass::request, method::binding, id_of("78ad3433c6ad72c029da412e"))
                    .add_string(attr::username, long_term_username)
                    .add_string(attr::nonce, "f//499k954d6OL34oL9FSTvy64sA")
                    .add_string(attr::realm, "example.org")
                    .add_message_integrity(long_key())
                    .finish();
  EXPECT_EQ(built, load_vector("long_term_request"));
}

TEST(Rfc5769, EveryVectorFailsItsFingerprintWhenOneByteChanges) {
  for (const char* name : {"sample_request", "ipv4_response", "ipv6_response"}) {
    Bytes bytes = load_vector(name);
    bytes[25] ^= 0x01;  // inside the first attribute (SOFTWARE)
    auto m = parse(bytes);
    ASSERT_FALSE(m) << name;
    EXPECT_EQ(m.error().code, DecodeErrorCode::fingerprint_mismatch) << name;
    EXPECT_EQ(m.error().offset, bytes.size() - 8) << name;
    EXPECT_EQ(m.error().attribute, attr::fingerprint) << name;
  }
}

}  // namespace
}  // namespace confab::stun
