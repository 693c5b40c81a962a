// RFC 3264 offer/answer through the Negotiator, Alice calling Bob. Every
// description crosses "the wire" as text (serialize, then parse), the way
// the SIP user agent carries it.
#include <gtest/gtest.h>

#include "core/rng.hpp"
#include "sdp/negotiator.hpp"
#include "sdp_test_util.hpp"

namespace confab::sdp {
namespace {

SessionDescription wire(const SessionDescription& sd) {
  auto parsed = parse(serialize(sd));
  EXPECT_TRUE(parsed) << (parsed ? "" : parsed.error().message()) << "\n" << serialize(sd);
  return parsed ? *parsed : SessionDescription{};
}

NegotiatorConfig config_for(const char* ip) {
  NegotiatorConfig c;
  c.address = *IpAddress::parse(ip);
  return c;
}

Candidate host(const char* ip, std::uint16_t port, std::uint16_t component = 1) {
  Candidate c;
  c.foundation = "1";
  c.component = component;
  c.priority = 2130706431;
  c.address = ip;
  c.port = port;
  return c;
}

struct Call {
  SeededRng alice_rng{1}, bob_rng{2};
  Negotiator alice;
  Negotiator bob;
  StreamId alice_audio = 0, bob_audio = 0;

  explicit Call(NegotiatorConfig a = config_for("192.0.2.1"), NegotiatorConfig b = config_for("198.51.100.2"))
      : alice(std::move(a), alice_rng), bob(std::move(b), bob_rng) {}

