// Tone generation and the measurements that later check a call's audio.
#include <gtest/gtest.h>

#include <cmath>

#include "media/tone.hpp"

namespace confab::media {
namespace {

TEST(Tone, PhaseCarriesAcrossFrames) {
  ToneGenerator a(440, 0.5, 48000), b(440, 0.5, 48000);
  std::vector<std::int16_t> pieces;
  for (int i = 0; i < 10; ++i) {
    auto f = a.next(960);
    pieces.insert(pieces.end(), f.begin(), f.end());
  }
  EXPECT_EQ(pieces, b.next(9600));
}

TEST(Tone, StereoRepeatsEachSampleOnBothChannels) {
  ToneGenerator g(1000, 0.25, 8000, 2);
  auto s = g.next(100);
  ASSERT_EQ(s.size(), 200u);
  for (std::size_t i = 0; i < s.size(); i += 2) EXPECT_EQ(s[i], s[i + 1]);
}

TEST(Tone, GoertzelPowerIsTheSquaredAmplitude) {
  ToneGenerator g(1000, 0.5, 48000);
  const auto s = g.next(4800);  // a whole number of cycles
  EXPECT_NEAR(goertzel_power(s, 48000, 1000), 0.25, 0.005);
  EXPECT_LT(goertzel_power(s, 48000, 1500), 1e-4);
}

class DominantFrequency : public ::testing::TestWithParam<std::pair<double, int>> {};

TEST_P(DominantFrequency, FindsACleanToneWithinOneHertz) {
  const auto [freq, rate] = GetParam();
  ToneGenerator g(freq, 0.3, rate);
  const auto s = g.next(static_cast<std::size_t>(rate / 2));
  EXPECT_NEAR(dominant_frequency(s, rate), freq, 1.0);
}

INSTANTIATE_TEST_SUITE_P(Tones, DominantFrequency,
                         ::testing::Values(std::pair{440.0, 48000}, std::pair{1000.0, 48000},
                                           std::pair{123.4, 48000}, std::pair{3000.0, 8000},
                                           std::pair{997.0, 44100}, std::pair{15000.0, 48000}));

TEST(Tone, DominantFrequencyOfSilenceIsZero) {
  const std::vector<std::int16_t> zeros(4800, 0);
  EXPECT_EQ(dominant_frequency(zeros, 48000), 0.0);
  EXPECT_EQ(dominant_frequency(std::vector<std::int16_t>(10, 1), 48000), 0.0);
}

TEST(Tone, TheStrongerOfTwoTonesWins) {
  ToneGenerator loud(700, 0.4, 48000), quiet(2500, 0.1, 48000);
  auto a = loud.next(9600);
  const auto b = quiet.next(9600);
  for (std::size_t i = 0; i < a.size(); ++i) a[i] = static_cast<std::int16_t>(a[i] + b[i]);
  EXPECT_NEAR(dominant_frequency(a, 48000), 700, 1.0);
}

TEST(Tone, CrossCorrelationFindsTheDelay) {
  ToneGenerator g(300, 0.5, 48000);
  auto a = g.next(4800);
  // A decaying chirp-ish signal so only one lag fits.
  for (std::size_t i = 0; i < a.size(); ++i) {
    a[i] = static_cast<std::int16_t>(a[i] * std::exp(-static_cast<double>(i) / 2000.0) +
                                     ((i * 7919) % 200) - 100);
  }
  std::vector<std::int16_t> b(123, 0);
  b.insert(b.end(), a.begin(), a.end());
  auto c = normalized_cross_correlation(a, b, 300);
  EXPECT_EQ(c.lag, 123);
  EXPECT_NEAR(c.coefficient, 1.0, 1e-9);

  auto back = normalized_cross_correlation(b, a, 300);
  EXPECT_EQ(back.lag, -123);
}

TEST(Tone, InvertedSignalCorrelatesNegativelyAtLagZero) {
  ToneGenerator g(300, 0.5, 48000);
  const auto a = g.next(480);
  std::vector<std::int16_t> b;
  for (auto s : a) b.push_back(static_cast<std::int16_t>(-s));
  auto c = normalized_cross_correlation(a, b, 0);
  EXPECT_NEAR(c.coefficient, -1.0, 1e-6);
}

}  // namespace
}  // namespace confab::media
