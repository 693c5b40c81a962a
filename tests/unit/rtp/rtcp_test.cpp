// RTCP packets and compound packets: round trips, RFC 3550 A.2 validity
// checks, RFC 5506 reduced size, errors that name the packet and field.
#include <gtest/gtest.h>

#include "rtp/rtcp.hpp"
#include "rtp_test_util.hpp"

namespace confab::rtp {
namespace {

using test::from_hex;

std::vector<RtcpPacket> parsed(const Bytes& b, const RtcpParseOptions& o = {}) {
  auto r = parse_rtcp(b, o);
  EXPECT_TRUE(r) << r.error().message();
  return r ? *r : std::vector<RtcpPacket>{};
}

ReportBlock block(std::uint32_t ssrc) {
  ReportBlock b;
  b.ssrc = ssrc;
  b.fraction_lost = 25;
  b.cumulative_lost = -3;
  b.extended_highest_sequence = 0x0001FFFF;
  b.jitter = 480;
  b.last_sr = 0xB7052000;
  b.delay_since_last_sr = 0x00054000;
  return b;
}

TEST(RtcpCompound, SenderReportSdesAndByeRoundTrip) {
  SenderReport sr;
  sr.ssrc = 0x11223344;
  sr.ntp = NtpTime::from_parts(0xE5E5E5E5, 0x80000000);
  sr.rtp_timestamp = 123456;
  sr.packet_count = 50;
  sr.octet_count = 8000;
  sr.reports = {block(1), block(2)};
  Sdes sdes{{SdesChunk{0x11223344, {{sdes_item::cname, "alice@example.org"}, {sdes_item::tool, "confab"}}}}};
  Bye bye{{0x11223344}, std::string("hanging up")};
  const std::vector<RtcpPacket> in = {sr, sdes, bye};
  const Bytes wire = serialize_rtcp(in);
  EXPECT_EQ(wire.size() % 4, 0u);
  EXPECT_EQ(wire[0], 0x82);  // V=2, RC=2
  EXPECT_EQ(wire[1], 200);
  EXPECT_EQ(wire[3], 18);  // 4 + 24 + 2·24 = 76 bytes = 19 words, length field 18
  auto out = parsed(wire);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(std::get<SenderReport>(out[0]), sr);
  EXPECT_EQ(std::get<Sdes>(out[1]), sdes);
  ASSERT_NE(std::get<Sdes>(out[1]).chunks[0].cname(), nullptr);
  EXPECT_EQ(*std::get<Sdes>(out[1]).chunks[0].cname(), "alice@example.org");
  EXPECT_EQ(std::get<Bye>(out[2]), bye);
}

TEST(RtcpCompound, ReceiverReportRoundTripsAndSignExtendsLoss) {
  ReceiverReport rr{0xAABBCCDD, {block(9)}, {}};
  const Bytes wire = serialize_rtcp(std::vector<RtcpPacket>{rr});
  EXPECT_EQ(wire.size(), 32u);
  // fraction 25 (0x19), cumulative −3 as 24-bit two's complement (0xFFFFFD).
  EXPECT_EQ(Bytes(wire.begin() + 12, wire.begin() + 16), from_hex("19 ff ff fd"));
  auto out = parsed(wire);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(std::get<ReceiverReport>(out[0]), rr);
  EXPECT_EQ(std::get<ReceiverReport>(out[0]).reports[0].cumulative_lost, -3);
}

TEST(RtcpCompound, ParsesHandWrittenSenderReport) {
  const Bytes wire = from_hex(
      "80 c8 00 06  00 00 04 d2  e5 e5 e5 e5  80 00 00 00  00 01 e2 40  00 00 00 32  00 00 1f 40");
  auto out = parsed(wire);
  ASSERT_EQ(out.size(), 1u);
  const auto& sr = std::get<SenderReport>(out[0]);
  EXPECT_EQ(sr.ssrc, 1234u);
  EXPECT_EQ(sr.ntp.seconds(), 0xE5E5E5E5u);
  EXPECT_EQ(sr.ntp.fraction(), 0x80000000u);
  EXPECT_EQ(sr.rtp_timestamp, 123456u);
  EXPECT_EQ(sr.packet_count, 50u);
  EXPECT_EQ(sr.octet_count, 8000u);
  EXPECT_TRUE(sr.reports.empty());
}

TEST(RtcpCompound, ByeWithoutReasonAndEmptyReceiverReport) {
  const std::vector<RtcpPacket> in = {ReceiverReport{5, {}, {}}, Bye{{5, 6}, std::nullopt}};
  const Bytes wire = serialize_rtcp(in);
  EXPECT_EQ(wire.size(), 8u + 12u);
  auto out = parsed(wire);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(std::get<Bye>(out[1]), (Bye{{5, 6}, std::nullopt}));
}

TEST(RtcpCompound, SdesKeepsUnknownItemsAndMultipleChunks) {
  Sdes sdes{{SdesChunk{1, {{sdes_item::cname, "a"}}},
             SdesChunk{2, {{sdes_item::priv, std::string("\x03xyzdata", 8)}, {sdes_item::cname, "bob"}}},
             SdesChunk{3, {}}}};
  const std::vector<RtcpPacket> in = {ReceiverReport{1, {}, {}}, sdes};
  auto out = parsed(serialize_rtcp(in));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(std::get<Sdes>(out[1]), sdes);
  EXPECT_EQ(*std::get<Sdes>(out[1]).chunks[1].cname(), "bob");
  EXPECT_EQ(std::get<Sdes>(out[1]).chunks[2].cname(), nullptr);
}

TEST(RtcpCompound, AppAndUnknownPacketsArePreserved) {
  UnknownRtcp app{rtcp_type::app, 3, from_hex("00 00 00 07 6e 61 6d 65 01 02 03 04")};
  UnknownRtcp remb{rtcp_type::psfb, 15, from_hex("00 00 00 01 00 00 00 00 52 45 4d 42 01 0a bc de 00 00 00 02")};
  const std::vector<RtcpPacket> in = {ReceiverReport{1, {}, {}}, app, remb};
  auto out = parsed(serialize_rtcp(in));
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(std::get<UnknownRtcp>(out[1]), app);
  EXPECT_EQ(std::get<UnknownRtcp>(out[2]), remb);
}

TEST(RtcpCompound, PaddingOnTheLastPacketIsStripped) {
  // RR (8 bytes) then an RR with P set: 8 bytes of body + 4 of padding.
  const Bytes wire = from_hex("80 c9 00 01 00 00 00 01  a0 c9 00 02 00 00 00 02 00 00 00 04");
  auto out = parsed(wire);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(std::get<ReceiverReport>(out[1]).ssrc, 2u);
  EXPECT_TRUE(std::get<ReceiverReport>(out[1]).profile_extension.empty());
}

TEST(RtcpCompound, AnUnalignedKeptBodyIsWrittenWithPadding) {
  UnknownRtcp u{204, 0, from_hex("01 02 03 04 05")};
  const std::vector<RtcpPacket> in = {ReceiverReport{1, {}, {}}, u};
  const Bytes wire = serialize_rtcp(in);
  EXPECT_EQ(wire.size(), 8u + 12u);
  EXPECT_EQ(wire[8] & 0x20, 0x20);
  EXPECT_EQ(wire.back(), 3);
  auto out = parsed(wire);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(std::get<UnknownRtcp>(out[1]), u);
}

TEST(RtcpValidity, FirstPacketMustBeSrOrRr) {
  const Bytes wire = serialize_rtcp(std::vector<RtcpPacket>{Sdes{{SdesChunk{1, {{1, "x"}}}}}});
  auto r = parse_rtcp(wire);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, DecodeErrorCode::not_first_sr_rr);
  EXPECT_EQ(r.error().packet_index, 0u);
  EXPECT_EQ(r.error().offset, 1u);
  EXPECT_NE(r.error().message().find("RTCP decode error at byte 1 (packet 0, packet type)"), std::string::npos)
      << r.error().message();
}

TEST(RtcpValidity, PaddingOnlyOnTheLastPacket) {
  const Bytes wire = from_hex("a0 c9 00 02 00 00 00 01 00 00 00 04  80 c9 00 01 00 00 00 02");
  auto r = parse_rtcp(wire);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, DecodeErrorCode::padding_not_last);
  EXPECT_EQ(r.error().packet_index, 0u);
}

