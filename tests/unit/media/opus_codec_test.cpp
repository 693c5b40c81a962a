// Opus through libopus: a tone survives the round trip at its frequency,
// the delay equals the encoder's lookahead, loss is concealed or recovered
// from FEC, and the RFC 7587 fmtp parameters parse and print.
#include <gtest/gtest.h>

#include <cmath>
#include <iostream>
#include <numbers>

#include "media/opus_codec.hpp"
#include "media/tone.hpp"

namespace confab::media {
namespace {

struct RoundTrip {
  std::vector<std::int16_t> sent, received;
  std::size_t bytes = 0;
};

RoundTrip round_trip(int frames, OpusEncoderConfig cfg = {}, double freq = 440) {
  auto enc = OpusEncoder::create(cfg);
  auto dec = OpusDecoder::create(cfg.channels);
  EXPECT_TRUE(enc && dec);
  ToneGenerator tone(freq, 0.5, 48000, cfg.channels);
  RoundTrip rt;
  for (int i = 0; i < frames; ++i) {
    auto pcm = tone.next(opus_frame_samples);
    auto packet = enc->encode(pcm);
    EXPECT_TRUE(packet) << packet.error().message;
    rt.bytes += packet->size();
    auto out = dec->decode(*packet);
    EXPECT_TRUE(out) << out.error().message;
    EXPECT_EQ(out->size(), pcm.size());
    rt.sent.insert(rt.sent.end(), pcm.begin(), pcm.end());
    rt.received.insert(rt.received.end(), out->begin(), out->end());
  }
  return rt;
}

TEST(Opus, A440HzToneIsStill440HzAfterTheRoundTrip) {
  const auto rt = round_trip(50);  // 1 s
  // Skip the first 100 ms: the encoder's start-up.
  const std::span<const std::int16_t> tail(rt.received.data() + 4800, rt.received.size() - 4800);
  EXPECT_NEAR(dominant_frequency(tail, 48000), 440, 5.0);
}

TEST(Opus, DecodedAudioLagsByTheLookaheadAndCorrelatesWithTheOriginal) {
  auto enc = OpusEncoder::create({});
  ASSERT_TRUE(enc);
  const int lookahead = enc->lookahead();
  // libopus 1.3, VOIP, 48 kHz: 2.5 ms delay compensation + 4 ms of SILK/CELT lookahead.
  EXPECT_EQ(lookahead, 312);

  // A chirp (200 Hz rising 1800 Hz/s): never repeats, so exactly one
  // alignment fits, unlike a tone or a sum of tones.
  auto encoder = OpusEncoder::create({});
  auto decoder = OpusDecoder::create(1);
  std::vector<std::int16_t> sent, received;
  double phase = 0;
  for (int i = 0; i < 50; ++i) {
    std::vector<std::int16_t> pcm(opus_frame_samples);
    for (int k = 0; k < opus_frame_samples; ++k) {
      const double t = (i * opus_frame_samples + k) / 48000.0;
      phase += 2 * std::numbers::pi * (200 + 1800 * t) / 48000.0;
      pcm[static_cast<std::size_t>(k)] = static_cast<std::int16_t>(12000 * std::sin(phase));
    }
    auto out = decoder->decode(*encoder->encode(pcm));
    ASSERT_TRUE(out);
    sent.insert(sent.end(), pcm.begin(), pcm.end());
    received.insert(received.end(), out->begin(), out->end());
  }
  // Compare 0.1 s .. 0.9 s against the output, over lags up to 1000 samples.
  const std::span<const std::int16_t> a(sent.data() + 4800, 38400);
  const std::span<const std::int16_t> b(received.data() + 4800, 38400);
  const Correlation c = normalized_cross_correlation(a, b, 1000);
  std::cout << "[ measured ] Opus 32 kbit/s VOIP: decoded lags by " << c.lag << " samples ("
            << c.lag / 48.0 << " ms), correlation " << c.coefficient << "\n";
  // Measured: lag 309, correlation 0.997 (16, 32 and 64 kbit/s alike); the
  // 3 samples short of the lookahead are the phase of the encoder's
  // high-pass input filter.
  EXPECT_GT(c.coefficient, 0.8);
  EXPECT_NEAR(c.lag, lookahead, 5);
}

TEST(Opus, StereoRoundTrip) {
  OpusEncoderConfig cfg;
  cfg.channels = 2;
  cfg.bitrate = 64000;
  const auto rt = round_trip(25, cfg, 1000);
  EXPECT_EQ(rt.received.size(), 25u * 960 * 2);
  std::vector<std::int16_t> left;
  for (std::size_t i = 4800 * 2; i < rt.received.size(); i += 2) left.push_back(rt.received[i]);
  EXPECT_NEAR(dominant_frequency(left, 48000), 1000, 5.0);
}

TEST(Opus, PacketSizeFollowsTheBitrate) {
  OpusEncoderConfig cfg;
  cfg.bitrate = 16000;
  const auto low = round_trip(50, cfg);
  cfg.bitrate = 64000;
  const auto high = round_trip(50, cfg);
  // 16 kbit/s × 1 s = 2000 bytes; VBR stays within a generous margin.
  EXPECT_NEAR(static_cast<double>(low.bytes), 2000.0, 600.0);
  EXPECT_GT(high.bytes, 2 * low.bytes);
}

TEST(Opus, WrongFrameSizeIsNamed) {
  auto enc = OpusEncoder::create({});
  ASSERT_TRUE(enc);
  std::vector<std::int16_t> pcm(480);
  auto r = enc->encode(pcm);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "opus encode: 480 samples, a 20 ms frame of 1 channel(s) is 960");
}

TEST(Opus, BadSettingsAreNamed) {
  OpusEncoderConfig cfg;
  cfg.channels = 3;
  EXPECT_EQ(OpusEncoder::create(cfg).error().message, "opus encoder: 3 channels (1 or 2 only)");
  auto enc = OpusEncoder::create({});
  ASSERT_TRUE(enc);
  EXPECT_EQ(enc->set_bitrate(1000).error().message, "opus encoder: bitrate 1000 bit/s is not in 6000..510000");
  EXPECT_FALSE(enc->set_packet_loss_percent(101));
  EXPECT_TRUE(enc->set_bitrate(24000));
  EXPECT_FALSE(OpusDecoder::create(0));
}

TEST(Opus, PacketDurationIsReadFromTheToc) {
  auto enc = OpusEncoder::create({});
  ASSERT_TRUE(enc);
  ToneGenerator tone(440, 0.5, 48000);
  auto packet = enc->encode(tone.next(960));
  ASSERT_TRUE(packet);
  auto n = opus_packet_samples(*packet);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 960);
  EXPECT_FALSE(opus_packet_samples(Bytes{}));
}

