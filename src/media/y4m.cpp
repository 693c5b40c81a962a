// Y4M reading and writing. The reader works on one abstract byte source
// (file or memory) so the fuzzer exercises the same code a file goes through.
#include "media/y4m.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstring>

namespace confab::media {
namespace {

constexpr std::string_view magic = "YUV4MPEG2";
constexpr std::size_t max_line = 4096;  // a header or FRAME line longer than this is not Y4M

Error named(const std::string& name, const std::string& what) { return make_error(name + ": " + what); }

std::optional<int> positive(std::string_view s, int max) {
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size() || v <= 0 || v > max) return std::nullopt;
  return v;
}

bool supported_colorspace(std::string_view c) {
  return c == "420" || c == "420jpeg" || c == "420paldv" || c == "420mpeg2";
}

std::string quoted(std::string_view s) {
  std::string out = "'";
  for (char c : s.substr(0, 40)) out += (c >= 0x20 && c < 0x7F) ? c : '?';
  return out + (s.size() > 40 ? "...'" : "'");
}

}  // namespace

Result<Y4mHeader, Error> parse_y4m_header(std::string_view line) {
  if (line.substr(0, magic.size()) != magic || (line.size() > magic.size() && line[magic.size()] != ' ')) {
    return unexpected(make_error("not a Y4M file (it must start with 'YUV4MPEG2 ')"));
  }
  Y4mHeader h;
  h.interlace = '?';
  bool have_w = false, have_h = false;
  std::string_view rest = line.substr(magic.size());
  while (!rest.empty()) {
    if (rest.front() == ' ') {
      rest.remove_prefix(1);
      continue;
    }
    const std::size_t sp = rest.find(' ');
    const std::string_view tag = rest.substr(0, sp);
    rest = sp == std::string_view::npos ? std::string_view{} : rest.substr(sp);
    const std::string_view value = tag.substr(1);
    switch (tag[0]) {
      case 'W':
      case 'H': {
        auto v = positive(value, y4m_max_dimension);
        if (!v) {
          return unexpected(make_error("header: " + std::string(1, tag[0]) + " " + quoted(value) +
                                       " is not a size in 1.." + std::to_string(y4m_max_dimension)));
        }
        (tag[0] == 'W' ? h.width : h.height) = *v;
        (tag[0] == 'W' ? have_w : have_h) = true;
        break;
      }
      case 'F': {
        const std::size_t colon = value.find(':');
        auto num = positive(value.substr(0, colon), 1'000'000'000);
        auto den = colon == std::string_view::npos ? std::nullopt : positive(value.substr(colon + 1), 1'000'000'000);
        if (!num || !den) {
          return unexpected(make_error("header: frame rate " + quoted(value) + " is not <num>:<den> with both positive"));
        }
        h.fps_num = *num;
        h.fps_den = *den;
        break;
      }
      case 'I':
        if (value.size() != 1 || std::string_view("ptbm?").find(value[0]) == std::string_view::npos) {
          return unexpected(make_error("header: interlacing " + quoted(value) + " is not one of p t b m ?"));
        }
        h.interlace = value[0];
        break;
      case 'C':
        if (!supported_colorspace(value)) {
          return unexpected(make_error("header: colour space C" + std::string(value.substr(0, 40)) +
                                       " is not supported (8-bit 4:2:0 only: C420, C420jpeg, C420paldv, C420mpeg2)"));
        }
        h.colorspace = std::string(value);
        break;
      default:
        if (!h.extra.empty()) h.extra += ' ';
        h.extra += std::string(tag);
        break;
    }
  }
  if (!have_w || !have_h) return unexpected(make_error("header: no W (width) or H (height) tag"));
  return h;
}

std::string format_y4m_header(const Y4mHeader& h) {
  std::string s = std::string(magic) + " W" + std::to_string(h.width) + " H" + std::to_string(h.height) + " F" +
                  std::to_string(h.fps_num) + ":" + std::to_string(h.fps_den);
  if (h.interlace != '?') s += std::string(" I") + h.interlace;
  if (!h.extra.empty()) s += " " + h.extra;
  s += " C" + (h.colorspace.empty() ? std::string("420") : h.colorspace);
  return s + "\n";
}

void append_y4m_frame(Bytes& out, const I420Frame& frame) {
  static constexpr std::string_view frame_line = "FRAME\n";
  out.insert(out.end(), frame_line.begin(), frame_line.end());
  out.insert(out.end(), frame.y.begin(), frame.y.end());
  out.insert(out.end(), frame.u.begin(), frame.u.end());
  out.insert(out.end(), frame.v.begin(), frame.v.end());
}

// ---- reader -----------------------------------------------------------------

struct Y4mReader::Impl {
  struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  std::string name;
  std::unique_ptr<std::FILE, FileCloser> file;  // either a file...
  ByteView memory;                               // ...or a buffer
  std::size_t pos = 0;
  Y4mHeader header;
  int frames = 0;

  // Reads up to n bytes into dst; returns how many (fewer only at the end).
  std::size_t read(std::uint8_t* dst, std::size_t n) {
    if (file) return std::fread(dst, 1, n, file.get());
    const std::size_t k = std::min(n, memory.size() - pos);
    if (k > 0) std::memcpy(dst, memory.data() + pos, k);
    pos += k;
    return k;
  }
  std::size_t remaining_in_memory() const { return file ? SIZE_MAX : memory.size() - pos; }

  // A line without its '\n'. nullopt at end of input before any byte; an
  // error for an over-long or unterminated line.
  Result<std::optional<std::string>, std::string> line() {
    std::string s;
    std::uint8_t c = 0;
    while (true) {
      if (read(&c, 1) == 0) {
        if (s.empty()) return std::optional<std::string>{};
        return unexpected("line " + quoted(s) + " has no terminating newline (truncated file)");
      }
      if (c == '\n') return std::optional<std::string>{std::move(s)};
      if (s.size() == max_line) return unexpected(std::string("line longer than 4096 bytes"));
      s += static_cast<char>(c);
    }
  }

  Result<std::monostate, Error> read_header() {
    auto l = line();
    if (!l) return unexpected(named(name, "header: " + l.error()));
    if (!*l) return unexpected(named(name, "empty file, not a Y4M file"));
    auto h = parse_y4m_header(**l);
    if (!h) return unexpected(named(name, h.error().message));
    header = std::move(*h);
    return std::monostate{};
  }
};

Y4mReader::Y4mReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Y4mReader::Y4mReader(Y4mReader&&) noexcept = default;
Y4mReader& Y4mReader::operator=(Y4mReader&&) noexcept = default;
Y4mReader::~Y4mReader() = default;

const Y4mHeader& Y4mReader::header() const { return impl_->header; }
int Y4mReader::frames_read() const { return impl_->frames; }


Result<Y4mReader, Error> Y4mReader::open(const std::string& path) {
  auto impl = std::make_unique<Impl>();
  impl->name = path;
  impl->file.reset(std::fopen(path.c_str(), "rb"));
  if (!impl->file) return unexpected(make_error(path + ": cannot open for reading"));
  auto ok = impl->read_header();
  if (!ok) return unexpected(ok.error());
  return Y4mReader(std::move(impl));
}

Result<Y4mReader, Error> Y4mReader::from_memory(ByteView bytes, std::string name) {
  auto impl = std::make_unique<Impl>();
  impl->name = std::move(name);
  impl->memory = bytes;
  auto ok = impl->read_header();
  if (!ok) return unexpected(ok.error());
  return Y4mReader(std::move(impl));
}

Result<std::optional<I420Frame>, Error> Y4mReader::next() {
  Impl& m = *impl_;
  const std::string where = m.name + ": frame " + std::to_string(m.frames);
  auto l = m.line();
  if (!l) return unexpected(make_error(where + ": " + l.error()));
  if (!*l) return std::optional<I420Frame>{};
  const std::string& line = **l;
  if (line.rfind("FRAME", 0) != 0 || (line.size() > 5 && line[5] != ' ')) {
    return unexpected(make_error(where + ": expected a FRAME line, found " + quoted(line)));
  }
  // FRAME parameters (per-frame I/X tags) are allowed and ignored.
  const Y4mHeader& h = m.header;
  I420Frame f;
  f.width = h.width;
  f.height = h.height;
  const std::size_t need = f.luma_size() + 2 * f.chroma_size();
  if (need > m.remaining_in_memory()) {
    return unexpected(make_error(where + ": " + std::to_string(m.remaining_in_memory()) + " bytes left, a " +
                                 std::to_string(h.width) + "x" + std::to_string(h.height) + " frame takes " +
                                 std::to_string(need) + " (truncated file)"));
  }
  f.y.resize(f.luma_size());
  f.u.resize(f.chroma_size());
  f.v.resize(f.chroma_size());
  std::size_t got = m.read(f.y.data(), f.y.size());
  got += m.read(f.u.data(), f.u.size());
  got += m.read(f.v.data(), f.v.size());
  if (got != need) {
    return unexpected(make_error(where + ": " + std::to_string(got) + " bytes of pixels, a " + std::to_string(h.width) +
                                 "x" + std::to_string(h.height) + " frame takes " + std::to_string(need) +
                                 " (truncated file)"));
  }
  ++m.frames;
  return std::optional<I420Frame>{std::move(f)};
}

// ---- writer -----------------------------------------------------------------

Result<Y4mWriter, Error> Y4mWriter::open(const std::string& path, const Y4mHeader& header) {
  if (header.width <= 0 || header.height <= 0 || header.width > y4m_max_dimension ||
      header.height > y4m_max_dimension) {
    return unexpected(make_error(path + ": size " + std::to_string(header.width) + "x" + std::to_string(header.height) +
                                 " is out of range"));
  }
  if (!header.colorspace.empty() && !supported_colorspace(header.colorspace)) {
    return unexpected(make_error(path + ": colour space C" + header.colorspace + " is not supported"));
  }
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return unexpected(make_error(path + ": cannot open for writing"));
  Y4mWriter w(path, f, header);
  const std::string line = format_y4m_header(header);
  if (std::fwrite(line.data(), 1, line.size(), f) != line.size()) {
    return unexpected(make_error(path + ": cannot write the header"));
  }
  return w;
}

Result<std::monostate, Error> Y4mWriter::write(const I420Frame& frame) {
  const std::string where = path_ + ": frame " + std::to_string(frames_);
  if (!file_) return unexpected(make_error(where + ": write after close"));
  if (!frame.consistent() || frame.width != header_.width || frame.height != header_.height) {
    return unexpected(make_error(where + ": " + std::to_string(frame.width) + "x" + std::to_string(frame.height) +
                                 " frame (planes " + std::to_string(frame.y.size()) + "/" +
                                 std::to_string(frame.u.size()) + "/" + std::to_string(frame.v.size()) +
                                 " bytes) does not fit the file's " + std::to_string(header_.width) + "x" +
                                 std::to_string(header_.height)));
  }
  Bytes out;
  out.reserve(6 + frame.luma_size() + 2 * frame.chroma_size());
  append_y4m_frame(out, frame);
  if (std::fwrite(out.data(), 1, out.size(), file_.get()) != out.size()) {
    return unexpected(make_error(where + ": write error"));
  }
  ++frames_;
  return std::monostate{};
}

Result<std::monostate, Error> Y4mWriter::close() {
  if (!file_) return std::monostate{};
  if (std::fclose(file_.release()) != 0) return unexpected(make_error(path_ + ": error closing the file"));
  return std::monostate{};
}

}  // namespace confab::media
