// Published and real-world session descriptions: RFC 3264 §10 (byte for
// byte), RFC 4568 §3, RFC 8839, RFC 3605, sipp's default offer, and offers
// shaped like Chrome's, Firefox's and baresip's.
#include <gtest/gtest.h>

#include "sdp/session.hpp"
#include "sdp_test_util.hpp"

namespace confab::sdp {
namespace {

using test::crlf;
using test::expect_round_trip;
using test::must_parse;

// RFC 3264 §10.1, the four descriptions of the basic exchange.
const std::string rfc3264_10_1_offer = crlf(
    "v=0\n"
    "o=alice 2890844526 2890844526 IN IP4 host.anywhere.com\n"
    "s=\n"
    "c=IN IP4 host.anywhere.com\n"
    "t=0 0\n"
    "m=audio 49170 RTP/AVP 0\n"
    "a=rtpmap:0 PCMU/8000\n"
    "m=video 51372 RTP/AVP 31\n"
    "a=rtpmap:31 H261/90000\n"
    "m=video 53000 RTP/AVP 32\n"
    "a=rtpmap:32 MPV/90000\n");
const std::string rfc3264_10_1_answer = crlf(
    "v=0\n"
    "o=bob 2890844730 2890844730 IN IP4 host.example.com\n"
    "s=\n"
    "c=IN IP4 host.example.com\n"
    "t=0 0\n"
    "m=audio 49920 RTP/AVP 0\n"
    "a=rtpmap:0 PCMU/8000\n"
    "m=video 0 RTP/AVP 31\n"
    "m=video 53000 RTP/AVP 32\n"
    "a=rtpmap:32 MPV/90000\n");
const std::string rfc3264_10_1_reoffer = crlf(
    "v=0\n"
    "o=bob 2890844730 2890844731 IN IP4 host.example.com\n"
    "s=\n"
    "c=IN IP4 host.example.com\n"
    "t=0 0\n"
    "m=audio 65422 RTP/AVP 0\n"
    "a=rtpmap:0 PCMU/8000\n"
    "m=video 0 RTP/AVP 31\n"
    "m=video 53000 RTP/AVP 32\n"
    "a=rtpmap:32 MPV/90000\n"
    "m=audio 51434 RTP/AVP 110\n"
    "a=rtpmap:110 telephone-events/8000\n"
    "a=recvonly\n");
const std::string rfc3264_10_1_reanswer = crlf(
    "v=0\n"
    "o=alice 2890844526 2890844527 IN IP4 host.anywhere.com\n"
    "s=\n"
    "c=IN IP4 host.anywhere.com\n"
    "t=0 0\n"
    "m=audio 49170 RTP/AVP 0\n"
    "a=rtpmap:0 PCMU/8000\n"
    "m=video 0 RTP/AVP 31\n"
    "a=rtpmap:31 H261/90000\n"
    "m=video 53000 RTP/AVP 32\n"
    "a=rtpmap:32 MPV/90000\n"
    "m=audio 53122 RTP/AVP 110\n"
    "a=rtpmap:110 telephone-events/8000\n"
    "a=sendonly\n");

// RFC 3264 §10.2, one-of-N codec selection.
const std::string rfc3264_10_2[] = {
    crlf("v=0\no=alice 2890844526 2890844526 IN IP4 host.anywhere.com\ns=\nc=IN IP4 host.anywhere.com\nt=0 0\n"
         "m=audio 62986 RTP/AVP 0 4 18\na=rtpmap:0 PCMU/8000\na=rtpmap:4 G723/8000\na=rtpmap:18 G729/8000\na=inactive\n"),
    crlf("v=0\no=bob 2890844730 2890844731 IN IP4 host.example.com\ns=\nc=IN IP4 host.example.com\nt=0 0\n"
         "m=audio 54344 RTP/AVP 0 4\na=rtpmap:0 PCMU/8000\na=rtpmap:4 G723/8000\na=inactive\n"),
    crlf("v=0\no=alice 2890844526 2890844527 IN IP4 host.anywhere.com\ns=\nc=IN IP4 host.anywhere.com\nt=0 0\n"
         "m=audio 62986 RTP/AVP 4\na=rtpmap:4 G723/8000\na=sendrecv\n"),
    crlf("v=0\no=bob 2890844730 2890844732 IN IP4 host.example.com\ns=\nc=IN IP4 host.example.com\nt=0 0\n"
         "m=audio 54344 RTP/AVP 4\na=rtpmap:4 G723/8000\na=sendrecv\n"),
};

TEST(SdpExamples, Rfc3264BasicExchangeParsesAndRoundTripsByteForByte) {
  for (const std::string* text : {&rfc3264_10_1_offer, &rfc3264_10_1_answer, &rfc3264_10_1_reoffer, &rfc3264_10_1_reanswer})
    expect_round_trip(*text);
  SessionDescription answer = must_parse(rfc3264_10_1_answer);
  EXPECT_EQ(answer.name, "");
  EXPECT_EQ(answer.media[1].port, 0);  // Bob rejects the first video stream
  SessionDescription reoffer = must_parse(rfc3264_10_1_reoffer);
  EXPECT_EQ(reoffer.origin.session_version, must_parse(rfc3264_10_1_answer).origin.session_version + 1);
  EXPECT_EQ(reoffer.direction_of(reoffer.media[3]), Direction::recvonly);
  SessionDescription reanswer = must_parse(rfc3264_10_1_reanswer);
  EXPECT_EQ(reanswer.direction_of(reanswer.media[3]), reverse(Direction::recvonly));
}

TEST(SdpExamples, Rfc3264OneOfNCodecSelectionRoundTrips) {
  for (const auto& text : rfc3264_10_2) expect_round_trip(text);
  SessionDescription offer = must_parse(rfc3264_10_2[0]);
  EXPECT_EQ(offer.media[0].payload_types(), (std::vector<std::uint8_t>{0, 4, 18}));
  EXPECT_EQ(offer.direction_of(offer.media[0]), Direction::inactive);
}

// RFC 4568 §3: an SRTP offer with two crypto lines.
const std::string rfc4568_offer = crlf(
    "v=0\n"
    "o=sam 2890844526 2890842807 IN IP4 10.47.16.5\n"
    "s=SRTP Discussion\n"
    "i=A discussion of Secure RTP\n"
    "u=http://www.example.com/seminars/srtp.pdf\n"
    "e=marge@example.com (Marge Simpson)\n"
    "c=IN IP4 168.2.17.12\n"
    "t=2873397496 2873404696\n"
    "m=audio 49170 RTP/SAVP 0\n"
    "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVzcyAo|2^20|1:4 FEC_ORDER=FEC_SRTP\n"
    "a=crypto:2 F8_128_HMAC_SHA1_80 inline:MTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5QUJjZGVm|2^20|1:4;inline:QUJjZGVmMTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5|2^20|2:4 FEC_ORDER=FEC_SRTP\n");

TEST(SdpExamples, Rfc4568OfferCarriesTwoCryptoLines) {
  SessionDescription sd = must_parse(rfc4568_offer);
  const MediaDescription& m = sd.media[0];
  EXPECT_TRUE(m.is_secure());
  auto cryptos = m.cryptos();
  ASSERT_EQ(cryptos.size(), 2u);
  EXPECT_EQ(cryptos[0].keys[0].mki_length, 4);
  EXPECT_EQ(cryptos[1].suite, "F8_128_HMAC_SHA1_80");
  EXPECT_EQ(cryptos[1].keys.size(), 2u);
  EXPECT_FALSE(key_problem(cryptos[1]));
  expect_round_trip(rfc4568_offer);
}

// RFC 8839 §5 (ICE in SDP), with RFC 8866's empty session name as printed.
const std::string rfc8839_offer = crlf(
    "v=0\n"
    "o=jdoe 2890844526 2890842807 IN IP4 203.0.113.141\n"
    "s=\n"
    "c=IN IP4 192.0.2.3\n"
    "t=0 0\n"
    "a=ice-options:ice2\n"
    "a=ice-pacing:50\n"
    "a=ice-pwd:asd88fgpdd777uzjYhagZg\n"
    "a=ice-ufrag:8hhY\n"
    "m=audio 45664 RTP/AVP 0\n"
    "b=RS:0\n"
    "b=RR:0\n"
    "a=rtpmap:0 PCMU/8000\n"
    "a=candidate:1 1 UDP 2130706431 203.0.113.141 8998 typ host\n"
    "a=candidate:2 1 UDP 1694498815 192.0.2.3 45664 typ srflx raddr 203.0.113.141 rport 8998\n");

TEST(SdpExamples, Rfc8839OfferGivesCredentialsAndCandidates) {
  SessionDescription sd = must_parse(rfc8839_offer);
  EXPECT_EQ(sd.ice_ufrag_for(sd.media[0]), "8hhY");
  EXPECT_EQ(sd.ice_pwd_for(sd.media[0]), "asd88fgpdd777uzjYhagZg");
  EXPECT_EQ(sd.ice_options(), std::vector<std::string>{"ice2"});
  auto c = sd.media[0].candidates();
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[1].related_port, 8998);
  EXPECT_EQ(sd.media[0].bandwidths[0], (Bandwidth{"RS", 0}));
  expect_round_trip(rfc8839_offer);
}

TEST(SdpExamples, Rfc3605RtcpAttributeExamples) {
  const std::string base = "v=0\r\no=- 1 1 IN IP4 126.16.64.4\r\ns=-\r\nc=IN IP4 126.16.64.4\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0\r\n";
  for (const char* line : {"a=rtcp:53020\r\n", "a=rtcp:53020 IN IP4 126.16.64.4\r\n",
                           "a=rtcp:53020 IN IP6 2001:2345:6789:ABCD:EF01:2345:6789:ABCD\r\n"}) {
    SessionDescription sd = must_parse(base + line);
    ASSERT_TRUE(sd.media[0].rtcp());
    EXPECT_EQ(sd.media[0].rtcp()->port, 53020);
    expect_round_trip(base + line);
  }
  EXPECT_FALSE(parse(base + "a=rtcp:53020 IN IP4\r\n"));
  EXPECT_FALSE(parse("v=0\r\no=- 1 1 IN IP4 126.16.64.4\r\ns=-\r\nc=IN IP4 126.16.64.4\r\nt=0 0\r\na=rtcp:53020\r\n"));  // media level only
}

// sipp's built-in uac scenario body.
const std::string sipp_offer = crlf(
    "v=0\n"
    "o=user1 53655765 2353687637 IN IP4 127.0.0.1\n"
    "s=-\n"
    "c=IN IP4 127.0.0.1\n"
    "t=0 0\n"
    "m=audio 6000 RTP/AVP 0\n"
    "a=rtpmap:0 PCMU/8000\n");

TEST(SdpExamples, SippDefaultOfferParses) {
  SessionDescription sd = must_parse(sipp_offer);
  EXPECT_EQ(sd.origin.username, "user1");
  EXPECT_EQ(sd.media[0].port, 6000);
  EXPECT_EQ(sd.media[0].rtpmap(0)->encoding, "PCMU");
  expect_round_trip(sipp_offer);
}

// A Chrome-shaped unified-plan offer (DTLS-SRTP, BUNDLE, trickle ICE).
const std::string chrome_offer = crlf(
    "v=0\n"
    "o=- 4611731400430051336 2 IN IP4 127.0.0.1\n"
    "s=-\n"
    "t=0 0\n"
    "a=group:BUNDLE 0 1\n"
    "a=extmap-allow-mixed\n"
    "a=msid-semantic: WMS stream\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126\n"
    "c=IN IP4 0.0.0.0\n"
    "a=rtcp:9 IN IP4 0.0.0.0\n"
    "a=candidate:1467250027 1 udp 2122260223 192.168.0.196 46243 typ host generation 0 network-id 1\n"
    "a=candidate:1853887674 1 udp 1686052607 46.2.2.2 36768 typ srflx raddr 192.168.0.196 rport 46243 generation 0 network-id 1\n"
    "a=ice-ufrag:Oyef\n"
    "a=ice-pwd:2jTrl6b9X3xGYpHMbnqLxbNQ\n"
    "a=ice-options:trickle\n"
    "a=fingerprint:sha-256 1E:7F:B8:BA:1A:8D:76:BE:A9:A5:A3:9D:59:3E:CC:BD:1B:90:7B:89:EF:F0:03:B3:9A:CA:9C:07:02:97:53:6F\n"
    "a=setup:actpass\n"
    "a=mid:0\n"
    "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\n"
    "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\n"
    "a=sendrecv\n"
    "a=msid:stream track\n"
    "a=rtcp-mux\n"
    "a=rtpmap:111 opus/48000/2\n"
    "a=rtcp-fb:111 transport-cc\n"
    "a=fmtp:111 minptime=10;useinbandfec=1\n"
    "a=rtpmap:63 red/48000/2\n"
    "a=fmtp:63 111/111\n"
    "a=rtpmap:9 G722/8000\n"
    "a=rtpmap:0 PCMU/8000\n"
    "a=rtpmap:8 PCMA/8000\n"
    "a=rtpmap:13 CN/8000\n"
    "a=rtpmap:110 telephone-event/48000\n"
    "a=rtpmap:126 telephone-event/8000\n"
    "a=ssrc:3570614608 cname:4TOk42mSjXCkVIa6\n"
    "a=ssrc:3570614608 msid:stream track\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96 97\n"
    "c=IN IP4 0.0.0.0\n"
    "a=rtcp:9 IN IP4 0.0.0.0\n"
    "a=ice-ufrag:Oyef\n"
    "a=ice-pwd:2jTrl6b9X3xGYpHMbnqLxbNQ\n"
    "a=ice-options:trickle\n"
    "a=setup:actpass\n"
    "a=mid:1\n"
    "a=extmap:14 urn:ietf:params:rtp-hdrext:toffset\n"
    "a=sendrecv\n"
    "a=rtcp-mux\n"
    "a=rtcp-rsize\n"
    "a=rtpmap:96 VP8/90000\n"
    "a=rtcp-fb:96 goog-remb\n"
    "a=rtcp-fb:96 transport-cc\n"
    "a=rtcp-fb:96 ccm fir\n"
    "a=rtcp-fb:96 nack\n"
    "a=rtcp-fb:96 nack pli\n"
    "a=rtpmap:97 rtx/90000\n"
    "a=fmtp:97 apt=96\n"
    "a=ssrc-group:FID 1 2\n");

TEST(SdpExamples, ChromeShapedOfferParsesEveryTypedAttribute) {
  SessionDescription sd = must_parse(chrome_offer);
  EXPECT_EQ(sd.group("BUNDLE")->mids, (std::vector<std::string>{"0", "1"}));
  const MediaDescription& audio = sd.media[0];
  EXPECT_EQ(audio.proto, "UDP/TLS/RTP/SAVPF");
  EXPECT_TRUE(audio.is_rtp());
  EXPECT_TRUE(audio.is_secure());
  EXPECT_TRUE(audio.has_feedback());
  EXPECT_TRUE(audio.rtcp_mux());
  EXPECT_EQ(audio.mid(), "0");
  EXPECT_EQ(audio.rtcp()->address, "0.0.0.0");
  EXPECT_EQ(audio.candidates().size(), 2u);
  EXPECT_EQ(audio.rtpmap(111)->channels, 2u);
  EXPECT_EQ(audio.fmtp("111")->param("useinbandfec"), "1");
  EXPECT_EQ(audio.ssrcs().size(), 2u);
  EXPECT_EQ(audio.extmaps().size(), 2u);
  EXPECT_EQ(sd.ice_ufrag_for(audio), "Oyef");
  const MediaDescription& video = sd.media[1];
  EXPECT_EQ(video.rtcp_fbs(96).size(), 5u);
  EXPECT_EQ(video.rtcp_fbs(97).size(), 0u);
  EXPECT_EQ(video.fmtp("97")->param("apt"), "96");
  EXPECT_EQ(sd.find("msid-semantic")->value, " WMS stream");
  expect_round_trip(chrome_offer);
}

// A Firefox-shaped offer: attributes in another order, fmtp before rtpmap,
// session-level ice-options, braces in msid.
const std::string firefox_offer = crlf(
    "v=0\n"
    "o=mozilla...THIS_IS_SDPARTA-99.0 5172435209491181296 0 IN IP4 0.0.0.0\n"
    "s=-\n"
    "t=0 0\n"
    "a=fingerprint:sha-256 4C:4D:6E:0B:3B:31:7F:B5:45:24:8B:94:4C:0D:33:04:8E:9C:EB:8B:61:7C:6A:0D:5B:86:66:5E:A9:2F:BE:1E\n"
    "a=group:BUNDLE 0\n"
    "a=ice-options:trickle\n"
    "a=msid-semantic:WMS *\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 109 9 0 8 101\n"
    "c=IN IP4 0.0.0.0\n"
    "a=sendrecv\n"
    "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\n"
    "a=extmap:2/recvonly urn:ietf:params:rtp-hdrext:csrc-audio-level\n"
    "a=extmap:3 urn:ietf:params:rtp-hdrext:sdes:mid\n"
    "a=fmtp:109 maxplaybackrate=48000;stereo=1;useinbandfec=1\n"
    "a=fmtp:101 0-15\n"
    "a=ice-pwd:e5d1c3ad1b4fc3d1ab81a8a5e6e6e6e6\n"
    "a=ice-ufrag:4a8f2e1b\n"
    "a=mid:0\n"
    "a=msid:{7c2ae9f7-1b1f-4d2b-a6a5-1f3b8e1c2d3e} {0d8e2a44-5c6b-4f7d-8e9f-a0b1c2d3e4f5}\n"
    "a=rtcp-mux\n"
    "a=rtpmap:109 opus/48000/2\n"
    "a=rtpmap:9 G722/8000/1\n"
    "a=rtpmap:0 PCMU/8000\n"
    "a=rtpmap:8 PCMA/8000\n"
    "a=rtpmap:101 telephone-event/8000\n"
    "a=setup:actpass\n"
    "a=ssrc:2655508255 cname:{a4d4a4b4-c4d4-e4f4-0515-253545556575}\n");

TEST(SdpExamples, FirefoxShapedOfferParses) {
  SessionDescription sd = must_parse(firefox_offer);
  EXPECT_EQ(sd.origin.username, "mozilla...THIS_IS_SDPARTA-99.0");
  EXPECT_EQ(sd.media[0].rtpmap(9)->channels, 1u);
  EXPECT_EQ(sd.media[0].extmaps()[1].direction, Direction::recvonly);
  EXPECT_EQ(sd.media[0].fmtp("101")->parameters, "0-15");
  EXPECT_EQ(sd.ice_pwd_for(sd.media[0]), "e5d1c3ad1b4fc3d1ab81a8a5e6e6e6e6");
  expect_round_trip(firefox_offer);
}

// A baresip-shaped plain RTP offer with Opus, G.711 and telephone events.
const std::string baresip_offer = crlf(
    "v=0\n"
    "o=- 1409565226 3284215049 IN IP4 192.168.1.10\n"
    "s=-\n"
    "c=IN IP4 192.168.1.10\n"
    "t=0 0\n"
    "m=audio 10640 RTP/AVP 96 0 8 101\n"
    "b=AS:64\n"
    "a=rtpmap:96 opus/48000/2\n"
    "a=fmtp:96 stereo=1;sprop-stereo=1\n"
    "a=rtpmap:0 PCMU/8000\n"
    "a=rtpmap:8 PCMA/8000\n"
    "a=rtpmap:101 telephone-event/8000\n"
    "a=fmtp:101 0-15\n"
    "a=sendrecv\n"
    "a=label:1\n"
    "a=ssrc:3059371208 cname:fe9b3b81-9b8a-4d2a-8b5b-8f0c3b7a3a11\n"
    "a=rtcp-mux\n");

TEST(SdpExamples, BaresipShapedOfferParses) {
  SessionDescription sd = must_parse(baresip_offer);
  EXPECT_EQ(sd.media[0].bandwidths[0], (Bandwidth{"AS", 64}));
  EXPECT_EQ(sd.media[0].payload_types(), (std::vector<std::uint8_t>{96, 0, 8, 101}));
  expect_round_trip(baresip_offer);
}

}  // namespace
}  // namespace confab::sdp