  // One full exchange started by `offerer`; returns the offer and answer as sent.
  std::pair<SessionDescription, SessionDescription> exchange(Negotiator& offerer, Negotiator& answerer) {
    auto offer = offerer.create_offer();
    EXPECT_TRUE(offer) << (offer ? "" : offer.error().message());
    SessionDescription sent_offer = wire(*offer);
    auto answer = answerer.create_answer(sent_offer);
    EXPECT_TRUE(answer) << (answer ? "" : answer.error().message());
    SessionDescription sent_answer = wire(*answer);
    auto agreed = offerer.accept_answer(sent_answer);
    EXPECT_TRUE(agreed) << (agreed ? "" : agreed.error().message());
    return {sent_offer, sent_answer};
  }
};

TEST(Negotiator, AudioCallAgreesOnOpusUnderTheOfferersPayloadType) {
  NegotiatorConfig bobs = config_for("198.51.100.2");
  bobs.audio_codecs = {pcmu_codec(), opus_codec(100), telephone_event_codec(120, 48000)};
  Call call(config_for("192.0.2.1"), bobs);
  call.alice_audio = call.alice.add_stream({.media = "audio", .port = 16384, .candidates = {host("192.0.2.1", 16384)}});
  call.bob_audio = call.bob.add_stream({.media = "audio", .port = 16390, .candidates = {host("198.51.100.2", 16390)}});
  auto [offer, answer] = call.exchange(call.alice, call.bob);

  EXPECT_EQ(offer.media[0].formats, (std::vector<std::string>{"111", "101"}));
  EXPECT_EQ(offer.media[0].fmtp("111")->param("useinbandfec"), "1");
  EXPECT_EQ(answer.media[0].formats, (std::vector<std::string>{"111", "101"}));  // the offerer's PTs
  EXPECT_EQ(answer.media[0].rtpmap(111)->encoding, "opus");

  const NegotiatedStream& a = call.alice.negotiated()->streams[0];
  const NegotiatedStream& b = call.bob.negotiated()->streams[0];
  for (const NegotiatedStream* s : {&a, &b}) {
    EXPECT_TRUE(s->accepted);
    EXPECT_TRUE(s->send());
    EXPECT_TRUE(s->recv());
    ASSERT_EQ(s->codecs.size(), 1u);
    EXPECT_EQ(s->codecs[0].payload_type, 111);
    EXPECT_EQ(s->codecs[0].clock_rate, 48000u);
    EXPECT_EQ(s->codecs[0].channels, 2u);
    ASSERT_TRUE(s->telephone_event);
    EXPECT_EQ(s->telephone_event->payload_type, 101);
    EXPECT_TRUE(s->rtcp_mux);
  }
  EXPECT_EQ(a.remote_rtp(), SocketAddress::parse("198.51.100.2:16390"));
  EXPECT_EQ(b.remote_rtp(), SocketAddress::parse("192.0.2.1:16384"));
  EXPECT_EQ(b.codecs[0].remote_fmtp, "minptime=10;useinbandfec=1");
  EXPECT_EQ(a.remote_ice, (IceCredentials{call.bob.local_ice()}));
  EXPECT_EQ(b.remote_ice, (IceCredentials{call.alice.local_ice()}));
  ASSERT_EQ(b.remote_candidates.size(), 1u);
  EXPECT_EQ(b.remote_candidates[0].port, 16384);
  EXPECT_EQ(a.stream, call.alice_audio);
  EXPECT_EQ(b.stream, call.bob_audio);
}

TEST(Negotiator, OffersCarryIceMuxBundleAndRtcpAsOptions) {
  Call call;
  call.alice.add_stream({.media = "audio", .port = 16384, .candidates = {host("192.0.2.1", 16384)}, .end_of_candidates = true});
  call.alice.add_stream({.media = "video", .port = 16386, .rtcp_port = 16399});
  auto offer = call.alice.create_offer();
  ASSERT_TRUE(offer);
  const std::string text = serialize(*offer);
  EXPECT_EQ(offer->group("BUNDLE")->mids, (std::vector<std::string>{"0", "1"}));
  EXPECT_EQ(offer->ice_ufrag()->size(), 8u);
  EXPECT_EQ(offer->ice_pwd()->size(), 24u);
  EXPECT_FALSE(validate_ice_pwd(*offer->ice_pwd()));
  EXPECT_EQ(offer->media[0].rtcp()->port, 16385);  // RFC 3605, mux not agreed yet
  EXPECT_EQ(offer->media[1].rtcp()->port, 16399);
  EXPECT_TRUE(offer->media[0].rtcp_mux());
  EXPECT_TRUE(offer->media[0].end_of_candidates());
  EXPECT_EQ(offer->media[1].rtcp_fbs(96).size(), 4u);
  EXPECT_EQ(offer->media[0].proto, "RTP/AVP");
  EXPECT_EQ(offer->direction_of(offer->media[0]), Direction::sendrecv);
  EXPECT_EQ(offer->origin.session_version, 1u);
  EXPECT_EQ(wire(*offer), *offer);
  EXPECT_NE(text.find("a=candidate:1 1 UDP 2130706431 192.0.2.1 16384 typ host\r\n"), std::string::npos);
}

TEST(Negotiator, AudioAndVideoWithFeedbackIntersected) {
  NegotiatorConfig bobs = config_for("198.51.100.2");
  bobs.video_codecs = {Codec{100, "VP8", 90000, 0, {}, {"nack", "nack pli"}}};
  Call call(config_for("192.0.2.1"), bobs);
  call.alice.add_stream({.media = "audio", .port = 16384});
  call.alice.add_stream({.media = "video", .port = 16386});
  call.bob.add_stream({.media = "audio", .port = 16384});
  call.bob.add_stream({.media = "video", .port = 16386});
  auto [offer, answer] = call.exchange(call.alice, call.bob);
  EXPECT_EQ(answer.media[1].formats, std::vector<std::string>{"96"});
  EXPECT_EQ(answer.media[1].rtcp_fbs(96).size(), 2u);
  const auto& video = call.alice.negotiated()->streams[1];
  EXPECT_TRUE(video.accepted);
  EXPECT_EQ(video.codecs[0].encoding, "VP8");
  EXPECT_EQ(video.codecs[0].rtcp_fb, (std::vector<std::string>{"nack", "nack pli"}));
  EXPECT_EQ(call.bob.negotiated()->streams[1].codecs[0].rtcp_fb, (std::vector<std::string>{"nack", "nack pli"}));
}

TEST(Negotiator, NoCommonCodecIsA488AndChangesNothing) {
  NegotiatorConfig bobs = config_for("198.51.100.2");
  bobs.audio_codecs = {pcmu_codec()};
  Call call(config_for("192.0.2.1"), bobs);
  call.alice.add_stream({.media = "audio", .port = 16384});
  call.bob.add_stream({.media = "audio", .port = 16384});
  auto offer = call.alice.create_offer();
  auto answer = call.bob.create_answer(wire(*offer));
  ASSERT_FALSE(answer);
  EXPECT_EQ(answer.error().code, NegotiationErrorCode::no_common_codec);
  EXPECT_EQ(answer.error().sip_status(), 488);
  EXPECT_NE(answer.error().message().find("no common codec"), std::string::npos);
  EXPECT_FALSE(call.bob.negotiated());
  call.alice.cancel_offer();  // the INVITE got its 488
  EXPECT_FALSE(call.alice.offer_pending());
}

// Found by fuzz_sdp_session: a payload type listed twice in the offer was
// answered twice, with two rtpmap lines for it — an answer that does not parse.
TEST(Negotiator, AFormatListedTwiceIsAnsweredOnce) {
  auto offer = test::must_parse(test::crlf("v=0\no=- 1 1 IN IP4 127.0.0.1\ns=-\nc=IN IP4 127.0.0.1\nt=0 0\n"
                                           "m=audio 6000 RTP/AVP 0 0 8\n"));
  NegotiatorConfig c = config_for("127.0.0.1");
  c.audio_codecs.push_back(pcmu_codec());
  SeededRng rng(3);
  Negotiator n(c, rng);
  n.add_stream({.media = "audio", .port = 16384});
  auto answer = n.create_answer(offer);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->media[0].formats, std::vector<std::string>{"0"});
  EXPECT_TRUE(parse(serialize(*answer)));
}

TEST(Negotiator, SippsDefaultOfferIsAnsweredWithPcmuOr488) {
  auto sipp = test::must_parse(test::crlf("v=0\no=user1 53655765 2353687637 IN IP4 127.0.0.1\ns=-\nc=IN IP4 127.0.0.1\nt=0 0\n"
                                          "m=audio 6000 RTP/AVP 0\na=rtpmap:0 PCMU/8000\n"));
  SeededRng rng(3);
  Negotiator opus_only(config_for("127.0.0.1"), rng);
  opus_only.add_stream({.media = "audio", .port = 16384});
  EXPECT_EQ(opus_only.create_answer(sipp).error().sip_status(), 488);

  NegotiatorConfig c = config_for("127.0.0.1");
  c.audio_codecs.push_back(pcmu_codec());
  Negotiator with_pcmu(c, rng);
  with_pcmu.add_stream({.media = "audio", .port = 16384});
  auto answer = with_pcmu.create_answer(sipp);
  ASSERT_TRUE(answer);
  EXPECT_FALSE(answer->has("ice-ufrag"));  // no ICE in the offer, none in the answer
  EXPECT_FALSE(answer->media[0].rtcp_mux());
  EXPECT_EQ(answer->media[0].rtcp()->port, 16385);
  EXPECT_EQ(answer->media[0].formats, std::vector<std::string>{"0"});
  const auto& s = with_pcmu.negotiated()->streams[0];
  EXPECT_EQ(s.remote_rtp(), SocketAddress::parse("127.0.0.1:6000"));
  EXPECT_EQ(s.remote_rtcp(), SocketAddress::parse("127.0.0.1:6001"));
  EXPECT_FALSE(s.remote_ice);
}

TEST(Negotiator, HoldAndResumeAreReOffersWithNewVersions) {
  Call call;
  call.alice.add_stream({.media = "audio", .port = 16384});
  call.bob.add_stream({.media = "audio", .port = 16384});
  auto [offer1, answer1] = call.exchange(call.alice, call.bob);

  call.alice.hold();
  auto [hold_offer, hold_answer] = call.exchange(call.alice, call.bob);
  EXPECT_EQ(hold_offer.origin.session_version, offer1.origin.session_version + 1);
  EXPECT_EQ(hold_offer.origin.session_id, offer1.origin.session_id);
  EXPECT_EQ(hold_offer.direction_of(hold_offer.media[0]), Direction::sendonly);
  EXPECT_EQ(hold_answer.direction_of(hold_answer.media[0]), Direction::recvonly);
  EXPECT_TRUE(call.alice.negotiated()->streams[0].send());
  EXPECT_FALSE(call.alice.negotiated()->streams[0].recv());
  EXPECT_FALSE(call.bob.negotiated()->streams[0].send());
  EXPECT_TRUE(call.bob.negotiated()->streams[0].recv());

  call.alice.resume();
  auto [resume_offer, resume_answer] = call.exchange(call.alice, call.bob);
  EXPECT_EQ(resume_offer.origin.session_version, offer1.origin.session_version + 2);
  EXPECT_EQ(resume_offer.direction_of(resume_offer.media[0]), Direction::sendrecv);
  EXPECT_TRUE(call.bob.negotiated()->streams[0].send());

  // A session refresh that changes nothing keeps the version (RFC 3264 §8).
  auto [refresh, refresh_answer] = call.exchange(call.alice, call.bob);
  EXPECT_EQ(refresh.origin.session_version, resume_offer.origin.session_version);
  EXPECT_EQ(refresh_answer.origin.session_version, resume_answer.origin.session_version);
}

TEST(Negotiator, HoldOfAReceiveOnlyStreamMakesItInactive) {
  Call call;
  call.alice.add_stream({.media = "audio", .port = 16384, .direction = Direction::recvonly});
  call.bob.add_stream({.media = "audio", .port = 16384});
  auto [offer, answer] = call.exchange(call.alice, call.bob);
  EXPECT_EQ(answer.direction_of(answer.media[0]), Direction::sendonly);
  call.alice.hold();
  auto [hold, hold_answer] = call.exchange(call.alice, call.bob);
  EXPECT_EQ(hold.direction_of(hold.media[0]), Direction::inactive);
  EXPECT_EQ(hold_answer.direction_of(hold_answer.media[0]), Direction::inactive);
}

TEST(Negotiator, ThePeerHoldingUsIsAnsweredRecvonly) {
  Call call;
  call.alice.add_stream({.media = "audio", .port = 16384});
  call.bob.add_stream({.media = "audio", .port = 16384});
  call.exchange(call.alice, call.bob);
  call.bob.hold();  // Bob re-INVITEs Alice
  auto [offer, answer] = call.exchange(call.bob, call.alice);
  EXPECT_EQ(answer.direction_of(answer.media[0]), Direction::recvonly);
  EXPECT_FALSE(call.alice.negotiated()->streams[0].send());
  EXPECT_EQ(answer.origin.session_id, call.alice.origin().session_id);
}

TEST(Negotiator, LegacyHoldWithZeroAddressStopsOurSending) {
  SeededRng rng(4);
  NegotiatorConfig c = config_for("192.0.2.1");
  c.audio_codecs = {pcmu_codec()};
  Negotiator n(c, rng);
  n.add_stream({.media = "audio", .port = 16384});
  auto answer = n.create_answer(test::must_parse(test::crlf("v=0\no=- 1 2 IN IP4 0.0.0.0\ns=-\nc=IN IP4 0.0.0.0\nt=0 0\n"
                                                            "m=audio 6000 RTP/AVP 0\n")));
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->direction_of(answer->media[0]), Direction::recvonly);
}

