// Tone generation and analysis. Plain loops over doubles: the signals are a
// few seconds long at most, and clarity beats an FFT dependency here.
#include "media/tone.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace confab::media {
namespace {

constexpr double two_pi = 2.0 * std::numbers::pi;

std::int16_t to_sample(double x) {
  const double v = std::clamp(std::round(x * 32767.0), -32768.0, 32767.0);
  return static_cast<std::int16_t>(v);
}

// Goertzel over samples[0..n) with an optional window (empty = rectangular);
// returns |X(f)|^2 normalised by the window's gain so a sine of amplitude A
// gives A^2.
double goertzel(std::span<const std::int16_t> samples, const std::vector<double>& window, int rate, double freq) {
  const std::size_t n = samples.size();
  if (n == 0) return 0.0;
  const double coeff = 2.0 * std::cos(two_pi * freq / rate);
  double s1 = 0.0, s2 = 0.0, gain = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double w = window.empty() ? 1.0 : window[i];
    gain += w;
    const double s0 = w * samples[i] / 32768.0 + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const double power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return gain > 0 ? 4.0 * power / (gain * gain) : 0.0;
}

std::vector<double> hann(std::size_t n) {
  std::vector<double> w(n);
  for (std::size_t i = 0; i < n; ++i) w[i] = 0.5 - 0.5 * std::cos(two_pi * static_cast<double>(i) / static_cast<double>(n - 1));
  return w;
}

struct Peak {
  double freq = 0.0;
  double power = -1.0;
  double below = 0.0, above = 0.0;  // powers one step either side, for interpolation
};

Peak scan(std::span<const std::int16_t> s, const std::vector<double>& window, int rate, double lo, double hi,
          double step) {
  std::vector<double> powers;
  for (double f = lo; f <= hi + 1e-9; f += step) powers.push_back(goertzel(s, window, rate, f));
  if (powers.empty()) return {};
  const auto best = static_cast<std::size_t>(std::max_element(powers.begin(), powers.end()) - powers.begin());
  Peak p;
  p.freq = lo + static_cast<double>(best) * step;
  p.power = powers[best];
  p.below = best > 0 ? powers[best - 1] : p.power;
  p.above = best + 1 < powers.size() ? powers[best + 1] : p.power;
  return p;
}

}  // namespace

ToneGenerator::ToneGenerator(double frequency_hz, double amplitude, int sample_rate, int channels)
    : frequency_(frequency_hz),
      amplitude_(std::clamp(amplitude, 0.0, 1.0)),
      rate_(sample_rate > 0 ? sample_rate : 48000),
      channels_(std::max(1, channels)) {}

std::vector<std::int16_t> ToneGenerator::next(std::size_t frames) {
  std::vector<std::int16_t> out;
  out.reserve(frames * static_cast<std::size_t>(channels_));
  const double step = two_pi * frequency_ / rate_;
  for (std::size_t i = 0; i < frames; ++i) {
    const std::int16_t s = to_sample(amplitude_ * std::sin(phase_));
    for (int c = 0; c < channels_; ++c) out.push_back(s);
    phase_ = std::fmod(phase_ + step, two_pi);
  }
  return out;
}

double goertzel_power(std::span<const std::int16_t> samples, int sample_rate, double frequency_hz) {
  if (sample_rate <= 0) return 0.0;
  return goertzel(samples, {}, sample_rate, frequency_hz);
}

double dominant_frequency(std::span<const std::int16_t> samples, int sample_rate, double min_hz, double max_hz) {
  if (samples.size() < 64 || sample_rate <= 0) return 0.0;
  const double nyquist = sample_rate / 2.0;
  if (max_hz <= 0.0 || max_hz > nyquist) max_hz = nyquist;
  min_hz = std::max(min_hz, 1.0);
  if (min_hz >= max_hz) return 0.0;

  // Coarse: half-bin steps over a short window find the right lobe.
  const auto coarse = samples.first(std::min<std::size_t>(samples.size(), 4096));
  const double coarse_step = sample_rate / static_cast<double>(coarse.size()) / 2.0;
  Peak p = scan(coarse, hann(coarse.size()), sample_rate, min_hz, max_hz, coarse_step);
  if (p.power <= 1e-12) return 0.0;

  // Fine: a longer window has a narrower lobe; quarter-bin steps within two
  // coarse steps of the coarse peak, then a parabola through the log powers.
  const auto fine = samples.first(std::min<std::size_t>(samples.size(), 16384));
  const double fine_step = sample_rate / static_cast<double>(fine.size()) / 4.0;
  const double lo = std::max(min_hz, p.freq - 2 * coarse_step);
  const double hi = std::min(max_hz, p.freq + 2 * coarse_step);
  p = scan(fine, hann(fine.size()), sample_rate, lo, hi, fine_step);
  const double a = std::log(std::max(p.below, 1e-30));
  const double b = std::log(std::max(p.power, 1e-30));
  const double c = std::log(std::max(p.above, 1e-30));
  const double denom = a - 2 * b + c;
  double offset = denom < 0 ? 0.5 * (a - c) / denom : 0.0;
  offset = std::clamp(offset, -0.5, 0.5);
  return p.freq + offset * fine_step;
}

Correlation normalized_cross_correlation(std::span<const std::int16_t> a, std::span<const std::int16_t> b,
                                         int max_lag) {
  Correlation best{-2.0, 0};
  const auto na = static_cast<long>(a.size());
  const auto nb = static_cast<long>(b.size());
  const long min_overlap = std::max(1L, std::min(na, nb) / 2);
  max_lag = std::max(0, max_lag);
  for (long lag = -max_lag; lag <= max_lag; ++lag) {
    // Overlap: i in [max(0, -lag), min(na, nb - lag)).
    const long first = std::max(0L, -lag);
    const long last = std::min(na, nb - lag);
    if (last - first < min_overlap) continue;
    double ab = 0.0, aa = 0.0, bb = 0.0;
    for (long i = first; i < last; ++i) {
      const double x = a[static_cast<std::size_t>(i)];
      const double y = b[static_cast<std::size_t>(i + lag)];
      ab += x * y;
      aa += x * x;
      bb += y * y;
    }
    const double c = (aa > 0 && bb > 0) ? ab / std::sqrt(aa * bb) : 0.0;
    if (c > best.coefficient) best = {c, static_cast<int>(lag)};
  }
  if (best.coefficient < -1.0) best.coefficient = 0.0;
  return best;
}

}  // namespace confab::media