TEST(RtcpValidity, LengthsMustAddUpToTheDatagram) {
  const Bytes too_long = from_hex("80 c9 00 01 00 00 00 01  80 ca 00 05 00 00 00 01");
  auto r = parse_rtcp(too_long);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, DecodeErrorCode::bad_length);
  EXPECT_EQ(r.error().packet_index, 1u);
  EXPECT_EQ(r.error().offset, 10u);

  const Bytes trailing = from_hex("80 c9 00 01 00 00 00 01  80 ca");
  auto t = parse_rtcp(trailing);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().code, DecodeErrorCode::truncated);
  EXPECT_EQ(t.error().packet_index, 1u);
}

TEST(RtcpValidity, EveryPacketMustBeVersionTwo) {
  const Bytes wire = from_hex("80 c9 00 01 00 00 00 01  40 cb 00 00");
  auto r = parse_rtcp(wire);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, DecodeErrorCode::bad_version);
  EXPECT_EQ(r.error().packet_index, 1u);
  EXPECT_EQ(r.error().offset, 8u);
}

TEST(RtcpValidity, ReportBlocksMustFit) {
  const Bytes wire = from_hex("81 c9 00 02 00 00 00 01 00 00 00 02");  // RC=1 but 4 bytes of block
  auto r = parse_rtcp(wire);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, DecodeErrorCode::truncated);
  EXPECT_EQ(r.error().field, "RR report blocks");
  EXPECT_EQ(r.error().offset, 8u);
}

