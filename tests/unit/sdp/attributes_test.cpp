// The typed attributes: rtpmap, fmtp, rtcp (RFC 3605), rtcp-fb (RFC 4585),
// group/mid (RFC 5888, RFC 9143), ssrc (RFC 5576), extmap (RFC 8285),
// ptime, direction, ICE (RFC 8839) and SDES crypto (RFC 4568): each parses,
// round-trips through to_value(), and rejects what its grammar does not allow.
#include <gtest/gtest.h>

#include "sdp/session.hpp"

namespace confab::sdp {
namespace {

template <class T, class E>
T ok(const Result<T, E>& r) {
  EXPECT_TRUE(r) << (r ? "" : r.error().message());
  return r ? *r : T{};
}

template <class T, class E>
DecodeError err(const Result<T, E>& r) {
  EXPECT_FALSE(r);
  return r ? DecodeError{} : r.error();
}

TEST(SdpAttributes, RtpmapCarriesPayloadTypeEncodingClockAndChannels) {
  Rtpmap r = ok(parse_rtpmap("111 opus/48000/2"));
  EXPECT_EQ(r.payload_type, 111);
  EXPECT_EQ(r.encoding, "opus");
  EXPECT_EQ(r.clock_rate, 48000u);
  EXPECT_EQ(r.channels, 2u);
  EXPECT_EQ(to_value(r), "111 opus/48000/2");
  Rtpmap v = ok(parse_rtpmap("96 VP8/90000"));
  EXPECT_FALSE(v.channels);
  EXPECT_EQ(v.channel_count(), 1u);
  EXPECT_EQ(ok(parse_rtpmap(to_value(v))), v);
}

TEST(SdpAttributes, RtpmapRejectsWhatItsGrammarDoesNot) {
  EXPECT_EQ(err(parse_rtpmap("128 x/8000")).offset, 0u);
  err(parse_rtpmap("96"));
  err(parse_rtpmap("96 opus"));
  err(parse_rtpmap("96 opus/0"));
  err(parse_rtpmap("96 opus/48000/0"));
  err(parse_rtpmap("96 op us/48000"));
  err(parse_rtpmap("96 opus/99999999999"));
}

TEST(SdpAttributes, StaticPayloadTypesFollowRfc3551) {
  EXPECT_EQ(static_rtpmap(0)->encoding, "PCMU");
  EXPECT_EQ(static_rtpmap(8)->encoding, "PCMA");
  EXPECT_EQ(static_rtpmap(9)->clock_rate, 8000u);  // G722's famous 8000
  EXPECT_EQ(static_rtpmap(34)->encoding, "H263");
  EXPECT_FALSE(static_rtpmap(96));
  EXPECT_FALSE(static_rtpmap(2));
}

TEST(SdpAttributes, FmtpParametersSplitIntoNameValuePairs) {
  Fmtp f = ok(parse_fmtp("111 minptime=10; useinbandfec=1;stereo"));
  EXPECT_EQ(f.format, "111");
  EXPECT_EQ(f.parameters, "minptime=10; useinbandfec=1;stereo");
  auto p = f.params();
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[1], (FmtpParam{"useinbandfec", "1"}));
  EXPECT_EQ(p[2], (FmtpParam{"stereo", ""}));
  EXPECT_EQ(f.param("MINPTIME"), "10");
  EXPECT_FALSE(f.param("maxplaybackrate"));
  EXPECT_EQ(ok(parse_fmtp("101 0-15")).params()[0].name, "0-15");
  EXPECT_EQ(to_value(f), "111 minptime=10; useinbandfec=1;stereo");
  err(parse_fmtp("111"));
  err(parse_fmtp("111  "));
}

TEST(SdpAttributes, RtcpAttributeOfRfc3605WithAndWithoutAddress) {
  EXPECT_EQ(ok(parse_rtcp("53020")).port, 53020);
  Rtcp r = ok(parse_rtcp("53020 IN IP4 126.16.64.4"));
  EXPECT_EQ(r.address, "126.16.64.4");
  EXPECT_EQ(to_value(r), "53020 IN IP4 126.16.64.4");
  Rtcp v6 = ok(parse_rtcp("53020 IN IP6 2001:2345:6789:ABCD:EF01:2345:6789:ABCD"));
  EXPECT_EQ(v6.addrtype, "IP6");
  err(parse_rtcp("70000"));
  err(parse_rtcp("53020 IN IP4"));
  err(parse_rtcp("53020 IN IP6 126.16.64.4"));
}

TEST(SdpAttributes, RtcpFeedbackOfRfc4585) {
  RtcpFb pli = ok(parse_rtcp_fb("96 nack pli"));
  EXPECT_EQ(pli.type, "nack");
  EXPECT_EQ(pli.parameter, "pli");
  EXPECT_EQ(pli.feedback(), "nack pli");
  EXPECT_TRUE(pli.applies_to(96));
  EXPECT_FALSE(pli.applies_to(97));
  RtcpFb any = ok(parse_rtcp_fb("* ccm fir"));
  EXPECT_TRUE(any.applies_to(97));
  EXPECT_EQ(ok(parse_rtcp_fb("96 trr-int 100")).parameter, "100");
  EXPECT_EQ(ok(parse_rtcp_fb("96 goog-remb")).feedback(), "goog-remb");
  EXPECT_EQ(to_value(pli), "96 nack pli");
  err(parse_rtcp_fb("96"));
  err(parse_rtcp_fb("x nack"));
  err(parse_rtcp_fb("96 trr-int x"));
  err(parse_rtcp_fb("96 nack  pli"));
}

TEST(SdpAttributes, GroupAndMidOfRfc5888) {
  Group g = ok(parse_group("BUNDLE 0 1"));
  EXPECT_EQ(g.semantics, "BUNDLE");
  EXPECT_EQ(g.mids, (std::vector<std::string>{"0", "1"}));
  EXPECT_EQ(to_value(g), "BUNDLE 0 1");
  EXPECT_TRUE(ok(parse_group("LS")).mids.empty());
  err(parse_group("BUNDLE  0"));
  EXPECT_FALSE(validate_mid("audio"));
  EXPECT_TRUE(validate_mid("a b"));
}

TEST(SdpAttributes, SsrcOfRfc5576) {
  Ssrc s = ok(parse_ssrc("777379316 cname:Dl+cb/nGYCzEcTvH"));
  EXPECT_EQ(s.ssrc, 777379316u);
  EXPECT_EQ(s.attribute, "cname");
  EXPECT_EQ(s.value, "Dl+cb/nGYCzEcTvH");
  EXPECT_EQ(ok(parse_ssrc("1 msid:stream track")).value, "stream track");
  EXPECT_FALSE(ok(parse_ssrc("1 x-flag")).value);
  EXPECT_EQ(to_value(s), "777379316 cname:Dl+cb/nGYCzEcTvH");
  err(parse_ssrc("4294967296 cname:x"));
  err(parse_ssrc("1"));
}

TEST(SdpAttributes, ExtmapOfRfc8285) {
  Extmap e = ok(parse_extmap("1 urn:ietf:params:rtp-hdrext:ssrc-audio-level"));
  EXPECT_EQ(e.id, 1);
  EXPECT_FALSE(e.direction);
  Extmap d = ok(parse_extmap("2/recvonly urn:ietf:params:rtp-hdrext:csrc-audio-level vad=on"));
  EXPECT_EQ(d.direction, Direction::recvonly);
  EXPECT_EQ(d.attributes, "vad=on");
  EXPECT_EQ(to_value(d), "2/recvonly urn:ietf:params:rtp-hdrext:csrc-audio-level vad=on");
  err(parse_extmap("0 urn:x"));
  err(parse_extmap("256 urn:x"));
  err(parse_extmap("1/both urn:x"));
  err(parse_extmap("1"));
}

TEST(SdpAttributes, PtimeIsAPositiveNumberOfMilliseconds) {
  EXPECT_EQ(ok(parse_ptime("20")), 20.0);
  EXPECT_EQ(ok(parse_ptime("0.5")), 0.5);
  err(parse_ptime("0"));
  err(parse_ptime("20ms"));
  err(parse_ptime(".5"));
}

TEST(SdpAttributes, DirectionAnswerRules) {
  EXPECT_EQ(reverse(Direction::sendonly), Direction::recvonly);
  EXPECT_EQ(reverse(Direction::recvonly), Direction::sendonly);
  EXPECT_EQ(reverse(Direction::inactive), Direction::inactive);
  EXPECT_EQ(reverse(Direction::sendrecv), Direction::sendrecv);
  EXPECT_EQ(direction_from("inactive"), Direction::inactive);
  EXPECT_FALSE(direction_from("sendrcv"));
}

// --- ICE (RFC 8839) ---------------------------------------------------------------

TEST(SdpIce, Rfc8839CandidatesParseFully) {
  Candidate host = ok(parse_candidate("1 1 UDP 2130706431 203.0.113.141 8998 typ host"));
  EXPECT_EQ(host.foundation, "1");
  EXPECT_EQ(host.component, 1);
  EXPECT_TRUE(host.is_udp());
  EXPECT_EQ(host.priority, 2130706431u);
  EXPECT_EQ(host.address, "203.0.113.141");
  EXPECT_EQ(host.port, 8998);
  EXPECT_EQ(host.type, CandidateType::host);
  EXPECT_FALSE(host.related_address);
  Candidate srflx = ok(parse_candidate("2 1 UDP 1694498815 192.0.2.3 45664 typ srflx raddr 203.0.113.141 rport 8998"));
  EXPECT_EQ(srflx.type, CandidateType::srflx);
  EXPECT_EQ(srflx.related_address, "203.0.113.141");
  EXPECT_EQ(srflx.related_port, 8998);
  EXPECT_EQ(to_value(srflx), "2 1 UDP 1694498815 192.0.2.3 45664 typ srflx raddr 203.0.113.141 rport 8998");
}

TEST(SdpIce, BrowserCandidatesWithExtensionsAndMdnsNames) {
  Candidate c = ok(parse_candidate("1467250027 1 udp 2122260223 192.168.0.196 46243 typ host generation 0 network-id 1"));
  EXPECT_EQ(c.transport, "udp");
  EXPECT_TRUE(c.is_udp());
  ASSERT_EQ(c.extensions.size(), 2u);
  EXPECT_EQ(c.extensions[1], (std::pair<std::string, std::string>{"network-id", "1"}));
  Candidate tcp = ok(parse_candidate("3 1 tcp 1518280447 192.168.0.196 9 typ host tcptype active generation 0"));
  EXPECT_FALSE(tcp.is_udp());
  Candidate mdns = ok(parse_candidate("4 1 udp 2113937151 2f1f3c2a-7e0a-4b8e-9b1e-0d9c0f0a1b2c.local 54400 typ host"));
  EXPECT_EQ(mdns.address, "2f1f3c2a-7e0a-4b8e-9b1e-0d9c0f0a1b2c.local");
  Candidate relay = ok(parse_candidate("5 2 UDP 16777214 198.51.100.7 3478 typ relay raddr 0.0.0.0 rport 0"));
  EXPECT_EQ(relay.component, 2);
  EXPECT_EQ(relay.type, CandidateType::relay);
  EXPECT_EQ(ok(parse_candidate("6 1 UDP 1 2001:db8::1 1 typ prflx")).type, CandidateType::prflx);
  Candidate other = ok(parse_candidate("7 1 UDP 1 192.0.2.1 1 typ xcustom"));
  EXPECT_EQ(other.type, CandidateType::other);
  EXPECT_EQ(to_value(other), "7 1 UDP 1 192.0.2.1 1 typ xcustom");
}

TEST(SdpIce, CandidateErrorsNameTheField) {
  const std::string good = "1 1 UDP 2130706431 203.0.113.141 8998 typ host";
  EXPECT_EQ(err(parse_candidate("1 1 UDP 2130706431 203.0.113.141 8998 typ")).offset, 0u);
  EXPECT_EQ(err(parse_candidate("1 0 UDP 2130706431 203.0.113.141 8998 typ host")).offset, 2u);
  err(parse_candidate("1 257 UDP 2130706431 203.0.113.141 8998 typ host"));
  err(parse_candidate("1 1 UDP 0 203.0.113.141 8998 typ host"));
  err(parse_candidate("1 1 UDP 2147483648 203.0.113.141 8998 typ host"));
  err(parse_candidate("1 1 UDP 2130706431 203.0.113.300 8998 typ host"));
  err(parse_candidate("1 1 UDP 2130706431 203.0.113.141 65536 typ host"));
  err(parse_candidate("1 1 UDP 2130706431 203.0.113.141 8998 type host"));
  err(parse_candidate("1 1 UDP 2130706431 203.0.113.141 8998 typ host generation"));
  err(parse_candidate("1 1 UDP 2130706431 203.0.113.141 8998 typ host  generation 0"));
  err(parse_candidate("f-o 1 UDP 2130706431 203.0.113.141 8998 typ host"));
  err(parse_candidate(std::string(33, 'a') + " 1 UDP 1 192.0.2.1 1 typ host"));
  EXPECT_TRUE(parse_candidate(good));
}

TEST(SdpIce, UfragAndPwdLengthAndCharacters) {
  EXPECT_FALSE(validate_ice_ufrag("8hhY"));
  EXPECT_TRUE(validate_ice_ufrag("8hh"));
  EXPECT_TRUE(validate_ice_ufrag("8hh-"));
  EXPECT_TRUE(validate_ice_ufrag(std::string(257, 'a')));
  EXPECT_FALSE(validate_ice_pwd("asd88fgpdd777uzjYhagZg"));
  EXPECT_TRUE(validate_ice_pwd("asd88fgpdd777uzjYhagZ"));  // 21
  EXPECT_EQ(validate_ice_pwd("asd88fgpdd777uzjYhag_g")->offset, 20u);
  EXPECT_EQ(ok(parse_ice_options("trickle ice2")), (std::vector<std::string>{"trickle", "ice2"}));
  err(parse_ice_options("trickle  ice2"));
}

// --- SDES (RFC 4568) ---------------------------------------------------------------

TEST(SdpCrypto, Rfc4568SectionThreeExampleDecodesKeyLifetimeAndMki) {
  Crypto c = ok(parse_crypto("1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32"));
  EXPECT_EQ(c.tag, 1u);
  EXPECT_EQ(c.suite, "AES_CM_128_HMAC_SHA1_80");
  ASSERT_EQ(c.keys.size(), 1u);
  EXPECT_EQ(c.keys[0].method, "inline");
  EXPECT_EQ(c.keys[0].key_salt.size(), 30u);
  EXPECT_EQ(c.keys[0].lifetime, 1048576u);
  EXPECT_TRUE(c.keys[0].lifetime_power);
  EXPECT_EQ(c.keys[0].mki_value, 1u);
  EXPECT_EQ(c.keys[0].mki_length, 32);
  EXPECT_EQ(to_value(c), "1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32");
}

TEST(SdpCrypto, SeveralKeysAndSessionParameters) {
  Crypto c = ok(parse_crypto("2 F8_128_HMAC_SHA1_80 inline:MTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5QUJjZGVm|2^20|1:4;"
                             "inline:QUJjZGVmMTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5|2^20|2:4 FEC_ORDER=FEC_SRTP"));
  ASSERT_EQ(c.keys.size(), 2u);
  EXPECT_EQ(c.keys[1].mki_value, 2u);
  EXPECT_EQ(c.session_params, std::vector<std::string>{"FEC_ORDER=FEC_SRTP"});
  EXPECT_EQ(ok(parse_crypto(to_value(c))), c);
  Crypto gcm = ok(parse_crypto("3 AEAD_AES_128_GCM\tinline:" + base64_encode(Bytes(28, 7)) + "|1000"));
  EXPECT_EQ(gcm.keys[0].lifetime, 1000u);
  EXPECT_FALSE(gcm.keys[0].lifetime_power);
  Crypto ext = ok(parse_crypto("4 SOME_FUTURE_SUITE uri:https://keys.example/k"));
  EXPECT_EQ(ext.keys[0].info, "https://keys.example/k");
  EXPECT_EQ(to_value(ext), "4 SOME_FUTURE_SUITE uri:https://keys.example/k");
}

TEST(SdpCrypto, KeysOfTheWrongLengthParseButAreUnusable) {
  // RFC 4568 §3's own first key is 33 bytes for a suite of 16 + 14.
  Crypto rfc = ok(parse_crypto("1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVzcyAo|2^20|1:4 FEC_ORDER=FEC_SRTP"));
  EXPECT_EQ(rfc.keys[0].key_salt.size(), 33u);
  EXPECT_EQ(key_problem(rfc), "AES_CM_128_HMAC_SHA1_80 needs 30 bytes of key and salt, not 33");
  EXPECT_TRUE(key_problem(ok(parse_crypto("1 AEAD_AES_128_GCM inline:" + base64_encode(Bytes(30, 1))))));
  EXPECT_FALSE(key_problem(ok(parse_crypto("1 AEAD_AES_128_GCM inline:" + base64_encode(Bytes(28, 1))))));
  EXPECT_TRUE(key_problem(ok(parse_crypto("1 NOT_A_SUITE inline:" + base64_encode(Bytes(30, 1))))));
}

TEST(SdpCrypto, MalformedKeyParametersAreRejected) {
  err(parse_crypto("1 AES_CM_128_HMAC_SHA1_80 inline:not*base64"));
  err(parse_crypto("1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVB"));
  err(parse_crypto("1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^64"));
  err(parse_crypto("1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|1:0"));
  err(parse_crypto("1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|256:1"));
  err(parse_crypto("1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|1:4|2^20"));
  err(parse_crypto("1 AES_CM_128_HMAC_SHA1_80"));
  err(parse_crypto("1234567890 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR"));
  err(parse_crypto("1 AES-CM inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR"));
  err(parse_crypto("1 AES_CM_128_HMAC_SHA1_80 inline"));
}

TEST(SdpCrypto, Base64IsStrict) {
  EXPECT_EQ(base64_encode(as_bytes("foob")), "Zm9vYg==");
  EXPECT_EQ(base64_decode("Zm9vYmE="), Bytes({'f', 'o', 'o', 'b', 'a'}));
  EXPECT_FALSE(base64_decode("Zm9vYh=="));  // non-zero bits under the padding
  EXPECT_FALSE(base64_decode("Zm9vY"));
  EXPECT_FALSE(base64_decode("Zm=vYg=="));
}

}  // namespace
}  // namespace confab::sdp
