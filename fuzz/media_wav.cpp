// libFuzzer target for the WAV reader: parse arbitrary bytes; what parses
// must be well formed, and writing it out must parse back to the same.
#include <cstdio>
#include <cstdlib>

#include "media/wav.hpp"

namespace {

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "media_wav invariant broken: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace confab;
  auto wav = media::parse_wav(ByteView(data, size), "fuzz.wav");
  if (!wav) {
    check(wav.error().message.rfind("fuzz.wav: ", 0) == 0, "error names the file");
    return 0;
  }
  check(wav->channels == 1 || wav->channels == 2, "channels");
  check(wav->sample_rate > 0, "sample rate");
  check(wav->samples.size() % static_cast<std::size_t>(wav->channels) == 0, "whole frames");
  check(wav->samples.size() * 2 <= size, "no more samples than bytes");
  const Bytes again = media::format_wav(*wav);
  auto back = media::parse_wav(again);
  check(back.has_value(), "formatted file parses");
  check(back->samples == wav->samples && back->sample_rate == wav->sample_rate && back->channels == wav->channels,
        "round trip");
  return 0;
}
