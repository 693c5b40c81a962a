#pragma once
// Where call media comes from and goes to on a headless machine: a WAV file
// or a generated tone in, a WAV file out; a Y4M file or the test pattern in,
// a Y4M file out. The media plane pulls one frame per tick and pushes what
// it plays out; live devices (ALSA, V4L2) would be further implementations.
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "media/frame.hpp"

namespace confab::call {

// 48 kHz mono, 20 ms (960 samples) per frame.
class AudioSource {
 public:
  virtual ~AudioSource() = default;
  virtual std::vector<std::int16_t> next_frame() = 0;  // silence once a file has ended
  virtual std::string describe() const = 0;
};

class AudioSink {
 public:
  virtual ~AudioSink() = default;
  virtual void write(std::span<const std::int16_t> samples) = 0;  // 48 kHz mono
  virtual std::optional<std::string> close() = 0;                 // an error, if any
};

class VideoSource {
 public:
  virtual ~VideoSource() = default;
  virtual media::I420Frame next_frame() = 0;
  virtual int width() const = 0;
  virtual int height() const = 0;
  virtual int fps() const = 0;
  virtual std::string describe() const = 0;
};

class VideoSink {
 public:
  virtual ~VideoSink() = default;
  virtual void write(const media::I420Frame& frame) = 0;
  virtual std::optional<std::string> close() = 0;
};

// "tone" / "tone:440" → a sine at that frequency; anything else is a WAV
// file (any rate, mono or stereo: converted to 48 kHz mono).
Result<std::unique_ptr<AudioSource>, std::string> open_audio_source(const std::string& spec);
Result<std::unique_ptr<AudioSink>, std::string> open_wav_sink(const std::string& path);
// "pattern" / "pattern:WxH@FPS" → the numbered test pattern; anything else a Y4M file (looped).
Result<std::unique_ptr<VideoSource>, std::string> open_video_source(const std::string& spec);
// The size is taken from the first frame written.
Result<std::unique_ptr<VideoSink>, std::string> open_y4m_sink(const std::string& path, int fps);

}  // namespace confab::call