TEST(Negotiator, StreamsAreAddedAndRemovedKeepingMLineOrder) {
  Call call;
  call.alice_audio = call.alice.add_stream({.media = "audio", .port = 16384});
  call.bob.add_stream({.media = "audio", .port = 16384});
  call.bob.add_stream({.media = "video", .port = 16386});
  call.exchange(call.alice, call.bob);

  StreamId video = call.alice.add_stream({.media = "video", .port = 16386});
  auto [add_offer, add_answer] = call.exchange(call.alice, call.bob);
  ASSERT_EQ(add_offer.media.size(), 2u);
  EXPECT_EQ(add_offer.media[1].media, "video");
  EXPECT_EQ(add_offer.media[1].port, 16386);  // its own port until BUNDLE takes it in
  EXPECT_EQ(add_offer.group("BUNDLE")->mids, (std::vector<std::string>{"0", "1"}));
  EXPECT_TRUE(add_answer.media[1].has("bundle-only"));  // Bob bundles it onto audio's transport
  EXPECT_TRUE(call.alice.negotiated()->find(video)->accepted);
  EXPECT_TRUE(call.alice.negotiated()->find(video)->bundled);

  call.alice.remove_stream(call.alice_audio);
  auto [remove_offer, remove_answer] = call.exchange(call.alice, call.bob);
  ASSERT_EQ(remove_offer.media.size(), 2u);
  EXPECT_EQ(remove_offer.media[0].media, "audio");
  EXPECT_EQ(remove_offer.media[0].port, 0);
  EXPECT_EQ(remove_answer.media[0].port, 0);
  EXPECT_FALSE(call.alice.negotiated()->streams[0].accepted);
  EXPECT_FALSE(call.bob.negotiated()->streams[0].accepted);
  EXPECT_TRUE(call.alice.negotiated()->streams[1].accepted);

  // A re-offer must not drop m= lines.
  auto fewer = remove_offer;
  fewer.media.pop_back();
  auto refused = call.bob.create_answer(fewer);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, NegotiationErrorCode::invalid_offer);
}

