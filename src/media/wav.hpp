#pragma once
// WAV files (RIFF/WAVE, RIFF WAVE spec 1991 + WAVE_FORMAT_EXTENSIBLE): 16-bit
// PCM, mono or stereo, any sample rate. The reader takes a file or a byte
// buffer (what the fuzzer feeds); the writer streams samples to a file and
// patches the RIFF and data sizes when it is closed.
#include <cstdint>
#include <cstdio>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "media/error.hpp"

namespace confab::media {

struct Wav {
  int sample_rate = 0;
  int channels = 0;                   // 1 or 2
  std::vector<std::int16_t> samples;  // interleaved: L R L R ... for stereo

  std::size_t frames() const {
    return channels > 0 ? samples.size() / static_cast<std::size_t>(channels) : 0;
  }
};

// Parses a whole WAV file held in memory. `name` prefixes every error
// ("in.wav: not a RIFF file"). Chunks other than fmt and data (LIST, fact,
// cue, ...) are skipped; bytes after the RIFF chunk are ignored.
Result<Wav, Error> parse_wav(ByteView bytes, std::string_view name = "wav");
Result<Wav, Error> read_wav(const std::string& path);

// The bytes of a canonical 44-byte-header WAV file holding `wav`.
Bytes format_wav(const Wav& wav);
Result<std::monostate, Error> write_wav(const std::string& path, const Wav& wav);

// Streams samples to a file. The header is written at open with zero sizes
// and patched by close() (or the destructor, which cannot report errors:
// call close() to see them).
class WavWriter {
 public:
  static Result<WavWriter, Error> open(const std::string& path, int sample_rate, int channels);

  WavWriter(WavWriter&&) noexcept = default;
  WavWriter& operator=(WavWriter&&) noexcept;
  ~WavWriter();

  // Appends interleaved samples; their count must be a multiple of channels.
  Result<std::monostate, Error> write(std::span<const std::int16_t> samples);
  // Patches the header sizes and closes the file. Idempotent.
  Result<std::monostate, Error> close();

  std::size_t frames_written() const { return data_bytes_ / (2 * static_cast<std::size_t>(channels_)); }

 private:
  struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  WavWriter(std::string path, std::FILE* f, int channels) : path_(std::move(path)), file_(f), channels_(channels) {}

  std::string path_;
  std::unique_ptr<std::FILE, FileCloser> file_;
  int channels_ = 1;
  std::size_t data_bytes_ = 0;
};

}  // namespace confab::media
