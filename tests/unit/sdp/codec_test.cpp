// The RFC 8866 codec: every line type, the line order of §9, LF input,
// limits, canonical output, and every structural error with its line.
#include <gtest/gtest.h>

#include "sdp/session.hpp"
#include "sdp_test_util.hpp"

namespace confab::sdp {
namespace {

using test::crlf;
using test::expect_round_trip;
using test::must_fail;
using test::must_parse;

// RFC 8866 §5.
const std::string rfc8866_example = crlf(
    "v=0\n"
    "o=jdoe 3724394400 3724394405 IN IP4 198.51.100.1\n"
    "s=Call to John Smith\n"
    "i=SDP Offer #1\n"
    "u=http://www.jdoe.example.com/home.html\n"
    "e=Jane Doe <jane@jdoe.example.com>\n"
    "p=+1 617 555-6011\n"
    "c=IN IP4 198.51.100.1\n"
    "t=0 0\n"
    "m=audio 49170 RTP/AVP 0\n"
    "m=audio 49180 RTP/AVP 0\n"
    "m=video 51372 RTP/AVP 99\n"
    "c=IN IP6 2001:db8::2\n"
    "a=rtpmap:99 h263-1998/90000\n");

// RFC 4566 §5 (the multicast seminar), with RFC 8866 §5.10/§5.11's r= and z= lines.
const std::string seminar = crlf(
    "v=0\n"
    "o=jdoe 2890844526 2890842807 IN IP4 10.47.16.5\n"
    "s=SDP Seminar\n"
    "i=A Seminar on the session description protocol\n"
    "u=http://www.example.com/seminars/sdp.pdf\n"
    "e=j.doe@example.com (Jane Doe)\n"
    "c=IN IP4 224.2.17.12/127\n"
    "b=CT:128\n"
    "t=2873397496 2873404696\n"
    "r=604800 3600 0 90000\n"
    "r=7d 1h 0 25h\n"
    "z=2882844526 -1h 2898848070 0\n"
    "k=prompt\n"
    "a=recvonly\n"
    "m=audio 49170 RTP/AVP 0\n"
    "m=video 51372/2 RTP/AVP 99\n"
    "i=the video\n"
    "c=IN IP6 ff15::101/3\n"
    "b=AS:256\n"
    "b=TIAS:256000\n"
    "k=clear:secret\n"
    "a=rtpmap:99 h263-1998/90000\n");

TEST(SdpCodec, Rfc8866ExampleParsesIntoTypedFields) {
  SessionDescription sd = must_parse(rfc8866_example);
  EXPECT_EQ(sd.version, 0u);
  EXPECT_EQ(sd.origin.username, "jdoe");
  EXPECT_EQ(sd.origin.session_id, "3724394400");
  EXPECT_EQ(sd.origin.session_version, 3724394405u);
  EXPECT_EQ(sd.origin.address, "198.51.100.1");
  EXPECT_EQ(sd.name, "Call to John Smith");
  EXPECT_EQ(sd.information, "SDP Offer #1");
  EXPECT_EQ(sd.uri, "http://www.jdoe.example.com/home.html");
  EXPECT_EQ(sd.emails, std::vector<std::string>{"Jane Doe <jane@jdoe.example.com>"});
  EXPECT_EQ(sd.phones, std::vector<std::string>{"+1 617 555-6011"});
  ASSERT_TRUE(sd.connection);
  EXPECT_EQ(sd.connection->address, "198.51.100.1");
  ASSERT_EQ(sd.times.size(), 1u);
  EXPECT_EQ(sd.times[0].start, 0u);
  ASSERT_EQ(sd.media.size(), 3u);
  EXPECT_EQ(sd.media[1].port, 49180);
  EXPECT_EQ(sd.media[2].media, "video");
  EXPECT_EQ(sd.media[2].formats, std::vector<std::string>{"99"});
  EXPECT_EQ(sd.connection_for(sd.media[2])->address, "2001:db8::2");
  EXPECT_EQ(sd.connection_for(sd.media[0])->address, "198.51.100.1");
  EXPECT_EQ(sd.media[2].rtpmap(99)->encoding, "h263-1998");
  EXPECT_EQ(sd.media[0].rtpmap(0)->encoding, "PCMU");  // RFC 3551 static type
  EXPECT_EQ(sd.direction_of(sd.media[0]), Direction::sendrecv);
}

TEST(SdpCodec, Rfc8866ExampleRoundTripsByteForByte) { expect_round_trip(rfc8866_example); }

TEST(SdpCodec, MulticastRepeatZoneKeyAndBandwidthLinesParseAndRoundTrip) {
  SessionDescription sd = must_parse(seminar);
  EXPECT_EQ(sd.connection->ttl, 127);
  EXPECT_FALSE(sd.connection->address_count);
  EXPECT_EQ(sd.bandwidths, (std::vector<Bandwidth>{{"CT", 128}}));
  ASSERT_EQ(sd.times[0].repeats.size(), 2u);
  EXPECT_EQ(sd.times[0].repeats[0].interval.seconds(), 604800u);
  EXPECT_EQ(sd.times[0].repeats[1].interval.seconds(), 604800u);  // 7d
  EXPECT_EQ(sd.times[0].repeats[1].offsets[1].seconds(), 90000u);  // 25h
  ASSERT_EQ(sd.times[0].zones.size(), 2u);
  EXPECT_TRUE(sd.times[0].zones[0].negative);
  EXPECT_EQ(sd.times[0].zones[0].offset.seconds(), 3600u);
  EXPECT_EQ(sd.key, "prompt");
  EXPECT_EQ(sd.direction_of(sd.media[0]), Direction::recvonly);  // session-level default
  EXPECT_EQ(sd.media[1].port_count, 2);
  EXPECT_EQ(sd.media[1].title, "the video");
  EXPECT_EQ(sd.media[1].connections[0].address_count, 3u);
  EXPECT_EQ(sd.media[1].bandwidths[1].type, "TIAS");
  EXPECT_EQ(sd.media[1].key, "clear:secret");
  expect_round_trip(seminar);
}

TEST(SdpCodec, LfOnlyInputIsAcceptedAndWrittenWithCrlf) {
  std::string lf = rfc8866_example;
  std::erase(lf, '\r');
  SessionDescription sd = must_parse(lf);
  EXPECT_EQ(serialize(sd), rfc8866_example);
}

TEST(SdpCodec, AMissingFinalLineEndingIsTolerated) {
  const std::string text = rfc8866_example.substr(0, rfc8866_example.size() - 2);
  EXPECT_EQ(serialize(must_parse(text)), rfc8866_example);
}

TEST(SdpCodec, SerializeWritesCanonicalTextThatParsesBackEqual) {
  SessionDescription sd;
  sd.origin = Origin{"alice", "42", 7, "IN", "IP6", "2001:db8::1"};
  sd.name = "x";
  sd.connection = Connection{"IN", "IP6", "2001:db8::1", std::nullopt, std::nullopt};
  sd.add("ice-lite");
  MediaDescription m;
  m.media = "audio";
  m.port = 16384;
  m.formats = {"111"};
  m.add("rtpmap", "111 opus/48000/2");
  m.add("rtcp-mux");
  sd.media.push_back(m);
  const std::string text = serialize(sd);
  EXPECT_EQ(text, crlf("v=0\no=alice 42 7 IN IP6 2001:db8::1\ns=x\nc=IN IP6 2001:db8::1\nt=0 0\na=ice-lite\n"
                       "m=audio 16384 RTP/AVP 111\na=rtpmap:111 opus/48000/2\na=rtcp-mux\n"));
  EXPECT_EQ(must_parse(text), sd);
}

TEST(SdpCodec, UnknownAttributesAreKeptVerbatimInOrder) {
  SessionDescription sd = must_parse(crlf("v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\n"
                                          "a=x-custom:some value: with colons\nm=audio 4000 RTP/AVP 0\na=label:1\na=x-flag\n"));
  EXPECT_EQ(sd.find("x-custom")->value, "some value: with colons");
  EXPECT_EQ(sd.media[0].attributes[0], (Attribute{"label", "1"}));
  EXPECT_EQ(sd.media[0].attributes[1], (Attribute{"x-flag", std::nullopt}));
}

TEST(SdpCodec, RejectedMediaSectionNeedsNoConnectionLine) {
  SessionDescription sd = must_parse(crlf("v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nt=0 0\n"
                                          "m=audio 4000 RTP/AVP 0\nc=IN IP4 192.0.2.1\nm=video 0 RTP/AVP 31\n"));
  EXPECT_EQ(sd.media[1].port, 0);
  EXPECT_EQ(sd.connection_for(sd.media[1]), nullptr);
}

TEST(SdpCodec, FqdnAddressesAreAllowedWhereRfc8866AllowsThem) {
  SessionDescription sd = must_parse(crlf("v=0\no=alice 1 1 IN IP4 host.anywhere.com\ns=\nc=IN IP4 host.anywhere.com\nt=0 0\n"));
  EXPECT_EQ(sd.name, "");
  EXPECT_EQ(sd.connection->address, "host.anywhere.com");
}

// --- errors --------------------------------------------------------------------

const std::string head = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n";

struct ErrorCase {
  const char* name;
  std::string text;
  DecodeErrorCode code;
  std::size_t line;
};

class SdpCodecErrors : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(SdpCodecErrors, EachMalformedInputGivesItsTypedErrorAndLine) {
  const ErrorCase& c = GetParam();
  DecodeError e = must_fail(c.text);
  EXPECT_EQ(e.code, c.code) << e.message();
  EXPECT_EQ(e.line, c.line) << e.message();
  EXPECT_FALSE(e.message().empty());
  EXPECT_EQ(e.message().rfind("SDP decode error at byte ", 0), 0u) << e.message();
}

INSTANTIATE_TEST_SUITE_P(
    AllCodes, SdpCodecErrors,
    ::testing::Values(
        ErrorCase{"empty", "", DecodeErrorCode::empty, 0},
        ErrorCase{"first_line_not_v", "o=- 1 1 IN IP4 192.0.2.1\r\n", DecodeErrorCode::missing_line, 1},
        ErrorCase{"bad_version", "v=1\r\n", DecodeErrorCode::bad_version, 1},
        ErrorCase{"space_before_equals", "v =0\r\n", DecodeErrorCode::bad_line, 1},
        ErrorCase{"no_equals", "v0\r\n", DecodeErrorCode::bad_line, 1},
        ErrorCase{"upper_case_type", "v=0\r\nO=- 1 1 IN IP4 192.0.2.1\r\n", DecodeErrorCode::bad_line, 2},
        ErrorCase{"unknown_type", "v=0\r\nx=1\r\n", DecodeErrorCode::unknown_line_type, 2},
        ErrorCase{"empty_line", head + "\r\nm=audio 1 RTP/AVP 0\r\n", DecodeErrorCode::bad_line, 6},
        ErrorCase{"lone_cr", "v=0\ro=x\r\n", DecodeErrorCode::bad_line_ending, 1},
        ErrorCase{"nul", std::string("v=0\r\ns=\0\r\n", 10), DecodeErrorCode::bad_line_ending, 2},
        ErrorCase{"no_origin", "v=0\r\ns=-\r\n", DecodeErrorCode::missing_line, 2},
        ErrorCase{"no_session_name", "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\nt=0 0\r\n", DecodeErrorCode::missing_line, 3},
        ErrorCase{"no_time", "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\na=x\r\n", DecodeErrorCode::missing_line, 5},
        ErrorCase{"no_time_at_all", "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\n", DecodeErrorCode::missing_line, 0},
        ErrorCase{"no_connection", "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\nm=audio 1 RTP/AVP 0\r\n", DecodeErrorCode::missing_line, 5},
        ErrorCase{"connection_after_time", "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\nc=IN IP4 192.0.2.1\r\n", DecodeErrorCode::out_of_order, 5},
        ErrorCase{"info_after_uri", "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nu=http://a.example\r\ni=x\r\n", DecodeErrorCode::out_of_order, 5},
        ErrorCase{"two_origins", "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\no=- 1 1 IN IP4 192.0.2.1\r\n", DecodeErrorCode::duplicate_line, 3},
        ErrorCase{"two_session_connections", "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nc=IN IP4 192.0.2.1\r\n", DecodeErrorCode::duplicate_line, 5},
        ErrorCase{"repeat_without_time", head + "a=x\r\nr=1 1 1\r\n", DecodeErrorCode::out_of_order, 7},
        ErrorCase{"repeat_after_zone", head + "z=1 0\r\nr=1 1 1\r\n", DecodeErrorCode::out_of_order, 7},
        ErrorCase{"two_zones", head + "z=1 0\r\nz=1 0\r\n", DecodeErrorCode::duplicate_line, 7},
        ErrorCase{"origin_fields", "v=0\r\no=- 1 1 IN IP4\r\n", DecodeErrorCode::bad_origin, 2},
        ErrorCase{"origin_double_space", "v=0\r\no=- 1  1 IN IP4 192.0.2.1\r\n", DecodeErrorCode::bad_origin, 2},
        ErrorCase{"origin_id", "v=0\r\no=- x1 1 IN IP4 192.0.2.1\r\n", DecodeErrorCode::bad_origin, 2},
        ErrorCase{"origin_version_overflow", "v=0\r\no=- 1 99999999999999999999 IN IP4 192.0.2.1\r\n", DecodeErrorCode::value_out_of_range, 2},
        ErrorCase{"origin_address_family", "v=0\r\no=- 1 1 IN IP4 2001:db8::1\r\n", DecodeErrorCode::bad_origin, 2},
        ErrorCase{"empty_info", "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\ni=\r\n", DecodeErrorCode::bad_text, 4},
        ErrorCase{"connection_bad_ip", "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.300\r\n", DecodeErrorCode::bad_connection, 4},
        ErrorCase{"connection_unicast_ttl", "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1/127\r\n", DecodeErrorCode::bad_connection, 4},
        ErrorCase{"connection_ttl_range", "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 224.2.1.1/256\r\n", DecodeErrorCode::bad_connection, 4},
        ErrorCase{"connection_fields", "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4\r\n", DecodeErrorCode::bad_connection, 4},
        ErrorCase{"bandwidth_no_colon", "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nb=AS64\r\n", DecodeErrorCode::bad_bandwidth, 4},
        ErrorCase{"bandwidth_not_number", "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nb=AS:x\r\n", DecodeErrorCode::bad_bandwidth, 4},
        ErrorCase{"time_fields", "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0\r\n", DecodeErrorCode::bad_time, 4},
        ErrorCase{"time_overflow", "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 99999999999999999999\r\n", DecodeErrorCode::value_out_of_range, 4},
        ErrorCase{"repeat_zero_interval", head + "r=0 1 0\r\n", DecodeErrorCode::bad_time, 6},
        ErrorCase{"repeat_bad_unit", head + "r=7w 1 0\r\n", DecodeErrorCode::bad_time, 6},
        ErrorCase{"zone_odd", head + "z=1\r\n", DecodeErrorCode::bad_time, 6},
        ErrorCase{"media_fields", head + "m=audio 1 RTP/AVP\r\n", DecodeErrorCode::bad_media, 6},
        ErrorCase{"media_port", head + "m=audio 65536 RTP/AVP 0\r\n", DecodeErrorCode::bad_media, 6},
        ErrorCase{"media_port_count", head + "m=audio 1/0 RTP/AVP 0\r\n", DecodeErrorCode::bad_media, 6},
        ErrorCase{"media_rtp_pt", head + "m=audio 1 RTP/AVP 128\r\n", DecodeErrorCode::bad_media, 6},
        ErrorCase{"media_proto", head + "m=audio 1 RTP//AVP 0\r\n", DecodeErrorCode::bad_media, 6},
        ErrorCase{"media_trailing_space", head + "m=audio 1 RTP/AVP 0 \r\n", DecodeErrorCode::bad_media, 6},
        ErrorCase{"media_line_type", head + "m=audio 1 RTP/AVP 0\r\nt=0 0\r\n", DecodeErrorCode::out_of_order, 7},
        ErrorCase{"media_order", head + "m=audio 1 RTP/AVP 0\r\na=x\r\nc=IN IP4 192.0.2.1\r\n", DecodeErrorCode::out_of_order, 8},
        ErrorCase{"media_two_titles", head + "m=audio 1 RTP/AVP 0\r\ni=a\r\ni=b\r\n", DecodeErrorCode::duplicate_line, 8},
        ErrorCase{"attribute_name", head + "a=bad name\r\n", DecodeErrorCode::bad_attribute, 6},
        ErrorCase{"attribute_empty_value", head + "a=tool:\r\n", DecodeErrorCode::bad_attribute, 6},
        ErrorCase{"flag_with_value", head + "m=audio 1 RTP/AVP 0\r\na=rtcp-mux:yes\r\n", DecodeErrorCode::bad_attribute, 7},
        ErrorCase{"value_without_value", head + "m=audio 1 RTP/AVP 0\r\na=rtpmap\r\n", DecodeErrorCode::bad_attribute, 7},
        ErrorCase{"media_attr_at_session", head + "a=rtpmap:0 PCMU/8000\r\n", DecodeErrorCode::bad_attribute, 6},
        ErrorCase{"session_attr_in_media", head + "m=audio 1 RTP/AVP 0\r\na=group:BUNDLE\r\n", DecodeErrorCode::bad_attribute, 7},
        ErrorCase{"bad_rtpmap", head + "m=audio 1 RTP/AVP 0\r\na=rtpmap:0 PCMU\r\n", DecodeErrorCode::bad_attribute_value, 7},
        ErrorCase{"rtpmap_twice", head + "m=audio 1 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:0 PCMA/8000\r\n", DecodeErrorCode::duplicate_attribute, 8},
        ErrorCase{"two_directions", head + "m=audio 1 RTP/AVP 0\r\na=sendonly\r\na=recvonly\r\n", DecodeErrorCode::duplicate_attribute, 8},
        ErrorCase{"two_ufrags", head + "a=ice-ufrag:abcd\r\na=ice-ufrag:efgh\r\n", DecodeErrorCode::duplicate_attribute, 7},
        ErrorCase{"crypto_tag_twice", head + "m=audio 1 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVzcyAo\r\n"
                                      "a=crypto:1 AES_CM_128_HMAC_SHA1_32 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVzcyAo\r\n", DecodeErrorCode::duplicate_attribute, 8},
        ErrorCase{"mid_twice", head + "m=audio 1 RTP/AVP 0\r\na=mid:a\r\nm=video 2 RTP/AVP 31\r\na=mid:a\r\n", DecodeErrorCode::duplicate_attribute, 9},
        ErrorCase{"group_unknown_mid", head + "a=group:BUNDLE a b\r\nm=audio 1 RTP/AVP 0\r\na=mid:a\r\n", DecodeErrorCode::bad_attribute_value, 6}),
    [](const ::testing::TestParamInfo<ErrorCase>& info) { return std::string(info.param.name); });

TEST(SdpCodec, ErrorsNameTheByteOffsetLineAndAttribute) {
  const std::string text = head + "m=audio 1 RTP/AVP 96\r\na=rtpmap:96 opus/x\r\n";
  DecodeError e = must_fail(text);
  EXPECT_EQ(e.code, DecodeErrorCode::bad_attribute_value);
  EXPECT_EQ(e.line, 7u);
  EXPECT_EQ(e.type, 'a');
  EXPECT_EQ(e.attribute, "rtpmap");
  EXPECT_EQ(e.offset, text.find("x\r\n", text.find("opus")));
  EXPECT_EQ(e.message(), "SDP decode error at byte " + std::to_string(e.offset) +
                             " (line 7, a=rtpmap): bad attribute value: clock rate 'x' is not a positive 32-bit number");
}

TEST(SdpCodec, LimitsBoundSizeLinesAndMediaSections) {
  Limits small;
  small.max_size = 64;
  EXPECT_EQ(must_fail(head + std::string(64, 'a'), small).code, DecodeErrorCode::too_large);
  Limits few;
  few.max_lines = 5;
  EXPECT_EQ(must_fail(head + "a=x\r\n", few).code, DecodeErrorCode::too_many_lines);
  Limits one;
  one.max_media = 1;
  DecodeError e = must_fail(head + "m=audio 1 RTP/AVP 0\r\nm=audio 2 RTP/AVP 0\r\n", one);
  EXPECT_EQ(e.code, DecodeErrorCode::too_many_media);
  EXPECT_EQ(e.line, 7u);
}

TEST(SdpCodec, ParseAcceptsBytes) {
  auto sd = parse(as_bytes(head));
  ASSERT_TRUE(sd);
  EXPECT_EQ(sd->origin.session_version, 1u);
}

}  // namespace
}  // namespace confab::sdp