TEST(Negotiator, UnsupportedStreamsAreRejectedWithPortZero) {
  SeededRng rng(5);
  Negotiator n(config_for("192.0.2.1"), rng);
  n.add_stream({.media = "audio", .port = 16384});
  auto offer = test::must_parse(test::crlf(
      "v=0\no=- 1 1 IN IP4 192.0.2.9\ns=-\nc=IN IP4 192.0.2.9\nt=0 0\n"
      "m=audio 5000 RTP/AVP 111\na=rtpmap:111 opus/48000/2\n"
      "m=application 5002 UDP/DTLS/SCTP webrtc-datachannel\n"
      "m=video 5004 RTP/AVP 96\na=rtpmap:96 VP8/90000\n"));
  auto answer = n.create_answer(offer);
  ASSERT_TRUE(answer);
  ASSERT_EQ(answer->media.size(), 3u);
  EXPECT_EQ(answer->media[0].port, 16384);
  EXPECT_EQ(answer->media[1].port, 0);
  EXPECT_EQ(answer->media[1].formats, std::vector<std::string>{"webrtc-datachannel"});
  EXPECT_EQ(answer->media[2].port, 0);  // no local video stream
  EXPECT_EQ(wire(*answer), *answer);
}

TEST(Negotiator, DtlsOnlyOffersLikeBrowsersAreRefused) {
  SeededRng rng(6);
  Negotiator n(config_for("192.0.2.1"), rng);
  n.add_stream({.media = "audio", .port = 16384});
  auto offer = test::must_parse(test::crlf(
      "v=0\no=- 1 1 IN IP4 127.0.0.1\ns=-\nt=0 0\nm=audio 9 UDP/TLS/RTP/SAVPF 111\nc=IN IP4 0.0.0.0\n"
      "a=rtpmap:111 opus/48000/2\n"));
  auto answer = n.create_answer(offer);
  ASSERT_FALSE(answer);
  EXPECT_EQ(answer.error().code, NegotiationErrorCode::no_acceptable_media);
  EXPECT_EQ(answer.error().sip_status(), 488);
}

