// RTP header parse/serialize (RFC 3550 §5.1), RFC 8285 extension elements,
// and RTP/RTCP/STUN demultiplexing.
#include <gtest/gtest.h>

#include "rtp/packet.hpp"
#include "rtp/sequence.hpp"
#include "rtp_test_util.hpp"

namespace confab::rtp {
namespace {

using test::from_hex;

TEST(RtpPacket, ParsesAMinimalHeaderAndPayload) {
  Bytes b = from_hex("80 6f 12 34 de ca fb ad ca fe ba be  01 02 03");
  auto p = parse_rtp(b);
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_FALSE(p->header.marker);
  EXPECT_EQ(p->header.payload_type, 111);
  EXPECT_EQ(p->header.sequence_number, 0x1234);
  EXPECT_EQ(p->header.timestamp, 0xdecafbadu);
  EXPECT_EQ(p->header.ssrc, 0xcafebabeu);
  EXPECT_TRUE(p->header.csrcs.empty());
  EXPECT_FALSE(p->header.extension);
  EXPECT_EQ(p->header_size, 12u);
  ASSERT_EQ(p->payload.size(), 3u);
  EXPECT_EQ(p->payload[2], 3);
}

TEST(RtpPacket, MarkerCsrcsExtensionAndPaddingRoundTrip) {
  RtpHeader h;
  h.marker = true;
  h.payload_type = 96;
  h.sequence_number = 65535;
  h.timestamp = 0xFFFFFFFF;
  h.ssrc = 7;
  h.csrcs = {1, 2, 3};
  h.extension = HeaderExtension{0xBEDE, from_hex("10 aa 00 00")};
  const Bytes payload = from_hex("de ad be ef 42");
  Bytes wire = serialize(h, payload, 3);
  EXPECT_EQ(wire[0], 0x80 | 0x20 | 0x10 | 3);
  EXPECT_EQ(wire[1], 0x80 | 96);
  EXPECT_EQ(wire.back(), 3);
  auto p = parse_rtp(wire);
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_EQ(p->header, h);
  EXPECT_EQ(p->padding, 3);
  EXPECT_EQ(p->header_size, 12u + 12u + 8u);
  EXPECT_EQ(Bytes(p->payload.begin(), p->payload.end()), payload);
  EXPECT_EQ(serialize(*p), wire);
}

TEST(RtpPacket, RejectsShortInput) {
  auto p = parse_rtp(from_hex("80 6f 12 34 de ca fb ad ca fe ba"));
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, DecodeErrorCode::too_short);
  EXPECT_NE(p.error().message().find("RTP decode error at byte 0"), std::string::npos);
}

TEST(RtpPacket, RejectsVersionOtherThanTwo) {
  auto p = parse_rtp(from_hex("40 6f 12 34 de ca fb ad ca fe ba be"));
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, DecodeErrorCode::bad_version);
}

TEST(RtpPacket, RejectsACsrcListRunningPastTheEnd) {
  auto p = parse_rtp(from_hex("82 6f 12 34 de ca fb ad ca fe ba be 00 00 00 01"));
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, DecodeErrorCode::truncated);
  EXPECT_EQ(p.error().offset, 12u);
  EXPECT_EQ(p.error().field, "CSRC list");
}

TEST(RtpPacket, RejectsAnExtensionLongerThanThePacket) {
  auto p = parse_rtp(from_hex("90 6f 12 34 de ca fb ad ca fe ba be be de 00 02 10 aa 00 00"));
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, DecodeErrorCode::truncated);
  EXPECT_EQ(p.error().offset, 14u);
}

TEST(RtpPacket, RejectsAZeroPadCount) {
  auto p = parse_rtp(from_hex("a0 6f 12 34 de ca fb ad ca fe ba be 01 00"));
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, DecodeErrorCode::bad_padding);
}

TEST(RtpPacket, RejectsAPadCountLargerThanTheBody) {
  auto p = parse_rtp(from_hex("a0 6f 12 34 de ca fb ad ca fe ba be 01 02 05"));
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, DecodeErrorCode::bad_padding);
  EXPECT_EQ(p.error().offset, 14u);
}

TEST(RtpPacket, AcceptsPaddingThatIsTheWholeBody) {
  auto p = parse_rtp(from_hex("a0 6f 12 34 de ca fb ad ca fe ba be 00 00 03"));
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_TRUE(p->payload.empty());
  EXPECT_EQ(p->padding, 3);
}

