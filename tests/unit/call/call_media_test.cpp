// Two parties negotiate with real SDP, connect with ICE and exchange Opus
// (and VP8) over RTP, on a fake network with a fake clock.
#include "call_test_util.hpp"
#include "media/pattern.hpp"
#include "media/tone.hpp"

namespace confab::call {
namespace {

using namespace test;

TEST(CallMedia, AnAudioCallConnectsAndCarriesTheTone) {
  auto a = party(true, "192.0.2.1", false);
  auto b = party(false, "192.0.2.2", false);
  a.media.audio_source = open_audio_source("tone:440").value();
  auto sink = std::make_shared<MemoryAudioSink>();
  b.media.audio_sink = sink;
  CallPair call(a, b);
  ASSERT_TRUE(call.negotiate());
  EXPECT_NE(call.offer_.find("a=rtcp-mux"), std::string::npos);
  EXPECT_NE(call.offer_.find("a=candidate:"), std::string::npos);
  EXPECT_NE(call.offer_.find("opus/48000/2"), std::string::npos);
  ASSERT_TRUE(call.run_until([&] { return has(call.events_a, MediaEvent::Kind::connected) &&
                                          has(call.events_b, MediaEvent::Kind::first_media); }, 5s));
  EXPECT_EQ(call.a().state(), CallMediaState::connected);
  call.run_for(2s);
  // rtcp-mux agreed: one component, one socket per side.
  auto paths = call.a().paths();
  ASSERT_EQ(paths.size(), 1u);
  ASSERT_TRUE(paths[0].pair);
  EXPECT_TRUE(paths[0].rtcp_mux);
  EXPECT_EQ(paths[0].pair->local.base, sa("192.0.2.1:16384"));
  EXPECT_EQ(paths[0].pair->remote.address, sa("192.0.2.2:16384"));

  ASSERT_GT(sink->samples.size(), 48000u);  // over a second played out
  const double f = media::dominant_frequency(sink->samples, 48000);
  EXPECT_NEAR(f, 440.0, 5.0);
  auto rb = call.b().plane().report(call.now());
  ASSERT_EQ(rb.size(), 1u);
  EXPECT_GT(rb[0].packets_received, 90u);
  EXPECT_EQ(rb[0].packets_lost, 0);
  EXPECT_EQ(rb[0].srtp_failures, 0u);
  auto ra = call.a().plane().report(call.now());
  ASSERT_TRUE(ra[0].rtt_ms);  // from B's receiver reports
  EXPECT_NEAR(*ra[0].rtt_ms, 20.0, 5.0);
}

}  // namespace
}  // namespace confab::call