TEST(Negotiator, MuxAndBundleAcceptedShareOneTransport) {
  Call call;
  call.alice.add_stream({.media = "audio", .port = 16384});
  call.alice.add_stream({.media = "video", .port = 16386});
  call.bob.add_stream({.media = "audio", .port = 20000, .candidates = {host("198.51.100.2", 20000)}});
  call.bob.add_stream({.media = "video", .port = 20002, .candidates = {host("198.51.100.2", 20002)}});
  auto [offer, answer] = call.exchange(call.alice, call.bob);
  EXPECT_EQ(answer.group("BUNDLE")->mids, (std::vector<std::string>{"0", "1"}));
  EXPECT_EQ(answer.media[1].port, 0);  // RFC 9143 §7.3.1
  EXPECT_TRUE(answer.media[1].has("bundle-only"));
  EXPECT_TRUE(answer.media[1].candidates().empty());
  EXPECT_FALSE(answer.media[0].rtcp());

  const Negotiated& a = *call.alice.negotiated();
  EXPECT_TRUE(a.bundle);
  EXPECT_EQ(a.bundle_mline, 0u);
  for (const auto& s : a.streams) {
    EXPECT_TRUE(s.accepted);
    EXPECT_TRUE(s.bundled);
    EXPECT_TRUE(s.rtcp_mux);
    EXPECT_EQ(s.remote_rtp(), SocketAddress::parse("198.51.100.2:20000"));
    EXPECT_EQ(s.remote_rtcp(), SocketAddress::parse("198.51.100.2:20000"));
  }
  const Negotiated& b = *call.bob.negotiated();
  EXPECT_TRUE(b.bundle);
  EXPECT_EQ(b.streams[1].remote_rtp(), SocketAddress::parse("192.0.2.1:16384"));

  // The re-offer keeps one transport: video goes port 0 + bundle-only, and stays bundled.
  call.alice.hold();
  auto [reoffer, reanswer] = call.exchange(call.alice, call.bob);
  EXPECT_EQ(reoffer.media[0].port, 16384);
  EXPECT_EQ(reoffer.media[1].port, 0);
  EXPECT_TRUE(reoffer.media[1].has("bundle-only"));
  EXPECT_FALSE(reoffer.media[0].rtcp());
  EXPECT_TRUE(call.alice.negotiated()->streams[1].accepted);
  EXPECT_TRUE(call.bob.negotiated()->streams[1].accepted);
  EXPECT_EQ(call.bob.negotiated()->streams[1].direction, Direction::recvonly);
}