TEST(Demux, TellsRtpRtcpAndStunApart) {
  const Bytes rtp = from_hex("80 6f 00 01");
  const Bytes rtp_marker_pt_111 = from_hex("80 ef 00 01");
  const Bytes sr = from_hex("80 c8 00 06");
  const Bytes psfb = from_hex("81 ce 00 02");
  const Bytes stun = from_hex("00 01 00 00");
  const Bytes dtls = from_hex("16 fe fd 00");
  EXPECT_TRUE(looks_like_rtp_or_rtcp(rtp));
  EXPECT_FALSE(is_rtcp(rtp));
  EXPECT_FALSE(is_rtcp(rtp_marker_pt_111));  // 0xEF = 239, above 223
  EXPECT_TRUE(is_rtcp(sr));
  EXPECT_TRUE(is_rtcp(psfb));
  EXPECT_FALSE(looks_like_rtp_or_rtcp(stun));
  EXPECT_FALSE(looks_like_rtp_or_rtcp(dtls));
  EXPECT_FALSE(is_rtcp(stun));
  EXPECT_FALSE(looks_like_rtp_or_rtcp(Bytes{0x80}));
}

TEST(ExtensionElements, OneByteFormParsesWithPadding) {
  HeaderExtension ext{0xBEDE, from_hex("10 aa 00 21 bb cc 00 00")};
  auto e = parse_extension_elements(ext);
  ASSERT_TRUE(e) << e.error().message();
  ASSERT_EQ(e->size(), 2u);
  EXPECT_EQ((*e)[0].id, 1);
  EXPECT_EQ((*e)[0].data.size(), 1u);
  EXPECT_EQ((*e)[1].id, 2);
  EXPECT_EQ((*e)[1].data.size(), 2u);
  EXPECT_EQ((*e)[1].data[1], 0xcc);
}

TEST(ExtensionElements, TwoByteFormAllowsEmptyElements) {
  HeaderExtension ext{0x1000, from_hex("05 00 10 02 aa bb 00 00")};
  auto e = parse_extension_elements(ext);
  ASSERT_TRUE(e) << e.error().message();
  ASSERT_EQ(e->size(), 2u);
  EXPECT_EQ((*e)[0].id, 5);
  EXPECT_TRUE((*e)[0].data.empty());
  EXPECT_EQ((*e)[1].id, 16);
  EXPECT_EQ((*e)[1].data.size(), 2u);
}

TEST(ExtensionElements, RejectsAnElementRunningPastTheEnd) {
  auto e = parse_extension_elements(HeaderExtension{0xBEDE, from_hex("13 aa bb 00")});
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, DecodeErrorCode::bad_extension);
}

TEST(ExtensionElements, BuiltExtensionsParseBack) {
  const Bytes level = from_hex("80");
  const Bytes big(20, 0x55);
  const Bytes pair = from_hex("01 02");
  ExtensionElement one[] = {{1, level}, {3, pair}};
  HeaderExtension a = make_extension(one);
  EXPECT_EQ(a.profile, one_byte_extension_profile);
  EXPECT_EQ(a.data.size() % 4, 0u);
  auto pa = parse_extension_elements(a);
  ASSERT_TRUE(pa);
  ASSERT_EQ(pa->size(), 2u);
  EXPECT_EQ((*pa)[1].id, 3);

  ExtensionElement two[] = {{1, level}, {20, big}};
  HeaderExtension b = make_extension(two);
  EXPECT_EQ(b.profile, two_byte_extension_profile);
  auto pb = parse_extension_elements(b);
  ASSERT_TRUE(pb);
  ASSERT_EQ(pb->size(), 2u);
  EXPECT_EQ((*pb)[1].id, 20);
  EXPECT_EQ((*pb)[1].data.size(), 20u);
}

TEST(Sequence, DeltaAndNewerWrapAround) {
  EXPECT_EQ(seq_delta(2, 65534), 4);
  EXPECT_EQ(seq_delta(65534, 2), -4);
  EXPECT_TRUE(seq_newer(0, 65535));
  EXPECT_FALSE(seq_newer(65535, 0));
}

TEST(Sequence, UnwrapperCountsCyclesBothWays) {
  SeqUnwrapper u;
  const std::int64_t first = u.unwrap(65534);
  EXPECT_EQ(u.unwrap(65535), first + 1);
  EXPECT_EQ(u.unwrap(0), first + 2);
  EXPECT_EQ(u.unwrap(65533), first - 1);  // reordered across the wrap
  EXPECT_EQ(u.unwrap(5), first + 7);
  TimestampUnwrapper t;
  const std::int64_t t0 = t.unwrap(0xFFFFFC40u);
  EXPECT_EQ(t.unwrap(0), t0 + 960);
}

}  // namespace
}  // namespace confab::rtp
