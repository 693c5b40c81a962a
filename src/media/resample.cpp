// Windowed-sinc rate conversion. Output frame k sits at input position
// t = k·num/den (num/den = in_rate/out_rate reduced): integer part i = k·num
// div den, fraction phase = k·num mod den. Its value is Σ x[i+j]·h(j − phase/den)
// over |j − frac| < half_width. The kernel for each phase is tabulated when
// there are at most 1024 phases (every common rate pair), else computed.
#include "media/resample.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <numeric>

namespace confab::media {
namespace {

constexpr long zero_crossings = 16;
constexpr double cutoff_fraction = 0.90;
constexpr std::uint64_t max_table_phases = 1024;

double blackman(double x) {  // x in [-1, 1]
  if (x <= -1.0 || x >= 1.0) return 0.0;
  const double a = std::numbers::pi * (x + 1.0);
  return 0.42 - 0.5 * std::cos(a) + 0.08 * std::cos(2 * a);
}

double sinc(double x) {
  if (std::abs(x) < 1e-12) return 1.0;
  return std::sin(std::numbers::pi * x) / (std::numbers::pi * x);
}

std::int16_t clamp16(double v) {
  return static_cast<std::int16_t>(std::clamp(std::lround(v), -32768L, 32767L));
}

}  // namespace

std::vector<std::int16_t> stereo_to_mono(std::span<const std::int16_t> interleaved) {
  std::vector<std::int16_t> out(interleaved.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<std::int16_t>((interleaved[2 * i] + interleaved[2 * i + 1]) / 2);
  }
  return out;
}

std::vector<std::int16_t> mono_to_stereo(std::span<const std::int16_t> mono) {
  std::vector<std::int16_t> out(mono.size() * 2);
  for (std::size_t i = 0; i < mono.size(); ++i) out[2 * i] = out[2 * i + 1] = mono[i];
  return out;
}

std::vector<std::int16_t> convert_channels(std::span<const std::int16_t> samples, int from, int to) {
  if (from == to && (from == 1 || from == 2)) return {samples.begin(), samples.end()};
  if (from == 2 && to == 1) return stereo_to_mono(samples);
  if (from == 1 && to == 2) return mono_to_stereo(samples);
  return {};
}

Resampler::Resampler(int in_rate, int out_rate, int channels)
    : in_rate_(std::max(1, in_rate)), out_rate_(std::max(1, out_rate)), channels_(std::clamp(channels, 1, 8)) {
  const auto g = std::gcd(in_rate_, out_rate_);
  step_num_ = static_cast<std::uint64_t>(in_rate_ / g);
  step_den_ = static_cast<std::uint64_t>(out_rate_ / g);
  // Downsampling lowers the cutoff (anti-aliasing) and widens the kernel in
  // input samples so it keeps the same number of zero crossings.
  const double ratio = std::min(1.0, static_cast<double>(out_rate_) / in_rate_);
  cutoff_ = 0.5 * cutoff_fraction * ratio;
  half_width_ = static_cast<long>(std::ceil(static_cast<double>(zero_crossings) / ratio));
  if (step_den_ <= max_table_phases) {
    const auto taps = static_cast<std::size_t>(2 * half_width_ + 1);
    table_.resize(step_den_ * taps);
    for (std::uint64_t p = 0; p < step_den_; ++p) {
      for (long j = -half_width_; j <= half_width_; ++j) {
        const double x = static_cast<double>(j) - static_cast<double>(p) / static_cast<double>(step_den_);
        table_[p * taps + static_cast<std::size_t>(j + half_width_)] =
            2 * cutoff_ * sinc(2 * cutoff_ * x) * blackman(x / static_cast<double>(half_width_ + 1));
      }
    }
  }
}

double Resampler::tap(std::size_t phase, long offset) const {
  if (!table_.empty()) {
    const auto taps = static_cast<std::size_t>(2 * half_width_ + 1);
    return table_[phase * taps + static_cast<std::size_t>(offset + half_width_)];
  }
  const double x = static_cast<double>(offset) - static_cast<double>(phase) / static_cast<double>(step_den_);
  return 2 * cutoff_ * sinc(2 * cutoff_ * x) * blackman(x / static_cast<double>(half_width_ + 1));
}

std::int16_t Resampler::output_sample(std::uint64_t k, int channel) const {
  const std::uint64_t pos = k * step_num_;
  const auto i = static_cast<long>(pos / step_den_);
  const auto phase = static_cast<std::size_t>(pos % step_den_);
  double acc = 0.0;
  for (long j = -half_width_; j <= half_width_; ++j) {
    const long n = i + j;
    // Before the start and past the end (after flush) the input is silence.
    if (n < 0 || static_cast<std::uint64_t>(n) >= frames_in_) continue;
    const auto idx = (static_cast<std::uint64_t>(n) - history_start_) * static_cast<std::uint64_t>(channels_) +
                     static_cast<std::uint64_t>(channel);
    if (static_cast<std::uint64_t>(n) < history_start_ || idx >= history_.size()) continue;
    acc += tap(phase, j) * history_[idx];
  }
  return clamp16(acc);
}

std::vector<std::int16_t> Resampler::process(std::span<const std::int16_t> input) {
  std::vector<std::int16_t> out;
  if (flushed_) return out;
  const auto ch = static_cast<std::size_t>(channels_);
  const std::size_t frames = input.size() / ch;
  if (in_rate_ == out_rate_) {
    // Same rate: pass through rather than low-pass at 0.9 × Nyquist.
    frames_in_ += frames;
    next_out_ = frames_in_;
    return {input.begin(), input.begin() + static_cast<std::ptrdiff_t>(frames * ch)};
  }
  history_.insert(history_.end(), input.begin(), input.begin() + static_cast<std::ptrdiff_t>(frames * ch));
  frames_in_ += frames;
  // Output k is ready once input frame i + half_width has arrived.
  while (true) {
    const std::uint64_t i = next_out_ * step_num_ / step_den_;
    if (i + static_cast<std::uint64_t>(half_width_) >= frames_in_) break;
    for (int c = 0; c < channels_; ++c) out.push_back(output_sample(next_out_, c));
    ++next_out_;
  }
  // Drop input no future output reaches back to.
  const std::uint64_t i_next = next_out_ * step_num_ / step_den_;
  const std::uint64_t keep_from = i_next > static_cast<std::uint64_t>(half_width_) ? i_next - static_cast<std::uint64_t>(half_width_) : 0;
  if (keep_from > history_start_) {
    const auto drop = std::min<std::uint64_t>(keep_from - history_start_, history_.size() / ch);
    history_.erase(history_.begin(), history_.begin() + static_cast<std::ptrdiff_t>(drop * ch));
    history_start_ += drop;
  }
  return out;
}

std::vector<std::int16_t> Resampler::flush() {
  std::vector<std::int16_t> out;
  if (flushed_) return out;
  flushed_ = true;
  // Total output frames: ceil(frames_in × out / in) = ceil(frames_in × den / num).
  const std::uint64_t total = (frames_in_ * step_den_ + step_num_ - 1) / step_num_;
  for (; next_out_ < total; ++next_out_) {
    for (int c = 0; c < channels_; ++c) out.push_back(output_sample(next_out_, c));
  }
  history_.clear();
  return out;
}

std::vector<std::int16_t> resample(std::span<const std::int16_t> samples, int in_rate, int out_rate, int channels) {
  Resampler r(in_rate, out_rate, channels);
  std::vector<std::int16_t> out = r.process(samples);
  std::vector<std::int16_t> tail = r.flush();
  out.insert(out.end(), tail.begin(), tail.end());
  return out;
}

}  // namespace confab::media