TEST(Negotiator, MuxAndBundleDeclinedKeepSeparatePorts) {
  NegotiatorConfig bobs = config_for("198.51.100.2");
  bobs.accept_bundle = false;
  bobs.accept_rtcp_mux = false;
  Call call(config_for("192.0.2.1"), bobs);
  call.alice.add_stream({.media = "audio", .port = 16384});
  call.alice.add_stream({.media = "video", .port = 16386});
  call.bob.add_stream({.media = "audio", .port = 20000, .rtcp_port = 20011});
  call.bob.add_stream({.media = "video", .port = 20002});
  auto [offer, answer] = call.exchange(call.alice, call.bob);
  EXPECT_FALSE(answer.group("BUNDLE"));
  EXPECT_FALSE(answer.media[0].rtcp_mux());
  EXPECT_EQ(answer.media[0].rtcp()->port, 20011);
  const Negotiated& a = *call.alice.negotiated();
  EXPECT_FALSE(a.bundle);
  EXPECT_FALSE(a.streams[0].rtcp_mux);
  EXPECT_EQ(a.streams[0].remote_rtcp(), SocketAddress::parse("198.51.100.2:20011"));  // RFC 3605
  EXPECT_EQ(a.streams[1].remote_rtp(), SocketAddress::parse("198.51.100.2:20002"));
  EXPECT_EQ(a.streams[1].remote_rtcp(), SocketAddress::parse("198.51.100.2:20003"));
  // The next offer still offers mux and still says where RTCP goes.
  auto reoffer = call.alice.create_offer();
  EXPECT_TRUE(reoffer->media[0].rtcp_mux());
  EXPECT_EQ(reoffer->media[0].rtcp()->port, 16385);
  EXPECT_EQ(reoffer->media[1].port, 16386);
}

TEST(Negotiator, MuxWithoutBundleIsAgreedPerStream) {
  NegotiatorConfig bobs = config_for("198.51.100.2");
  bobs.accept_bundle = false;
  Call call(config_for("192.0.2.1"), bobs);
  call.alice.add_stream({.media = "audio", .port = 16384});
  call.bob.add_stream({.media = "audio", .port = 20000});
  auto [offer, answer] = call.exchange(call.alice, call.bob);
  EXPECT_TRUE(answer.media[0].rtcp_mux());
  EXPECT_FALSE(call.alice.negotiated()->bundle);
  EXPECT_EQ(call.alice.negotiated()->streams[0].remote_rtcp(), SocketAddress::parse("198.51.100.2:20000"));
  auto reoffer = call.alice.create_offer();
  EXPECT_FALSE(reoffer->media[0].rtcp());  // mux agreed: no a=rtcp any more
}

