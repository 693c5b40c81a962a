// Files, tones and the test pattern as call media sources and sinks.
#include "call/sources.hpp"

#include <charconv>

#include "media/pattern.hpp"
#include "media/resample.hpp"
#include "media/tone.hpp"
#include "media/wav.hpp"
#include "media/y4m.hpp"

namespace confab::call {

namespace {

constexpr int rate = 48000;
constexpr std::size_t frame = 960;

class ToneSource final : public AudioSource {
 public:
  explicit ToneSource(double hz) : tone_(hz, 0.5, rate, 1) {}
  std::vector<std::int16_t> next_frame() override { return tone_.next(frame); }
  std::string describe() const override { return "tone " + std::to_string(static_cast<int>(tone_.frequency())) + " Hz"; }

 private:
  media::ToneGenerator tone_;
};

class WavSource final : public AudioSource {
 public:
  WavSource(std::string path, std::vector<std::int16_t> samples) : path_(std::move(path)), samples_(std::move(samples)) {}
  std::vector<std::int16_t> next_frame() override {
    std::vector<std::int16_t> out(frame, 0);
    for (std::size_t i = 0; i < frame && pos_ < samples_.size(); ++i) out[i] = samples_[pos_++];
    return out;
  }
  std::string describe() const override { return path_; }

 private:
  std::string path_;
  std::vector<std::int16_t> samples_;
  std::size_t pos_ = 0;
};

class WavSink final : public AudioSink {
 public:
  explicit WavSink(media::WavWriter w) : writer_(std::move(w)) {}
  void write(std::span<const std::int16_t> samples) override {
    if (!error_)
      if (auto r = writer_.write(samples); !r) error_ = r.error().message;
  }
  std::optional<std::string> close() override {
    if (auto r = writer_.close(); !r && !error_) error_ = r.error().message;
    return error_;
  }

 private:
  media::WavWriter writer_;
  std::optional<std::string> error_;
};

class PatternSource final : public VideoSource {
 public:
  PatternSource(int w, int h, int fps) : pattern_(w, h), fps_(fps) {}
  media::I420Frame next_frame() override { return pattern_.frame(n_++); }
  int width() const override { return pattern_.width(); }
  int height() const override { return pattern_.height(); }
  int fps() const override { return fps_; }
  std::string describe() const override {
    return "test pattern " + std::to_string(width()) + "x" + std::to_string(height()) + "@" + std::to_string(fps_);
  }

 private:
  media::TestPattern pattern_;
  int fps_;
  std::uint32_t n_ = 0;
};

// A Y4M file, looped so a short clip lasts the whole call.
class Y4mSource final : public VideoSource {
 public:
  Y4mSource(std::string path, media::Y4mReader r) : path_(std::move(path)), reader_(std::move(r)) {}
  media::I420Frame next_frame() override {
    auto f = reader_.next();
    if (f && *f) return std::move(**f);
    if (auto again = media::Y4mReader::open(path_)) {
      reader_ = std::move(*again);
      if (auto g = reader_.next(); g && *g) return std::move(**g);
    }
    return media::I420Frame::filled(width(), height());
  }
  int width() const override { return reader_.header().width; }
  int height() const override { return reader_.header().height; }
  int fps() const override { return std::max(1, static_cast<int>(reader_.header().fps() + 0.5)); }
  std::string describe() const override { return path_; }

 private:
  std::string path_;
  media::Y4mReader reader_;
};

class Y4mSink final : public VideoSink {
 public:
  Y4mSink(std::string path, int fps) : path_(std::move(path)), fps_(fps) {}
  void write(const media::I420Frame& f) override {
    if (error_) return;
    if (!writer_) {
      media::Y4mHeader h;
      h.width = f.width, h.height = f.height, h.fps_num = fps_, h.fps_den = 1;
      auto w = media::Y4mWriter::open(path_, h);
      if (!w) {
        error_ = w.error().message;
        return;
      }
      writer_.emplace(std::move(*w));
    }
    if (f.width != width_ && width_ != 0) return;  // a size change mid-call: not representable in one Y4M
    width_ = f.width;
    if (auto r = writer_->write(f); !r) error_ = r.error().message;
  }
  std::optional<std::string> close() override {
    if (writer_)
      if (auto r = writer_->close(); !r && !error_) error_ = r.error().message;
    return error_;
  }

 private:
  std::string path_;
  int fps_;
  int width_ = 0;
  std::optional<media::Y4mWriter> writer_;
  std::optional<std::string> error_;
};

bool parse_int(std::string_view s, int& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && p == s.data() + s.size();
}

}  // namespace

Result<std::unique_ptr<AudioSource>, std::string> open_audio_source(const std::string& spec) {
  if (spec == "tone" || spec.rfind("tone:", 0) == 0) {
    int hz = 440;
    if (spec.size() > 5 && (!parse_int(std::string_view(spec).substr(5), hz) || hz < 20 || hz > 20000))
      return unexpected(std::string("--send-audio " + spec + ": the tone frequency must be 20..20000 Hz"));
    return std::unique_ptr<AudioSource>(std::make_unique<ToneSource>(hz));
  }
  auto wav = media::read_wav(spec);
  if (!wav) return unexpected(wav.error().message);
  auto mono = media::convert_channels(wav->samples, wav->channels, 1);
  if (wav->sample_rate != rate) mono = media::resample(mono, wav->sample_rate, rate, 1);
  return std::unique_ptr<AudioSource>(std::make_unique<WavSource>(spec, std::move(mono)));
}

Result<std::unique_ptr<AudioSink>, std::string> open_wav_sink(const std::string& path) {
  auto w = media::WavWriter::open(path, rate, 1);
  if (!w) return unexpected(w.error().message);
  return std::unique_ptr<AudioSink>(std::make_unique<WavSink>(std::move(*w)));
}

Result<std::unique_ptr<VideoSource>, std::string> open_video_source(const std::string& spec) {
  if (spec == "pattern" || spec.rfind("pattern:", 0) == 0) {
    int w = 320, h = 240, fps = 15;
    if (spec.size() > 8) {
      std::string_view s = std::string_view(spec).substr(8);
      const auto x = s.find('x'), at = s.find('@');
      if (x == std::string_view::npos || at == std::string_view::npos || at < x || !parse_int(s.substr(0, x), w) ||
          !parse_int(s.substr(x + 1, at - x - 1), h) || !parse_int(s.substr(at + 1), fps) || w < 16 || h < 16 ||
          w > 1920 || h > 1080 || w % 2 || h % 2 || fps < 1 || fps > 60)
        return unexpected("--video " + spec + ": expected pattern:WIDTHxHEIGHT@FPS (even sizes 16..1920x1080, 1..60 fps)");
    }
    return std::unique_ptr<VideoSource>(std::make_unique<PatternSource>(w, h, fps));
  }
  auto r = media::Y4mReader::open(spec);
  if (!r) return unexpected(r.error().message);
  return std::unique_ptr<VideoSource>(std::make_unique<Y4mSource>(spec, std::move(*r)));
}

Result<std::unique_ptr<VideoSink>, std::string> open_y4m_sink(const std::string& path, int fps) {
  // Fail now, not at the first frame, when the file cannot be created.
  if (std::FILE* f = std::fopen(path.c_str(), "wb")) {
    std::fclose(f);
  } else {
    return unexpected(path + ": cannot create the file");
  }
  return std::unique_ptr<VideoSink>(std::make_unique<Y4mSink>(path, fps));
}

}  // namespace confab::call