namespace confab::call {
namespace {

using namespace test;

TEST(CallMedia, AVideoCallBundlesOntoOneSocketAndDeliversNumberedFrames) {
  auto a = party(true, "192.0.2.1", true);
  auto b = party(false, "192.0.2.2", true);
  a.media.audio_source = open_audio_source("tone:440").value();
  a.media.video_source = open_video_source("pattern:160x120@15").value();
  auto frames = std::make_shared<MemoryVideoSink>();
  b.media.video_sink = frames;
  CallPair call(a, b);
  ASSERT_TRUE(call.negotiate());
  EXPECT_NE(call.offer_.find("a=group:BUNDLE"), std::string::npos);
  EXPECT_NE(call.offer_.find("VP8/90000"), std::string::npos);
  ASSERT_TRUE(call.run_until([&] { return call.a().state() == CallMediaState::connected; }, 5s));
  call.run_for(2s);
  auto paths = call.b().paths();
  ASSERT_EQ(paths.size(), 2u);
  EXPECT_EQ(paths[1].media, "video");
  EXPECT_TRUE(paths[1].bundled);
  ASSERT_GT(frames->frames.size(), 20u);
  // Frames arrive in order, numbered by the pattern.
  std::optional<std::uint16_t> last;
  for (const auto& f : frames->frames) {
    auto n = media::read_frame_number(f);
    ASSERT_TRUE(n);
    if (last) EXPECT_GT(*n, *last);
    last = n;
  }
  auto rb = call.b().plane().report(call.now());
  ASSERT_EQ(rb.size(), 2u);
  EXPECT_EQ(rb[1].media, "video");
  EXPECT_GT(rb[1].packets_received, 20u);
}

TEST(CallMedia, LostVideoPacketsAreNackedAndRetransmitted) {
  auto a = party(true, "192.0.2.1", true);
  auto b = party(false, "192.0.2.2", true);
  a.media.video_source = open_video_source("pattern:160x120@15").value();
  auto frames = std::make_shared<MemoryVideoSink>();
  b.media.video_sink = frames;
  CallPair call(a, b);
  int n = 0;
  // Every 10th RTP packet from A is lost (STUN and RTCP get through).
  call.drop = [&](const Transmit& t) {
    const bool rtp = !t.bytes.empty() && t.bytes[0] >= 128 && t.bytes.size() > 1 && (t.bytes[1] & 0x7f) == 96;
    return rtp && t.local.ip == sa("192.0.2.1:0").ip && ++n % 10 == 0;
  };
  ASSERT_TRUE(call.negotiate());
  call.run_for(3s);
  auto ra = call.a().plane().report(call.now());
  auto rb = call.b().plane().report(call.now());
  EXPECT_GT(rb[1].nacks_sent, 0u);
  EXPECT_GT(ra[1].retransmitted, 0u);
  EXPECT_GT(frames->frames.size(), 30u);  // repaired: the stream keeps playing
}

TEST(CallMedia, SrtpRequiredProtectsEveryPacket) {
  auto a = party(true, "192.0.2.1", false);
  auto b = party(false, "192.0.2.2", false);
  a.srtp = b.srtp = sdp::SrtpMode::required;
  a.media.audio_source = open_audio_source("tone:600").value();
  auto sink = std::make_shared<MemoryAudioSink>();
  b.media.audio_sink = sink;
  CallPair call(a, b);
  ASSERT_TRUE(call.negotiate());
  EXPECT_NE(call.offer_.find("RTP/SAVP"), std::string::npos);
  EXPECT_NE(call.offer_.find("a=crypto:"), std::string::npos);
  call.run_for(2s);
  auto rb = call.b().plane().report(call.now());
  EXPECT_TRUE(rb[0].srtp);
  EXPECT_GT(rb[0].packets_received, 50u);
  EXPECT_EQ(rb[0].srtp_failures, 0u);
  EXPECT_NEAR(media::dominant_frequency(sink->samples, 48000), 600.0, 5.0);
}

TEST(CallMedia, WithoutRtcpMuxRtcpUsesTheSecondComponent) {
  auto a = party(true, "192.0.2.1", false);
  auto b = party(false, "192.0.2.2", false);
  a.offer_rtcp_mux = false;
  CallPair call(a, b);
  ASSERT_TRUE(call.negotiate());
  EXPECT_EQ(call.offer_.find("a=rtcp-mux"), std::string::npos);
  ASSERT_TRUE(call.run_until([&] { return call.a().state() == CallMediaState::connected; }, 5s));
  call.run_for(3s);
  auto paths = call.a().paths();
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_FALSE(paths[0].rtcp_mux);
  auto ra = call.a().plane().report(call.now());
  EXPECT_TRUE(ra[0].rtt_ms);  // B's reports reached A over component 2
}

TEST(CallMedia, NoPathFailsWithAReason) {
  auto a = party(true, "192.0.2.1", false);
  auto b = party(false, "192.0.2.2", false);
  a.ice.check_transmissions = 2;  // fail quickly
  b.ice.check_transmissions = 2;
  a.ice.check_rm = 2;
  b.ice.check_rm = 2;
  CallPair call(a, b);
  call.drop = [](const Transmit&) { return true; };
  ASSERT_TRUE(call.negotiate());
  ASSERT_TRUE(call.run_until([&] { return call.a().state() == CallMediaState::failed; }, 60s));
  ASSERT_TRUE(has(call.events_a, MediaEvent::Kind::failed));
  const auto& why = std::ranges::find_if(call.events_a, [](const MediaEvent& e) {
                      return e.kind == MediaEvent::Kind::failed;
                    })->detail;
  EXPECT_NE(why.find("no direct path"), std::string::npos) << why;
  EXPECT_NE(why.find("relay"), std::string::npos) << why;
}

TEST(CallMedia, AMalformedAnswerIsRefusedWithAClearError) {
  auto a = party(true, "192.0.2.1", false);
  SeededRng rng(3);
  CallMedia m(a, rng, t0);
  ASSERT_TRUE(m.ready());
  ASSERT_TRUE(m.create_offer(t0));
  auto err = m.accept_answer(t0, "v=0\r\nthis is not sdp\r\n");
  ASSERT_TRUE(err);
  EXPECT_EQ(err->sip_status, 400);
  EXPECT_NE(err->message.find("malformed SDP answer"), std::string::npos) << err->message;
  EXPECT_EQ(m.state(), CallMediaState::failed);
}

}  // namespace
}  // namespace confab::call