TEST(Negotiator, SdesKeysAreExchangedWhenSrtpIsRequired) {
  NegotiatorConfig alices = config_for("192.0.2.1");
  alices.srtp = SrtpMode::required;
  NegotiatorConfig bobs = config_for("198.51.100.2");
  bobs.srtp = SrtpMode::required;
  bobs.crypto_suites = {"AES_CM_128_HMAC_SHA1_32", "AES_CM_128_HMAC_SHA1_80"};
  Call call(alices, bobs);
  call.alice.add_stream({.media = "audio", .port = 16384});
  call.bob.add_stream({.media = "audio", .port = 20000});
  auto [offer, answer] = call.exchange(call.alice, call.bob);
  EXPECT_EQ(offer.media[0].proto, "RTP/SAVP");
  ASSERT_EQ(offer.media[0].cryptos().size(), 2u);
  EXPECT_EQ(offer.media[0].cryptos()[0].suite, "AES_CM_128_HMAC_SHA1_80");
  ASSERT_EQ(answer.media[0].cryptos().size(), 1u);
  EXPECT_EQ(answer.media[0].proto, "RTP/SAVP");
  // Bob takes the first offered line he supports, with its tag, and his own key.
  const Crypto chosen = answer.media[0].cryptos()[0];
  EXPECT_EQ(chosen.tag, 1u);
  EXPECT_EQ(chosen.suite, "AES_CM_128_HMAC_SHA1_80");
  const SrtpKeys& a = *call.alice.negotiated()->streams[0].srtp;
  const SrtpKeys& b = *call.bob.negotiated()->streams[0].srtp;
  EXPECT_EQ(a.suite, "AES_CM_128_HMAC_SHA1_80");
  EXPECT_EQ(a.local_key_salt.size(), 30u);
  EXPECT_EQ(a.local_key_salt, b.remote_key_salt);
  EXPECT_EQ(a.remote_key_salt, b.local_key_salt);
  EXPECT_NE(a.local_key_salt, a.remote_key_salt);
  EXPECT_EQ(a.remote_key_salt, chosen.keys[0].key_salt);
  // Re-offers keep the keys (no re-keying for a hold).
  call.alice.hold();
  call.exchange(call.alice, call.bob);
  EXPECT_EQ(call.alice.negotiated()->streams[0].srtp->local_key_salt, a.local_key_salt);
  EXPECT_EQ(call.bob.negotiated()->streams[0].srtp->local_key_salt, b.local_key_salt);
}

TEST(Negotiator, SrtpPolicyRejectsTheWrongProfile) {
  NegotiatorConfig secure = config_for("198.51.100.2");
  secure.srtp = SrtpMode::required;
  Call call(config_for("192.0.2.1"), secure);
  call.alice.add_stream({.media = "audio", .port = 16384});
  call.bob.add_stream({.media = "audio", .port = 20000});
  auto answer = call.bob.create_answer(wire(*call.alice.create_offer()));
  ASSERT_FALSE(answer);
  EXPECT_EQ(answer.error().code, NegotiationErrorCode::no_acceptable_media);

  NegotiatorConfig plain = config_for("198.51.100.2");
  plain.srtp = SrtpMode::off;
  SeededRng rng(7);
  Negotiator off(plain, rng);
  off.add_stream({.media = "audio", .port = 20000});
  auto rfc4568 = test::must_parse(test::crlf(
      "v=0\no=sam 1 1 IN IP4 10.47.16.5\ns=-\nc=IN IP4 168.2.17.12\nt=0 0\nm=audio 49170 RTP/SAVP 111\n"
      "a=rtpmap:111 opus/48000/2\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32\n"));
  EXPECT_EQ(off.create_answer(rfc4568).error().code, NegotiationErrorCode::no_acceptable_media);

  // SrtpMode::optional answers it, skipping unusable lines (RFC 4568 §3's 33-byte key).
  SeededRng rng2(8);
  Negotiator opt(config_for("198.51.100.2"), rng2);
  opt.add_stream({.media = "audio", .port = 20000});
  auto mixed = rfc4568;
  mixed.media[0].attributes.insert(mixed.media[0].attributes.begin() + 1,
                                   Attribute{"crypto", "7 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVzcyAo"});
  auto answer2 = opt.create_answer(mixed);
  ASSERT_TRUE(answer2);
  EXPECT_EQ(answer2->media[0].cryptos()[0].tag, 1u);
  EXPECT_EQ(opt.negotiated()->streams[0].srtp->remote_key_salt.size(), 30u);
}

