// VP8 through libvpx: the test pattern's frame number survives 300 kbit/s,
// keyframes come on request, the rate follows the target, and bad input
// to the decoder is an error, never a crash.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <iostream>

#include "media/pattern.hpp"
#include "media/vp8_codec.hpp"

namespace confab::media {
namespace {

double psnr(const I420Frame& a, const I420Frame& b) {
  double se = 0;
  for (std::size_t i = 0; i < a.y.size(); ++i) {
    const double d = static_cast<double>(a.y[i]) - b.y[i];
    se += d * d;
  }
  const double mse = se / static_cast<double>(a.y.size());
  return mse == 0 ? 99.0 : 10 * std::log10(255.0 * 255.0 / mse);
}

TEST(Vp8, PatternFrameNumbersSurvive300kbitAt320x240) {
  Vp8EncoderConfig cfg;  // 320x240, 30 fps, 300 kbit/s
  auto enc = Vp8Encoder::create(cfg);
  ASSERT_TRUE(enc) << enc.error().message;
  auto dec = Vp8Decoder::create();
  ASSERT_TRUE(dec) << dec.error().message;
  TestPattern pattern(320, 240);
  constexpr int frames = 90;
  std::size_t bytes = 0;
  double worst_psnr = 99, encode_seconds = 0;
  for (int n = 0; n < frames; ++n) {
    const I420Frame picture = pattern.frame(static_cast<std::uint32_t>(n));
    const auto t0 = std::chrono::steady_clock::now();
    auto out = enc->encode(picture);
    encode_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ASSERT_TRUE(out) << out.error().message;
    ASSERT_EQ(out->size(), 1u) << "frame " << n;
    EXPECT_EQ((*out)[0].keyframe, n == 0) << "frame " << n;
    bytes += (*out)[0].data.size();
    auto decoded = dec->decode((*out)[0].data);
    ASSERT_TRUE(decoded) << decoded.error().message;
    ASSERT_TRUE(decoded->has_value());
    EXPECT_EQ(read_frame_number(**decoded), n) << "frame " << n;
    if (n >= 10) worst_psnr = std::min(worst_psnr, psnr(picture, **decoded));
  }
  const double kbps = static_cast<double>(bytes) * 8 / (frames / 30.0) / 1000;
  std::cout << "[ measured ] VP8 320x240 cpu_used 8: " << frames / encode_seconds << " frames/s encoded, "
            << kbps << " kbit/s for a 300 kbit/s target, worst luma PSNR " << worst_psnr << " dB\n";
  EXPECT_GT(kbps, 150);
  EXPECT_LT(kbps, 450);
  EXPECT_GT(worst_psnr, 25);
}

TEST(Vp8, KeyframeOnRequestAndBitrateAtRuntime) {
  auto enc = Vp8Encoder::create({});
  ASSERT_TRUE(enc);
  TestPattern pattern(320, 240);
  for (std::uint32_t n = 0; n < 5; ++n) ASSERT_TRUE(enc->encode(pattern.frame(n)));
  enc->request_keyframe();
  auto k = enc->encode(pattern.frame(5));
  ASSERT_TRUE(k && k->size() == 1);
  EXPECT_TRUE((*k)[0].keyframe);
  auto d = enc->encode(pattern.frame(6));
  EXPECT_FALSE((*d)[0].keyframe);

  ASSERT_TRUE(enc->set_bitrate_kbps(100));
  EXPECT_EQ(enc->config().bitrate_kbps, 100);
  EXPECT_EQ(enc->set_bitrate_kbps(1).error().message, "vp8 encoder: 1 kbit/s is not in 10..100000");
}

TEST(Vp8, LowerTargetGivesSmallerFrames) {
  auto size_at = [](int kbps) {
    Vp8EncoderConfig cfg;
    cfg.bitrate_kbps = kbps;
    auto enc = Vp8Encoder::create(cfg);
    TestPattern pattern(320, 240);
    std::size_t total = 0;
    for (std::uint32_t n = 0; n < 60; ++n) {
      auto out = enc->encode(pattern.frame(n));
      for (const auto& f : *out) {
        if (n >= 30) total += f.data.size();  // after the rate control settled
      }
    }
    return total;
  };
  EXPECT_LT(size_at(100) * 2, size_at(600));
}

TEST(Vp8, ConfigAndFrameSizeErrorsAreNamed) {
  Vp8EncoderConfig cfg;
  cfg.width = 0;
  EXPECT_EQ(Vp8Encoder::create(cfg).error().message, "vp8 encoder: size 0x240 is not in 2..16383");
  auto enc = Vp8Encoder::create({});
  ASSERT_TRUE(enc);
  auto r = enc->encode(I420Frame::filled(640, 480));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "vp8 encode: 640x480 picture (planes 307200/76800/76800 bytes) but the encoder is 320x240");
}

TEST(Vp8, OddSizesEncodeAndDecode) {
  Vp8EncoderConfig cfg;
  cfg.width = 177;
  cfg.height = 145;
  auto enc = Vp8Encoder::create(cfg);
  auto dec = Vp8Decoder::create();
  ASSERT_TRUE(enc && dec);
  TestPattern pattern(177, 145);
  auto out = enc->encode(pattern.frame(42));
  ASSERT_TRUE(out && out->size() == 1);
  auto f = dec->decode((*out)[0].data);
  ASSERT_TRUE(f && f->has_value()) << (f ? "" : f.error().message);
  EXPECT_EQ((*f)->width, 177);
  EXPECT_EQ((*f)->u.size(), 89u * 73u);
  EXPECT_EQ(read_frame_number(**f), 42);
}

TEST(Vp8Decoder, BadInputIsAnErrorAndTheDecoderRecoversOnAKeyframe) {
  auto enc = Vp8Encoder::create({});
  auto dec = Vp8Decoder::create();
  ASSERT_TRUE(enc && dec);
  TestPattern pattern(320, 240);
  const Bytes key = (*enc->encode(pattern.frame(0)))[0].data;
  const Bytes delta = (*enc->encode(pattern.frame(1)))[0].data;

  auto r = dec->decode(delta);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "vp8 decode of frame 0: delta frame while waiting for a keyframe");
  EXPECT_FALSE(dec->decode(Bytes{0x00}));
  EXPECT_EQ(dec->decode(Bytes{0x10, 0, 0, 1, 2, 3, 4, 5, 6, 7}).error().message,
            "vp8 decode of frame 0: keyframe without the 9d 01 2a start code");

  // A keyframe cut short: an error (or a frame flagged corrupt), no crash.
  const Bytes cut(key.begin(), key.begin() + static_cast<std::ptrdiff_t>(key.size() / 3));
  (void)dec->decode(cut);
  // Random bytes after a valid keyframe header.
  Bytes junk(key.begin(), key.begin() + 10);
  for (int i = 0; i < 500; ++i) junk.push_back(static_cast<std::uint8_t>(i * 37 + 11));
  (void)dec->decode(junk);

  auto ok = dec->decode(key);
  ASSERT_TRUE(ok) << ok.error().message;
  ASSERT_TRUE(ok->has_value());
  EXPECT_EQ(read_frame_number(**ok), 0);
  auto next = dec->decode(delta);
  ASSERT_TRUE(next) << next.error().message;
  EXPECT_EQ(read_frame_number(**next), 1);
}

}  // namespace
}  // namespace confab::media