TEST(RtcpValidity, SdesChunkWithoutTerminatorIsTruncated) {
  const Bytes wire = from_hex("80 c9 00 01 00 00 00 01  81 ca 00 02 00 00 00 01 01 02 61 62");
  auto r = parse_rtcp(wire);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, DecodeErrorCode::truncated);
  EXPECT_EQ(r.error().packet_index, 1u);
  EXPECT_EQ(r.error().field, "SDES chunk 0");
}

TEST(RtcpValidity, BadPadCountIsRejected) {
  const Bytes wire = from_hex("a0 c9 00 01 00 00 00 09");
  auto r = parse_rtcp(wire);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, DecodeErrorCode::bad_padding);
  EXPECT_EQ(r.error().offset, 7u);
}

TEST(RtcpReducedSize, LoneFeedbackIsAcceptedUnlessDisabled) {
  const Bytes pli = serialize_rtcp(std::vector<RtcpPacket>{PictureLossIndication{1, 2}});
  EXPECT_EQ(pli, from_hex("81 ce 00 02 00 00 00 01 00 00 00 02"));
  auto out = parsed(pli);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(std::get<PictureLossIndication>(out[0]), (PictureLossIndication{1, 2}));
  auto strict = parse_rtcp(pli, RtcpParseOptions{false});
  ASSERT_FALSE(strict);
  EXPECT_EQ(strict.error().code, DecodeErrorCode::not_first_sr_rr);
}

TEST(RtcpFeedback, GenericNackEncodesPidAndBlp) {
  const std::uint16_t lost[] = {100, 101, 105, 116};
  GenericNack nack{1, 2, make_nack_items(lost)};
  ASSERT_EQ(nack.items.size(), 1u);
  EXPECT_EQ(nack.items[0].pid, 100);
  EXPECT_EQ(nack.items[0].blp, 0x8011);
  const Bytes wire = serialize_rtcp(std::vector<RtcpPacket>{nack});
  EXPECT_EQ(wire, from_hex("81 cd 00 03 00 00 00 01 00 00 00 02 00 64 80 11"));
  auto out = parsed(wire);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(std::get<GenericNack>(out[0]), nack);
  EXPECT_EQ(lost_sequence_numbers(std::get<GenericNack>(out[0]).items), (std::vector<std::uint16_t>{100, 101, 105, 116}));
}

TEST(RtcpFeedback, NackItemsSplitBeyondSixteenAndWrap) {
  const std::uint16_t lost[] = {65534, 65535, 0, 14, 15, 16, 40};
  auto items = make_nack_items(lost);
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0], (NackItem{65534, 0x8003}));  // 65535 (bit 0), 0 (bit 1), 14 (bit 15)
  EXPECT_EQ(items[1], (NackItem{15, 0x0001}));     // 16
  EXPECT_EQ(items[2], (NackItem{40, 0}));
  EXPECT_EQ(lost_sequence_numbers(items), (std::vector<std::uint16_t>{65534, 65535, 0, 14, 15, 16, 40}));
}

TEST(RtcpFeedback, NackItemsMergeDuplicatesAndOutOfOrderInput) {
  const std::uint16_t lost[] = {10, 12, 10, 11};
  auto items = make_nack_items(lost);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0], (NackItem{10, 0x0003}));
}

TEST(RtcpFeedback, NackWithAPartialItemIsRejected) {
  // P set, pad count 2: the FCI is 2 bytes, half an item.
  const Bytes wire = from_hex("a1 cd 00 03 00 00 00 01 00 00 00 02 00 64 00 02");
  auto r = parse_rtcp(wire);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, DecodeErrorCode::bad_length);
  EXPECT_EQ(r.error().field, "generic NACK FCI");
}

TEST(RtcpFeedback, FullIntraRequestRoundTrips) {
  FullIntraRequest fir{1, 0, {{0xCAFE, 7}, {0xBEEF, 255}}};
  const Bytes wire = serialize_rtcp(std::vector<RtcpPacket>{ReceiverReport{1, {}, {}}, fir});
  EXPECT_EQ(wire[8], 0x84);
  auto out = parsed(wire);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(std::get<FullIntraRequest>(out[1]), fir);
}

TEST(RtcpFeedback, PliWithFciIsRejected) {
  const Bytes wire = from_hex("81 ce 00 03 00 00 00 01 00 00 00 02 00 00 00 00");
  auto r = parse_rtcp(wire);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "PLI");
}

}  // namespace
}  // namespace confab::rtp