TEST(Opus, GarbageAndEmptyPayloadsAreErrorsNotCrashes) {
  auto dec = OpusDecoder::create(1);
  ASSERT_TRUE(dec);
  EXPECT_EQ(dec->decode(Bytes{}).error().message, "opus decode: empty payload (a lost packet is conceal()ed)");
  // TOC code 3 (arbitrary frame count) with a frame count of 0: invalid.
  auto r = dec->decode(Bytes{0x03, 0x00});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("opus: decode: "), std::string::npos) << r.error().message;
}

TEST(Opus, ConcealmentFillsALostFrame) {
  auto enc = OpusEncoder::create({});
  auto dec = OpusDecoder::create(1);
  ToneGenerator tone(440, 0.5, 48000);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(dec->decode(*enc->encode(tone.next(960))));
  auto plc = dec->conceal();
  ASSERT_TRUE(plc) << plc.error().message;
  ASSERT_EQ(plc->size(), 960u);
  // The concealed frame continues the tone rather than going silent.
  EXPECT_GT(goertzel_power(*plc, 48000, 440), 0.01);
  EXPECT_FALSE(dec->conceal(100));
}

TEST(Opus, InbandFecRecoversALostFrameFromTheNextPacket) {
  OpusEncoderConfig cfg;
  cfg.inband_fec = true;
  cfg.packet_loss_percent = 20;
  cfg.bitrate = 32000;
  auto enc = OpusEncoder::create(cfg);
  auto dec = OpusDecoder::create(1);
  ASSERT_TRUE(enc && dec);
  ToneGenerator tone(440, 0.5, 48000);
  std::vector<Bytes> packets;
  for (int i = 0; i < 30; ++i) packets.push_back(*enc->encode(tone.next(960)));
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(dec->decode(packets[static_cast<std::size_t>(i)]));
  // Packet 20 is lost; 21 arrives and carries a coarse copy of 20.
  auto recovered = dec->decode_fec(packets[21]);
  ASSERT_TRUE(recovered) << recovered.error().message;
  ASSERT_EQ(recovered->size(), 960u);
  EXPECT_NEAR(dominant_frequency(*recovered, 48000), 440, 5.0);
  auto next = dec->decode(packets[21]);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->size(), 960u);
}

TEST(OpusFmtp, ParsesWhatBrowsersSend) {
  auto f = OpusFmtp::parse("minptime=10;useinbandfec=1");
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_EQ(f->minptime, 10);
  EXPECT_TRUE(f->useinbandfec);
  EXPECT_FALSE(f->stereo);
  EXPECT_EQ(f->format(), "minptime=10;useinbandfec=1");
}

TEST(OpusFmtp, EveryRfc7587ParameterRoundTrips) {
  const std::string text =
      "minptime=10;ptime=20;maxplaybackrate=16000;sprop-maxcapturerate=16000;maxaveragebitrate=20000;"
      "stereo=1;sprop-stereo=1;cbr=1;useinbandfec=1;usedtx=1;x-google-foo=bar";
  auto f = OpusFmtp::parse(text);
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_EQ(f->maxaveragebitrate, 20000);
  EXPECT_EQ(f->maxplaybackrate, 16000);
  EXPECT_TRUE(f->stereo && f->sprop_stereo && f->cbr && f->usedtx);
  ASSERT_EQ(f->other.size(), 1u);
  EXPECT_EQ(f->format(), text);
  EXPECT_EQ(OpusFmtp{}.format(), "");
}

TEST(OpusFmtp, SpacesAndEmptyItemsAreTolerated) {
  auto f = OpusFmtp::parse(" stereo = 1 ; ; useinbandfec=0;");
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_TRUE(f->stereo);
  EXPECT_FALSE(f->useinbandfec);
}

TEST(OpusFmtp, BadValuesAreNamed) {
  EXPECT_EQ(OpusFmtp::parse("useinbandfec=2").error().message, "opus fmtp: useinbandfec=2 is not 0 or 1");
  EXPECT_EQ(OpusFmtp::parse("maxaveragebitrate=1k").error().message,
            "opus fmtp: maxaveragebitrate=1k is not a bitrate in 6000..510000");
  EXPECT_EQ(OpusFmtp::parse("stereo").error().message, "opus fmtp: 'stereo' is not name=value");
}

}  // namespace
}  // namespace confab::media
