// Every DecodeErrorCode, with the byte offset and the attribute it names.
#include <gtest/gtest.h>

#include "stun/message.hpp"
#include "stun_test_util.hpp"

namespace confab::stun {
namespace {

using test::from_hex;
using test::load_vector;

MessageBuilder request() { return MessageBuilder(MessageClass::request, method::binding, TransactionId{}); }

DecodeError error_of(const Bytes& bytes) {
  auto m = parse(bytes);
  EXPECT_FALSE(m) << "parsed although it should not";
  return m ? DecodeError{} : m.error();
}

void expect_error(const Bytes& bytes, DecodeErrorCode code, std::size_t offset, std::uint16_t attribute) {
  DecodeError e = error_of(bytes);
  EXPECT_EQ(e.code, code) << e.message();
  EXPECT_EQ(e.offset, offset) << e.message();
  EXPECT_EQ(e.attribute, attribute) << e.message();
  EXPECT_FALSE(e.detail.empty());
}

TEST(DecodeError, MessageNamesTheByteTheAttributeAndTheProblem) {
  Bytes bytes = request().add_raw(attr::xor_mapped_address, from_hex("00 03 a1 47 e1 12 a6 43")).finish();
  EXPECT_EQ(error_of(bytes).message(),
            "STUN decode error at byte 24 (XOR-MAPPED-ADDRESS): bad attribute value: "
            "family 0x03 is neither IPv4 (0x01) nor IPv6 (0x02)");
}

TEST(DecodeError, MessageWithoutAnAttributeLeavesItOut) {
  DecodeError e{DecodeErrorCode::bad_length, 2, 0, "length 3 is not a multiple of 4"};
  EXPECT_EQ(e.message(), "STUN decode error at byte 2: bad message length: length 3 is not a multiple of 4");
}

TEST(TooShort, FewerThanTwentyBytesAreNotAHeader) {
  Bytes bytes = request().finish();
  bytes.pop_back();
  expect_error(bytes, DecodeErrorCode::too_short, 0, 0);
  expect_error({}, DecodeErrorCode::too_short, 0, 0);
}

TEST(NotStun, LeadingBitsMustBeZero) {
  for (std::uint8_t first : {std::uint8_t{0x40}, std::uint8_t{0x80}, std::uint8_t{0xC0}}) {
    Bytes bytes = request().finish();
    bytes[0] |= first;
    expect_error(bytes, DecodeErrorCode::not_stun, 0, 0);
  }
}

TEST(BadLength, LengthMustBeAMultipleOf4) {
  Bytes bytes = request().add_u32(attr::priority, 1).finish();
  bytes[3] = 7;
  expect_error(bytes, DecodeErrorCode::bad_length, 2, 0);
}

TEST(BadLength, LengthMustMatchTheBytesGiven) {
  Bytes bytes = request().add_u32(attr::priority, 1).finish();
  bytes.insert(bytes.end(), 4, 0);  // trailing bytes
  expect_error(bytes, DecodeErrorCode::bad_length, 2, 0);
  Bytes shorter = request().add_u32(attr::priority, 1).finish();
  shorter[3] = 12;  // claims more than there is
  expect_error(shorter, DecodeErrorCode::bad_length, 2, 0);
}

TEST(TruncatedAttribute, ValueRunningPastTheEndIsReportedAtItsHeader) {
  Bytes bytes = request().add_u32(attr::priority, 1).add_string(attr::software, "abcd").finish();
  bytes[28 + 3] = 9;  // SOFTWARE claims 9 bytes (12 padded), 4 remain
  expect_error(bytes, DecodeErrorCode::truncated_attribute, 28, attr::software);
}

TEST(TruncatedAttribute, PaddingMustFitToo) {
  Bytes bytes = request().add_raw(0xC001, from_hex("01 02 03 04")).finish();
  bytes[20 + 3] = 5;  // 5 bytes need 8 with padding
  expect_error(bytes, DecodeErrorCode::truncated_attribute, 20, 0xC001);
}

struct BadValue {
  const char* what;
  std::uint16_t type;
  Bytes value;
};

TEST(BadAttributeValue, KnownAttributesAreCheckedAgainstTheRegistry) {
  const BadValue cases[] = {
      {"IPv4 with 20 bytes", attr::mapped_address, from_hex("0001 0d96 00000000 00000000 00000000 00000000")},
      {"IPv6 with 8 bytes", attr::xor_peer_address, from_hex("0002 0d96 01020304")},
      {"address too short", attr::other_address, from_hex("0001 0d96")},
      {"family 0", attr::response_origin, from_hex("0000 0d96 01020304")},
      {"USERNAME of 513 bytes", attr::username, Bytes(513, 'u')},
      {"REALM of 764 bytes", attr::realm, Bytes(764, 'r')},
      {"NONCE of 764 bytes", attr::nonce, Bytes(764, 'n')},
      {"SOFTWARE of 764 bytes", attr::software, Bytes(764, 's')},
      {"reason of 764 bytes", attr::error_code, [] {
         Bytes b = from_hex("0000 0400");
         b.insert(b.end(), 764, 'x');
         return b;
       }()},
      {"error class 7", attr::error_code, from_hex("0000 0700")},
      {"error class 2", attr::error_code, from_hex("0000 0263")},
      {"error number 100", attr::error_code, from_hex("0000 0464")},
      {"ERROR-CODE too short", attr::error_code, from_hex("0000 04")},
      {"MESSAGE-INTEGRITY of 19 bytes", attr::message_integrity, Bytes(19, 0)},
      {"MI-SHA256 of 12 bytes", attr::message_integrity_sha256, Bytes(12, 0)},
      {"MI-SHA256 of 18 bytes", attr::message_integrity_sha256, Bytes(18, 0)},
      {"MI-SHA256 of 36 bytes", attr::message_integrity_sha256, Bytes(36, 0)},
      {"FINGERPRINT of 8 bytes", attr::fingerprint, Bytes(8, 0)},
      {"PRIORITY of 3 bytes", attr::priority, Bytes(3, 0)},
      {"ICE-CONTROLLING of 4 bytes", attr::ice_controlling, Bytes(4, 0)},
      {"USE-CANDIDATE with a value", attr::use_candidate, Bytes(4, 0)},
      {"LIFETIME of 8 bytes", attr::lifetime, Bytes(8, 0)},
      {"CHANGE-REQUEST of 8 bytes", attr::change_request, Bytes(8, 0)},
      {"RESPONSE-PORT of 2 bytes", attr::response_port, Bytes(2, 0)},
      {"EVEN-PORT of 4 bytes", attr::even_port, Bytes(4, 0)},
      {"USERHASH of 20 bytes", attr::userhash, Bytes(20, 0)},
      {"UNKNOWN-ATTRIBUTES of odd length", attr::unknown_attributes, Bytes(3, 0)},
      {"REQUESTED-ADDRESS-FAMILY 3", attr::requested_address_family, from_hex("03000000")},
      {"ADDRESS-ERROR-CODE family 0", attr::address_error_code, from_hex("00 00 04 40")},
      {"PASSWORD-ALGORITHM parameters overrun", attr::password_algorithm, from_hex("0002 0008 0000")},
      {"PASSWORD-ALGORITHM trailing bytes", attr::password_algorithm, from_hex("0002 0000 0000 0000")},
      {"PASSWORD-ALGORITHMS cut entry", attr::password_algorithms, from_hex("0002 0000 0001")},
      {"ICMP of 4 bytes", attr::icmp, Bytes(4, 0)},
      {"ALTERNATE-DOMAIN of 256 bytes", attr::alternate_domain, Bytes(256, 'd')},
  };
  for (const BadValue& c : cases) {
    SCOPED_TRACE(c.what);
    // A harmless attribute first so that the offset is not just 24.
    Bytes bytes = request().add_u32(attr::priority, 1).add_raw(c.type, c.value).finish();
    expect_error(bytes, DecodeErrorCode::bad_attribute_value, 28 + 4, c.type);
  }
}

TEST(BadAttributeValue, UnknownAttributesAreNotValidated) {
  Bytes bytes = request().add_raw(0x7f01, Bytes(3, 0xFF)).add_raw(0xfff0, Bytes(1000, 0)).finish();
  EXPECT_TRUE(parse(bytes));
}

TEST(AttributeAfterIntegrity, OnlyMiSha256AndFingerprintMayFollowMessageIntegrity) {
  Bytes key = test::to_bytes("key");
  Bytes bytes = request().add_message_integrity(key).add_string(attr::username, "late").finish();
  expect_error(bytes, DecodeErrorCode::attribute_after_integrity, 44, attr::username);

  Bytes ok = request()
                 .add_message_integrity(key)
                 .add_message_integrity_sha256(key)
                 .add_fingerprint()
                 .finish();
  EXPECT_TRUE(parse(ok));
}

TEST(AttributeAfterIntegrity, OnlyFingerprintMayFollowMiSha256) {
  Bytes key = test::to_bytes("key");
  Bytes bytes = request().add_message_integrity_sha256(key).add_message_integrity(key).finish();
  expect_error(bytes, DecodeErrorCode::attribute_after_integrity, 56, attr::message_integrity);
}

TEST(AttributeAfterFingerprint, FingerprintMustBeLast) {
  Bytes bytes = request().add_fingerprint().add_string(attr::software, "late").finish();
  expect_error(bytes, DecodeErrorCode::attribute_after_fingerprint, 28, attr::software);
}

TEST(FingerprintMismatch, ACorruptedMessageFailsAtTheFingerprint) {
  Bytes bytes = load_vector("sample_request");
  bytes[66] ^= 0x40;  // inside the USERNAME value
  expect_error(bytes, DecodeErrorCode::fingerprint_mismatch, 100, attr::fingerprint);
  Bytes zero = request().add_u32(attr::fingerprint, 0).finish();
  expect_error(zero, DecodeErrorCode::fingerprint_mismatch, 20, attr::fingerprint);
}

TEST(Robustness, EveryPrefixAndEveryBitFlipOfTheVectorsIsHandled) {
  for (const char* name : {"sample_request", "ipv4_response", "ipv6_response", "long_term_request"}) {
    Bytes bytes = load_vector(name);
    for (std::size_t n = 0; n < bytes.size(); ++n) {
      EXPECT_FALSE(parse(ByteView(bytes).first(n))) << name << " cut to " << n;
    }
    for (std::size_t i = 0; i < bytes.size(); ++i) {
      for (int bit = 0; bit < 8; ++bit) {
        Bytes flipped = bytes;
        flipped[i] ^= static_cast<std::uint8_t>(1u << bit);
        auto m = parse(flipped);
        if (!m) {
          EXPECT_FALSE(m.error().message().empty());
        }
      }
    }
  }
}

TEST(DecodeErrorCode, EveryCodeHasAName) {
  for (auto c : {DecodeErrorCode::too_short, DecodeErrorCode::not_stun, DecodeErrorCode::bad_length,
                 DecodeErrorCode::truncated_attribute, DecodeErrorCode::bad_attribute_value,
                 DecodeErrorCode::attribute_after_integrity, DecodeErrorCode::attribute_after_fingerprint,
                 DecodeErrorCode::fingerprint_mismatch}) {
    EXPECT_NE(std::string(to_string(c)), "unknown decode error");
  }
}

}  // namespace
}  // namespace confab::stun
