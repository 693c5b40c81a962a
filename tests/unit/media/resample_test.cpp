// Channel and rate conversion: lengths, tone frequency and level preserved,
// streaming equal to one-shot.
#include <gtest/gtest.h>

#include <cmath>

#include "media/resample.hpp"
#include "media/tone.hpp"

namespace confab::media {
namespace {

TEST(Channels, StereoToMonoAveragesAndMonoToStereoCopies) {
  const std::vector<std::int16_t> stereo{100, 200, -32768, -32768, 32767, 32767};
  EXPECT_EQ(stereo_to_mono(stereo), (std::vector<std::int16_t>{150, -32768, 32767}));
  EXPECT_EQ(mono_to_stereo(std::vector<std::int16_t>{1, -2}), (std::vector<std::int16_t>{1, 1, -2, -2}));
  EXPECT_EQ(convert_channels(stereo, 2, 2), stereo);
  EXPECT_TRUE(convert_channels(stereo, 2, 6).empty());
}

class RateConversion : public ::testing::TestWithParam<std::pair<int, int>> {};

TEST_P(RateConversion, KeepsTheToneFrequencyLevelAndLength) {
  const auto [in, out] = GetParam();
  ToneGenerator g(440, 0.5, in);
  const auto src = g.next(static_cast<std::size_t>(in / 2));  // 0.5 s
  const auto dst = resample(src, in, out);
  EXPECT_EQ(dst.size(), (src.size() * static_cast<std::size_t>(out) + static_cast<std::size_t>(in) - 1) /
                            static_cast<std::size_t>(in));
  EXPECT_NEAR(dominant_frequency(dst, out), 440, 1.0);
  // Level: the middle (away from the zero-padded edges) keeps amplitude 0.5.
  const std::span<const std::int16_t> mid(dst.data() + dst.size() / 4, dst.size() / 2);
  const double p = goertzel_power(mid, out, 440);
  EXPECT_NEAR(std::sqrt(p), 0.5, 0.02);
}

INSTANTIATE_TEST_SUITE_P(Rates, RateConversion,
                         ::testing::Values(std::pair{8000, 48000}, std::pair{16000, 48000}, std::pair{44100, 48000},
                                           std::pair{48000, 44100}, std::pair{48000, 8000}, std::pair{22050, 48000},
                                           std::pair{11025, 48000}, std::pair{47999, 48000}));

TEST(Resampler, StreamingInPiecesEqualsOneShot) {
  ToneGenerator g(1000, 0.4, 44100, 2);
  const auto src = g.next(4410);
  Resampler r(44100, 48000, 2);
  std::vector<std::int16_t> streamed;
  std::size_t at = 0;
  for (std::size_t piece : {1u, 441u, 1000u, 2u, 3000u}) {
    const std::size_t n = std::min(piece * 2, src.size() - at);
    auto out = r.process(std::span<const std::int16_t>(src).subspan(at, n));
    streamed.insert(streamed.end(), out.begin(), out.end());
    at += n;
  }
  auto rest = r.process(std::span<const std::int16_t>(src).subspan(at));
  streamed.insert(streamed.end(), rest.begin(), rest.end());
  auto tail = r.flush();
  streamed.insert(streamed.end(), tail.begin(), tail.end());
  EXPECT_EQ(streamed, resample(src, 44100, 48000, 2));
  EXPECT_EQ(streamed.size(), 4800u * 2);
}

TEST(Resampler, SameRateIsTheIdentityAwayFromTheEdges) {
  ToneGenerator g(440, 0.5, 48000);
  const auto src = g.next(2000);
  const auto dst = resample(src, 48000, 48000);
  ASSERT_EQ(dst.size(), src.size());
  for (std::size_t i = 0; i < src.size(); ++i) EXPECT_NEAR(dst[i], src[i], 2) << i;
}

TEST(Resampler, DownsamplingRemovesWhatCannotBeRepresented) {
  // 6 kHz cannot exist at 8 kHz (Nyquist 4 kHz): it must not alias to 2 kHz.
  ToneGenerator g(6000, 0.5, 48000);
  const auto dst = resample(g.next(24000), 48000, 8000);
  const std::span<const std::int16_t> mid(dst.data() + 1000, 2000);
  EXPECT_LT(goertzel_power(mid, 8000, 2000), 1e-6);  // below -54 dB relative to 0.25
}

}  // namespace
}  // namespace confab::media