namespace confab::call {
namespace {

using namespace test;

// RFC 3264 §8.4: A holds (sendonly), B answers recvonly and stops sending;
// A resumes and B sends again. ICE keeps its pair throughout.
TEST(CallMedia, HoldAndResumeWithReOffers) {
  auto a = party(true, "192.0.2.1", false);
  auto b = party(false, "192.0.2.2", false);
  CallPair call(a, b);
  ASSERT_TRUE(call.negotiate());
  ASSERT_TRUE(call.run_until([&] { return call.a().state() == CallMediaState::connected; }, 5s));
  call.run_for(1s);
  auto sent_by_b = [&] { return call.b().plane().report(call.now())[0].packets_sent; };
  auto sent_by_a = [&] { return call.a().plane().report(call.now())[0].packets_sent; };

  auto hold = call.a().create_reoffer(call.now(), true);
  ASSERT_TRUE(hold);
  EXPECT_NE(hold->find("a=sendonly"), std::string::npos);
  EXPECT_EQ(call.b().receive_offer(call.now(), *hold), std::nullopt);
  auto held = call.b().create_answer(call.now());
  ASSERT_TRUE(held);
  EXPECT_NE(held->find("a=recvonly"), std::string::npos);
  ASSERT_EQ(call.a().accept_answer(call.now(), *held), std::nullopt);
  EXPECT_TRUE(call.a().on_hold());
  call.run_for(100ms);
  const auto b_before = sent_by_b(), a_before = sent_by_a();
  call.run_for(1s);
  EXPECT_EQ(sent_by_b(), b_before);           // the held side is silent
  EXPECT_GE(sent_by_a(), a_before + 45);      // the holder may still send (music on hold)

  auto resume = call.a().create_reoffer(call.now(), false);
  ASSERT_TRUE(resume);
  EXPECT_NE(resume->find("a=sendrecv"), std::string::npos);
  ASSERT_EQ(call.b().receive_offer(call.now(), *resume), std::nullopt);
  auto resumed = call.b().create_answer(call.now());
  ASSERT_TRUE(resumed);
  ASSERT_EQ(call.a().accept_answer(call.now(), *resumed), std::nullopt);
  call.run_for(1s);
  EXPECT_GE(sent_by_b(), b_before + 45);
  EXPECT_EQ(call.a().state(), CallMediaState::connected);
}

}  // namespace
}  // namespace confab::call

namespace confab::call {
namespace {

using namespace test;

// What iChat called optimising the AV streams: heavy loss reported by the
// peer brings the video bitrate down, to the floor at most; audio's FEC is
// told the loss.
TEST(CallMedia, ReportedLossLowersTheVideoBitrate) {
  auto a = party(true, "192.0.2.1", true);
  auto b = party(false, "192.0.2.2", true);
  a.media.video_source = open_video_source("pattern:160x120@15").value();
  a.media.video_bitrate_kbps = 400;
  a.media.video_min_bitrate_kbps = 100;
  CallPair call(a, b);
  int n = 0;
  call.drop = [&](const Transmit& t) {  // a fifth of A's video RTP is lost
    const bool video_rtp = t.bytes.size() > 1 && t.bytes[0] >= 128 && (t.bytes[1] & 0x7f) == 96;
    return video_rtp && t.local.ip == sa("192.0.2.1:0").ip && ++n % 5 == 0;
  };
  ASSERT_TRUE(call.negotiate());
  call.run_for(8s);
  auto ra = call.a().plane().report(call.now());
  ASSERT_EQ(ra.size(), 2u);
  ASSERT_TRUE(ra[1].remote_loss_percent);
  EXPECT_LT(ra[1].current_bitrate_kbps, 400);
  EXPECT_GE(ra[1].current_bitrate_kbps, 100);
}

}  // namespace
}  // namespace confab::call

namespace confab::call {
namespace {

using namespace test;

// Before anything is lost, a round trip far above the path's own (a queue
// filling) brings the video bitrate down too.
TEST(CallMedia, AGrowingRoundTripLowersTheVideoBitrate) {
  auto a = party(true, "192.0.2.1", true);
  auto b = party(false, "192.0.2.2", true);
  a.media.video_source = open_video_source("pattern:160x120@15").value();
  a.media.video_bitrate_kbps = 400;
  CallPair call(a, b, 10ms);
  ASSERT_TRUE(call.negotiate());
  call.run_for(4s);
  EXPECT_EQ(call.a().plane().report(call.now())[1].current_bitrate_kbps, 400);
  call.set_delay(150ms);  // RTT 20 ms -> 300 ms
  call.run_for(5s);
  auto ra = call.a().plane().report(call.now());
  ASSERT_TRUE(ra[1].rtt_ms);
  EXPECT_GT(*ra[1].rtt_ms, 250);
  EXPECT_LT(ra[1].current_bitrate_kbps, 400);
}

}  // namespace
}  // namespace confab::call

namespace confab::call {
namespace {

using namespace test;

// A sender starved for 300 ms at a time (a loaded machine) skips frames but
// keeps its RTP clock on real time, so the receiver's playout stays in step:
// what arrives is played, not concealed as late.
TEST(CallMedia, ASenderThatStallsKeepsItsClockAndTheReceiverKeepsPlaying) {
  auto a = party(true, "192.0.2.1", false);
  auto b = party(false, "192.0.2.2", false);
  a.media.audio_source = open_audio_source("tone:440").value();
  auto sink = std::make_shared<MemoryAudioSink>();
  b.media.audio_sink = sink;
  CallPair call(a, b);
  ASSERT_TRUE(call.negotiate());
  call.run_for(1s);
  for (int i = 0; i < 5; ++i) {
    call.stall(300ms);
    call.run_for(700ms);
  }
  auto rb = call.b().plane().report(call.now());
  ASSERT_EQ(rb.size(), 1u);
  // 4.5 s of call with 1.5 s of stalls: about 3 s of packets, nearly all played.
  EXPECT_GT(rb[0].frames_played, 130u);
  EXPECT_GT(static_cast<double>(rb[0].frames_played) / static_cast<double>(rb[0].packets_received), 0.9);
}

}  // namespace
}  // namespace confab::call