TEST(Negotiator, GlareAndOutOfTurnCallsAreTypedErrors) {
  Call call;
  call.alice.add_stream({.media = "audio", .port = 16384});
  call.bob.add_stream({.media = "audio", .port = 20000});
  EXPECT_EQ(call.alice.accept_answer(SessionDescription{}).error().code, NegotiationErrorCode::no_offer_pending);
  auto alice_offer = call.alice.create_offer();
  auto bob_offer = call.bob.create_offer();
  auto glare = call.alice.create_answer(wire(*bob_offer));
  ASSERT_FALSE(glare);
  EXPECT_EQ(glare.error().code, NegotiationErrorCode::offer_pending);
  EXPECT_EQ(glare.error().sip_status(), 491);
  EXPECT_EQ(call.alice.create_offer().error().code, NegotiationErrorCode::offer_pending);
  call.alice.cancel_offer();
  EXPECT_TRUE(call.alice.create_offer());
}

TEST(Negotiator, AnswersThatDoNotFitTheOfferAreRejected) {
  Call call;
  call.alice.add_stream({.media = "audio", .port = 16384});
  call.bob.add_stream({.media = "audio", .port = 20000});
  auto offer = call.alice.create_offer();
  auto answer = *call.bob.create_answer(wire(*offer));
  auto extra = answer;
  extra.media.push_back(extra.media[0]);
  EXPECT_EQ(call.alice.accept_answer(extra).error().code, NegotiationErrorCode::answer_mismatch);
  auto other_type = answer;
  other_type.media[0].media = "video";
  EXPECT_EQ(call.alice.accept_answer(other_type).error().code, NegotiationErrorCode::answer_mismatch);
  auto unknown_pt = answer;
  unknown_pt.media[0].formats = {"99"};
  EXPECT_EQ(call.alice.accept_answer(unknown_pt).error().sip_status(), 0);
  EXPECT_TRUE(call.alice.offer_pending());  // still waiting for a usable answer
  EXPECT_TRUE(call.alice.accept_answer(answer));
}

TEST(Negotiator, IceRestartChangesCredentials) {
  Call call;
  call.alice.add_stream({.media = "audio", .port = 16384});
  call.bob.add_stream({.media = "audio", .port = 20000});
  auto [first, answer] = call.exchange(call.alice, call.bob);
  const IceCredentials before = call.alice.local_ice();
  call.alice.restart_ice();
  auto [second, answer2] = call.exchange(call.alice, call.bob);
  EXPECT_NE(second.ice_ufrag(), before.ufrag);
  EXPECT_EQ(call.bob.negotiated()->streams[0].remote_ice, call.alice.local_ice());
  EXPECT_EQ(second.origin.session_version, first.origin.session_version + 1);
}

TEST(Negotiator, IceCanBeLeftOut) {
  NegotiatorConfig c = config_for("192.0.2.1");
  c.ice = false;
  c.offer_bundle = false;
  c.offer_rtcp_mux = false;
  c.audio_ptime = 20;
  SeededRng rng(9);
  Negotiator n(c, rng);
  n.add_stream({.media = "audio", .port = 16384, .candidates = {host("192.0.2.1", 16384)}});
  auto offer = n.create_offer();
  ASSERT_TRUE(offer);
  EXPECT_EQ(serialize(*offer).find("ice"), std::string::npos);
  EXPECT_TRUE(offer->media[0].candidates().empty());
  EXPECT_FALSE(offer->media[0].mid());
  EXPECT_EQ(offer->media[0].ptime(), 20.0);
}

}  // namespace
}  // namespace confab::sdp
