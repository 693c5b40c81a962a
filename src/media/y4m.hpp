#pragma once
// YUV4MPEG2 (.y4m) files, 4:2:0 8-bit only: the format ffmpeg, x264 and the
// libvpx tools read and write, so test video can come from and go to them.
//   YUV4MPEG2 W320 H240 F30:1 Ip A1:1 C420jpeg\n  then per frame:
//   FRAME[ params]\n <Y plane><U plane><V plane>
// C420, C420jpeg, C420paldv, C420mpeg2 and no C tag (= 420) are accepted;
// they differ only in chroma siting, which we carry but do not act on.
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "media/error.hpp"
#include "media/frame.hpp"

namespace confab::media {

struct Y4mHeader {
  int width = 0;
  int height = 0;
  int fps_num = 30;  // F<num>:<den>
  int fps_den = 1;
  char interlace = 'p';           // I tag: p, t, b or m; '?' when absent
  std::string colorspace = "420";  // C tag without the C: 420, 420jpeg, 420paldv, 420mpeg2
  std::string extra;               // other tags (A, X...), verbatim, space separated

  double fps() const { return fps_den > 0 ? static_cast<double>(fps_num) / fps_den : 0.0; }
};

// Largest accepted picture side: keeps one frame under 100 MB and rejects a
// header that would make the reader allocate gigabytes.
constexpr int y4m_max_dimension = 8192;

Result<Y4mHeader, Error> parse_y4m_header(std::string_view line);
std::string format_y4m_header(const Y4mHeader& h);  // with the trailing '\n'
// Appends "FRAME\n" and the three planes; the frame must be consistent().
void append_y4m_frame(Bytes& out, const I420Frame& frame);

// Reads a .y4m from a file (streamed, one frame in memory at a time) or from
// a buffer. Errors name the source and the frame number (counted from 0).
class Y4mReader {
 public:
  static Result<Y4mReader, Error> open(const std::string& path);
  // `bytes` must outlive the reader.
  static Result<Y4mReader, Error> from_memory(ByteView bytes, std::string name = "y4m");

  Y4mReader(Y4mReader&&) noexcept;
  Y4mReader& operator=(Y4mReader&&) noexcept;
  ~Y4mReader();

  const Y4mHeader& header() const;
  // The next frame; nullopt at a clean end of file.
  Result<std::optional<I420Frame>, Error> next();
  int frames_read() const;

 private:
  struct Impl;
  explicit Y4mReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Streams frames to a .y4m file. Every frame must have the header's size.
class Y4mWriter {
 public:
  static Result<Y4mWriter, Error> open(const std::string& path, const Y4mHeader& header);
  Y4mWriter(Y4mWriter&&) noexcept = default;
  Y4mWriter& operator=(Y4mWriter&&) noexcept = default;

  Result<std::monostate, Error> write(const I420Frame& frame);
  Result<std::monostate, Error> close();
  int frames_written() const { return frames_; }

 private:
  struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  Y4mWriter(std::string path, std::FILE* f, Y4mHeader h) : path_(std::move(path)), file_(f), header_(std::move(h)) {}
  std::string path_;
  std::unique_ptr<std::FILE, FileCloser> file_;
  Y4mHeader header_;
  int frames_ = 0;
};

}  // namespace confab::media
