// Round trips through MessageBuilder and parse(): every attribute kind,
// IPv4 and IPv6, XOR and plain addresses, classic (RFC 3489) messages.
#include <gtest/gtest.h>

#include "core/rng.hpp"
#include "stun/message.hpp"
#include "stun_test_util.hpp"

namespace confab::stun {
namespace {

using test::from_hex;

TransactionId fixed_id() {
  TransactionId id;
  for (std::size_t i = 0; i < id.bytes.size(); ++i) id.bytes[i] = static_cast<std::uint8_t>(0xA0 + i);
  return id;
}

MessageBuilder request() { return MessageBuilder(MessageClass::request, method::binding, fixed_id()); }

Message parsed(const Bytes& bytes) {
  auto m = parse(bytes);
  EXPECT_TRUE(m) << m.error().message();
  return m ? *m : Message{};
}

const SocketAddress v4 = *SocketAddress::parse("192.0.2.77:3478");
const SocketAddress v6 = *SocketAddress::parse("[2001:db8::beef:1]:65000");

TEST(MessageHeader, ClassAndMethodSurviveTheInterleavedTypeField) {
  for (auto cls : {MessageClass::request, MessageClass::indication, MessageClass::success_response,
                   MessageClass::error_response}) {
    for (std::uint16_t m : {std::uint16_t{0x001}, std::uint16_t{0x009}, std::uint16_t{0x0ABC}, std::uint16_t{0xFFF}}) {
      Bytes bytes = MessageBuilder(cls, m, fixed_id()).finish();
      Message msg = parsed(bytes);
      EXPECT_EQ(msg.cls, cls);
      EXPECT_EQ(msg.method, m);
    }
  }
}

TEST(MessageHeader, TypeFieldMatchesTheWellKnownValues) {
  auto type_of = [](MessageClass c, std::uint16_t m) {
    Bytes b = MessageBuilder(c, m, fixed_id()).finish();
    return (b[0] << 8) | b[1];
  };
  EXPECT_EQ(type_of(MessageClass::request, method::binding), 0x0001);
  EXPECT_EQ(type_of(MessageClass::success_response, method::binding), 0x0101);
  EXPECT_EQ(type_of(MessageClass::error_response, method::binding), 0x0111);
  EXPECT_EQ(type_of(MessageClass::indication, method::send), 0x0016);
  EXPECT_EQ(type_of(MessageClass::request, method::allocate), 0x0003);
}

TEST(MessageHeader, AnEmptyMessageIsTwentyBytesWithTheCookie) {
  Bytes b = request().finish();
  ASSERT_EQ(b.size(), header_size);
  EXPECT_EQ(Bytes(b.begin() + 2, b.begin() + 8), from_hex("0000 2112a442"));
  Message m = parsed(b);
  EXPECT_EQ(m.transaction_id, fixed_id());
  EXPECT_TRUE(m.attributes.empty());
}

TEST(MessageHeader, NamesAreReadable) {
  EXPECT_STREQ(method_name(method::binding), "Binding");
  EXPECT_STREQ(method_name(method::create_permission), "CreatePermission");
  EXPECT_STREQ(method_name(0x0abc), "0x0abc");
  EXPECT_STREQ(to_string(MessageClass::error_response), "error response");
}

TEST(TransactionId, RandomIdsComeFromTheInjectedRng) {
  SeededRng a(7), b(7), c(8);
  EXPECT_EQ(TransactionId::random(a), TransactionId::random(b));
  EXPECT_NE(TransactionId::random(a), TransactionId::random(c));
  EXPECT_EQ(fixed_id().to_hex(), "a0a1a2a3a4a5a6a7a8a9aaab");
}

TEST(MessageBuilder, KeepsTheHeaderLengthEqualToTheAttributes) {
  MessageBuilder b = request();
  b.add_string(attr::software, "abcde");  // 4 + 5 + 3 padding
  EXPECT_EQ(b.size(), 32u);
  Bytes bytes = std::move(b).finish();
  EXPECT_EQ((bytes[2] << 8) | bytes[3], 12);
  EXPECT_EQ(Bytes(bytes.begin() + 29, bytes.end()), Bytes(3, 0));  // zero padding by default
}

TEST(MessageBuilder, PadsWithTheChosenByte) {
  Bytes bytes = request().set_padding_byte(0x20).add_string(attr::software, "a").finish();
  EXPECT_EQ(Bytes(bytes.begin() + 25, bytes.end()), Bytes(3, 0x20));
  EXPECT_EQ(parsed(bytes).string(attr::software), "a");
}

TEST(AddressAttributes, Ipv4AndIpv6RoundTripPlainAndXored) {
  for (const SocketAddress& a : {v4, v6}) {
    Bytes bytes = request()
                      .add_address(attr::mapped_address, a)
                      .add_xor_address(attr::xor_mapped_address, a)
                      .add_xor_address(attr::xor_peer_address, a)
                      .add_xor_address(attr::xor_relayed_address, a)
                      .add_address(attr::alternate_server, a)
                      .add_address(attr::response_origin, a)
                      .add_address(attr::other_address, a)
                      .finish();
    Message m = parsed(bytes);
    EXPECT_EQ(m.address(attr::mapped_address), a);
    EXPECT_EQ(m.xor_address(attr::xor_mapped_address), a);
    EXPECT_EQ(m.xor_address(attr::xor_peer_address), a);
    EXPECT_EQ(m.xor_address(attr::xor_relayed_address), a);
    EXPECT_EQ(m.address(attr::alternate_server), a);
    EXPECT_EQ(m.address(attr::response_origin), a);
    EXPECT_EQ(m.address(attr::other_address), a);
    // On the wire the XORed form differs from the plain one.
    EXPECT_NE(m.address(attr::xor_mapped_address), a);
    EXPECT_EQ(m.find(attr::mapped_address)->value.size(), a.ip.is_v4() ? 8u : 20u);
  }
}

TEST(AddressAttributes, ClassicRfc3489AttributesRoundTrip) {
  Bytes bytes = request()
                    .add_address(attr::response_address, v4)
                    .add_address(attr::source_address, v4)
                    .add_address(attr::changed_address, v6)
                    .add_address(attr::reflected_from, v6)
                    .finish();
  Message m = parsed(bytes);
  EXPECT_EQ(m.address(attr::response_address), v4);
  EXPECT_EQ(m.address(attr::source_address), v4);
  EXPECT_EQ(m.address(attr::changed_address), v6);
  EXPECT_EQ(m.address(attr::reflected_from), v6);
}

TEST(AddressAttributes, AccessorsReturnNothingForAbsentAttributes) {
  Message m = parsed(request().finish());
  EXPECT_FALSE(m.address(attr::mapped_address));
  EXPECT_FALSE(m.xor_address(attr::xor_mapped_address));
  EXPECT_FALSE(m.string(attr::username));
  EXPECT_FALSE(m.u32(attr::priority));
  EXPECT_FALSE(m.u64(attr::ice_controlling));
  EXPECT_FALSE(m.response_port());
  EXPECT_FALSE(m.change_request());
  EXPECT_FALSE(m.error_code());
  EXPECT_TRUE(m.unknown_attributes().empty());
}

TEST(ClassicMessages, ParseWithTheirCookieAndIgnoreXorAddresses) {
  const std::uint32_t cookie = 0x01020304;
  Bytes bytes = MessageBuilder(MessageClass::success_response, method::binding, fixed_id(), cookie)
                    .add_address(attr::mapped_address, v4)
                    .add_address(attr::changed_address, v6)
                    .add_xor_address(attr::xor_mapped_address, v4)
                    .finish();
  Message m = parsed(bytes);
  EXPECT_TRUE(m.is_classic());
  EXPECT_EQ(m.cookie, cookie);
  EXPECT_EQ(m.transaction_id, fixed_id());
  EXPECT_EQ(m.cls, MessageClass::success_response);
  EXPECT_EQ(m.address(attr::mapped_address), v4);
  EXPECT_EQ(m.address(attr::changed_address), v6);
  EXPECT_FALSE(m.xor_address(attr::xor_mapped_address));
  EXPECT_FALSE(looks_like_stun(bytes));  // no magic cookie
}

TEST(ClassicMessages, ChangeRequestRoundTrips) {
  for (bool ip : {false, true}) {
    for (bool port : {false, true}) {
      Bytes bytes = MessageBuilder(MessageClass::request, method::binding, fixed_id(), 0xdeadbeef)
                        .add_change_request({ip, port})
                        .finish();
      auto cr = parsed(bytes).change_request();
      ASSERT_TRUE(cr);
      EXPECT_EQ(cr->change_ip, ip);
      EXPECT_EQ(cr->change_port, port);
    }
  }
  Bytes both = request().add_change_request({true, true}).finish();
  EXPECT_EQ(parsed(both).u32(attr::change_request), 0x6u);
}

TEST(StringAttributes, RoundTripUpToTheirLimits) {
  std::string user(512, 'u'), text(763, 't');
  Bytes bytes = request()
                    .add_string(attr::username, user)
                    .add_string(attr::realm, text)
                    .add_string(attr::nonce, text)
                    .add_string(attr::software, text)
                    .add_string(attr::alternate_domain, "example.org")
                    .add_string(attr::password, "classic")
                    .finish();
  Message m = parsed(bytes);
  EXPECT_EQ(m.string(attr::username), user);
  EXPECT_EQ(m.string(attr::realm), text);
  EXPECT_EQ(m.string(attr::nonce), text);
  EXPECT_EQ(m.string(attr::software), text);
  EXPECT_EQ(m.string(attr::alternate_domain), "example.org");
  EXPECT_EQ(m.string(attr::password), "classic");
}

TEST(StringAttributes, EmptyStringsAreAllowed) {
  Message m = parsed(request().add_string(attr::software, "").finish());
  EXPECT_EQ(m.string(attr::software), "");
}

TEST(NumberAttributes, IceAndTurnNumbersRoundTrip) {
  Bytes bytes = request()
                    .add_u32(attr::priority, 0x6e0001ff)
                    .add_u64(attr::ice_controlling, 0x0123456789abcdef)
                    .add_u64(attr::ice_controlled, 0xfedcba9876543210)
                    .add_flag(attr::use_candidate)
                    .add_u32(attr::lifetime, 600)
                    .add_u32(attr::channel_number, 0x40000000)
                    .add_u32(attr::requested_transport, 17u << 24)
                    .add_u64(attr::reservation_token, 42)
                    .add_flag(attr::dont_fragment)
                    .add_u32(attr::cache_timeout, 30)
                    .add_u32(attr::requested_address_family, 0x02000000)
                    .add_u32(attr::additional_address_family, 0x02000000)
                    .finish();
  Message m = parsed(bytes);
  EXPECT_EQ(m.u32(attr::priority), 0x6e0001ffu);
  EXPECT_EQ(m.u64(attr::ice_controlling), 0x0123456789abcdefu);
  EXPECT_EQ(m.u64(attr::ice_controlled), 0xfedcba9876543210u);
  EXPECT_TRUE(m.has(attr::use_candidate));
  EXPECT_EQ(m.find(attr::use_candidate)->value.size(), 0u);
  EXPECT_EQ(m.u32(attr::lifetime), 600u);
  EXPECT_EQ(m.u32(attr::channel_number), 0x40000000u);
  EXPECT_EQ(m.u32(attr::requested_transport), 17u << 24);
  EXPECT_EQ(m.u64(attr::reservation_token), 42u);
  EXPECT_TRUE(m.has(attr::dont_fragment));
  EXPECT_EQ(m.u32(attr::cache_timeout), 30u);
  EXPECT_EQ(m.u32(attr::requested_address_family), 0x02000000u);
}

TEST(OpaqueAttributes, DataEvenPortIcmpAndUserhashRoundTrip) {
  Bytes data = from_hex("01 02 03 04 05");
  Bytes hash(32, 0xAB);
  Bytes icmp = from_hex("0000 0301 00000000");
  Bytes bytes = request()
                    .add_raw(attr::data, data)
                    .add_raw(attr::even_port, from_hex("80"))
                    .add_raw(attr::icmp, icmp)
                    .add_raw(attr::userhash, hash)
                    .finish();
  Message m = parsed(bytes);
  auto value = [&](std::uint16_t t) {
    ByteView v = m.find(t)->value;
    return Bytes(v.begin(), v.end());
  };
  EXPECT_EQ(value(attr::data), data);
  EXPECT_EQ(value(attr::even_port), from_hex("80"));
  EXPECT_EQ(value(attr::icmp), icmp);
  EXPECT_EQ(value(attr::userhash), hash);
}

TEST(ErrorAttributes, ErrorCodeRoundTrips) {
  Bytes bytes = MessageBuilder(MessageClass::error_response, method::binding, fixed_id())
                    .add_error_code(420, "Unknown Attribute")
                    .add_unknown_attributes({0x7f01, 0x0031, 0x0032})
                    .finish();
  Message m = parsed(bytes);
  auto e = m.error_code();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, 420);
  EXPECT_EQ(e->reason, "Unknown Attribute");
  EXPECT_EQ(m.unknown_attributes(), (std::vector<std::uint16_t>{0x7f01, 0x0031, 0x0032}));
  // Three types take 6 bytes, padded to 8.
  EXPECT_EQ(m.find(attr::unknown_attributes)->value.size(), 6u);
}

TEST(ErrorAttributes, AddressErrorCodeRoundTrips) {
  Bytes value = from_hex("02 00 04 40") ;  // IPv6, 440
  auto reason = test::to_bytes("Address Family not Supported");
  value.insert(value.end(), reason.begin(), reason.end());
  Message m = parsed(request().add_raw(attr::address_error_code, value).finish());
  ASSERT_TRUE(m.has(attr::address_error_code));
  EXPECT_EQ(m.find(attr::address_error_code)->value.size(), value.size());
}

TEST(PasswordAlgorithms, SingleAndListRoundTrip) {
  Bytes one = from_hex("0002 0000");
  Bytes list = from_hex("0002 0000 0001 0000 0003 0002 abcd 0000");
  Message m = parsed(request()
                         .add_raw(attr::password_algorithms, list)
                         .add_raw(attr::password_algorithm, one)
                         .finish());
  EXPECT_EQ(m.find(attr::password_algorithms)->value.size(), list.size());
  EXPECT_EQ(m.find(attr::password_algorithm)->value.size(), one.size());
}

TEST(Rfc5780, ResponsePortAndPaddingRoundTrip) {
  Bytes bytes = request().add_response_port(40000).add_padding(1200).finish();
  Message m = parsed(bytes);
  EXPECT_EQ(m.response_port(), 40000);
  ASSERT_TRUE(m.has(attr::padding));
  EXPECT_EQ(m.find(attr::padding)->value.size(), 1200u);
  EXPECT_EQ(bytes.size(), header_size + 8 + 4 + 1200);
}

TEST(Rfc5780, OddPaddingIsPaddedTo4Bytes) {
  Bytes bytes = request().add_padding(5).finish();
  EXPECT_EQ(bytes.size(), header_size + 4 + 8);
  EXPECT_EQ(parsed(bytes).find(attr::padding)->value.size(), 5u);
}

TEST(UnknownAttributes, ComprehensionRequiredOnesAreReportedOnce) {
  Bytes bytes = request()
                    .add_raw(0x7f01, from_hex("00"))
                    .add_raw(0xC001, from_hex("01 02"))  // optional: not reported
                    .add_raw(0x0031, {})
                    .add_raw(0x7f01, from_hex("00"))
                    .add_string(attr::software, "x")
                    .finish();
  Message m = parsed(bytes);
  EXPECT_EQ(m.unknown_comprehension_required(), (std::vector<std::uint16_t>{0x7f01, 0x0031}));
  EXPECT_EQ(m.attributes.size(), 5u);
}

TEST(UnknownAttributes, KeepWireOrderAndOffsets) {
  Bytes bytes = request().add_raw(0xC001, from_hex("01 02 03")).add_u32(attr::priority, 1).finish();
  Message m = parsed(bytes);
  ASSERT_EQ(m.attributes.size(), 2u);
  EXPECT_EQ(m.attributes[0].type, 0xC001);
  EXPECT_EQ(m.attributes[0].offset, 20u);
  EXPECT_EQ(m.attributes[1].type, attr::priority);
  EXPECT_EQ(m.attributes[1].offset, 28u);
  EXPECT_EQ(m.find(attr::priority), &m.attributes[1]);
}

TEST(Framing, LooksLikeStunAcceptsOnlyCookieMessagesOfTheRightLength) {
  Bytes b = request().add_u32(attr::priority, 1).finish();
  EXPECT_TRUE(looks_like_stun(b));
  Bytes rtp = b;
  rtp[0] = 0x80;
  EXPECT_FALSE(looks_like_stun(rtp));
  EXPECT_FALSE(looks_like_stun(ByteView(b).first(b.size() - 4)));
  EXPECT_FALSE(looks_like_stun(ByteView(b).first(19)));
}

TEST(Framing, StreamFrameSizeNeedsAWholeHeader) {
  Bytes b = request().add_string(attr::software, "framed").finish();
  EXPECT_FALSE(stream_frame_size(ByteView(b).first(19)));
  EXPECT_EQ(stream_frame_size(ByteView(b).first(20)), b.size());
  Bytes two = b;
  two.insert(two.end(), b.begin(), b.end());
  EXPECT_EQ(stream_frame_size(two), b.size());
}

}  // namespace
}  // namespace confab::stun
