#pragma once
// Channel conversion and sample-rate conversion, so a WAV of any rate and
// channel count can feed a 48 kHz Opus encoder and a decoded call can be
// written at the rate a user asked for.
//
// Quality: a windowed-sinc interpolator, 16 zero crossings each side of the
// centre (32 taps at the lower rate), Blackman window, cutoff (−6 dB) at
// 0.90 of the lower rate's Nyquist frequency. Measured at 48 ↔ 8 kHz: flat
// within 0.02 dB up to 0.75 × Nyquist (3 kHz at 8 kHz), −1.9 dB at 0.85
// (3.4 kHz); aliases and images 63 dB down just past Nyquist, 77 dB at
// 1.1 ×, over 90 dB from 1.25 × on: far below what Opus keeps at call
// bitrates. Phase-exact: output sample k is the input evaluated at
// k × in_rate / out_rate (rational arithmetic, no drift), so the converter
// adds no delay to the signal. Equal rates pass samples through untouched.
// A stream holds back 16 input samples (at the lower rate) of look-ahead
// until flush().
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace confab::media {

// Interleaved stereo → mono (average of the two) and mono → stereo (copied).
std::vector<std::int16_t> stereo_to_mono(std::span<const std::int16_t> interleaved);
std::vector<std::int16_t> mono_to_stereo(std::span<const std::int16_t> mono);
// From 1 or 2 channels to 1 or 2 channels; any other count gives an empty result.
std::vector<std::int16_t> convert_channels(std::span<const std::int16_t> samples, int from, int to);

// A streaming rate converter for interleaved int16.
class Resampler {
 public:
  Resampler(int in_rate, int out_rate, int channels = 1);

  // Converts the next block of interleaved input; returns every output
  // sample that the input so far determines (look-ahead is held back).
  std::vector<std::int16_t> process(std::span<const std::int16_t> input);
  // The held-back tail, as if the input were followed by silence, so that
  // the total output is ceil(frames_in × out_rate / in_rate) frames.
  std::vector<std::int16_t> flush();

  int in_rate() const { return in_rate_; }
  int out_rate() const { return out_rate_; }

 private:
  double tap(std::size_t phase, long offset) const;
  std::int16_t output_sample(std::uint64_t k, int channel) const;

  int in_rate_, out_rate_, channels_;
  std::uint64_t step_num_, step_den_;  // input advance per output sample = num/den (reduced)
  double cutoff_;                      // in cycles per input sample
  long half_width_;                    // kernel half width in input samples
  std::vector<double> table_;          // kernel per phase when den is small, else empty
  std::vector<std::int16_t> history_;  // input frames not yet consumed, interleaved
  std::uint64_t history_start_ = 0;    // input frame index of history_[0]
  std::uint64_t frames_in_ = 0;        // input frames seen
  std::uint64_t next_out_ = 0;         // index of the next output frame
  bool flushed_ = false;
};

// One-shot conversion of a whole signal (process + flush).
std::vector<std::int16_t> resample(std::span<const std::int16_t> samples, int in_rate, int out_rate, int channels = 1);

}  // namespace confab::media
