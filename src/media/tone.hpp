#pragma once
// Test tones and the measurements that check them after a trip through a
// codec or a network: a sine generator, Goertzel power, the dominant
// frequency of a signal, and normalised cross-correlation of two signals.
// Samples are int16, interleaved when there are two channels; the analysis
// functions take mono.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace confab::media {

// A sine whose phase carries across calls, so consecutive frames join
// without a click (a discontinuity would smear the spectrum of the result).
class ToneGenerator {
 public:
  // amplitude is a fraction of full scale (0..1); every channel gets the same tone.
  ToneGenerator(double frequency_hz, double amplitude, int sample_rate, int channels = 1);

  // The next `frames` sample frames (frames * channels samples).
  std::vector<std::int16_t> next(std::size_t frames);

  double frequency() const { return frequency_; }
  int sample_rate() const { return rate_; }

 private:
  double frequency_;
  double amplitude_;
  int rate_;
  int channels_;
  double phase_ = 0.0;  // radians, kept in [0, 2π)
};

// Squared amplitude of the component at `frequency_hz`, with samples scaled
// to [-1, 1): a full-scale sine at that frequency gives about 1.0, one of
// amplitude 0.5 about 0.25. Uses the whole span (rectangular window).
double goertzel_power(std::span<const std::int16_t> samples, int sample_rate, double frequency_hz);

// The frequency of the strongest sinusoid between min_hz and max_hz (max_hz
// 0 means Nyquist), without an FFT: a Hann-windowed Goertzel scan at half-bin
// steps over the first 4096 samples, then a finer scan over up to 16384
// samples around the peak, then parabolic interpolation. A clean tone of at
// least 50 ms comes out within ±1 Hz; a coded one within ±5 Hz. Returns 0
// for fewer than 64 samples or silence.
double dominant_frequency(std::span<const std::int16_t> samples, int sample_rate, double min_hz = 20.0,
                          double max_hz = 0.0);

struct Correlation {
  double coefficient = 0.0;  // -1..1; 1 when b is a (scaled) copy of a
  int lag = 0;               // b[i + lag] lines up with a[i]: positive when b is delayed
};

// The lag in [-max_lag, max_lag] that maximises the normalised correlation
// sum(a[i] b[i+lag]) / sqrt(sum a[i]^2 sum b[i+lag]^2) over the overlap.
// Lags whose overlap is under half the shorter signal are not considered
// (a tiny overlap correlates by chance). Cost: overlap × (2 max_lag + 1).
Correlation normalized_cross_correlation(std::span<const std::int16_t> a, std::span<const std::int16_t> b,
                                         int max_lag);

}  // namespace confab::media
