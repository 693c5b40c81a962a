// WAV reading and writing. WAV is little-endian throughout, unlike the
// network-order codecs elsewhere, so this file has its own tiny readers.
#include "media/wav.hpp"

#include <fstream>
#include <optional>
#include <iterator>

namespace confab::media {
namespace {

constexpr std::uint16_t format_pcm = 0x0001;
constexpr std::uint16_t format_extensible = 0xFFFE;
constexpr std::size_t header_size = 44;
// Both sizes in the header are 32-bit: a file cannot hold more data than this.
constexpr std::size_t max_data_bytes = 0xFFFFFFFFu - (header_size - 8);

std::uint16_t le16(ByteView b, std::size_t at) {
  return static_cast<std::uint16_t>(b[at] | (b[at + 1] << 8));
}
std::uint32_t le32(ByteView b, std::size_t at) {
  return std::uint32_t{b[at]} | (std::uint32_t{b[at + 1]} << 8) | (std::uint32_t{b[at + 2]} << 16) |
         (std::uint32_t{b[at + 3]} << 24);
}
void put16(Bytes& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v));
  out.push_back(static_cast<std::uint8_t>(v >> 8));
}
void put32(Bytes& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

std::string fourcc_text(ByteView b, std::size_t at) {
  std::string s;
  for (std::size_t i = 0; i < 4; ++i) {
    const auto c = b[at + i];
    s += (c >= 0x20 && c < 0x7F) ? static_cast<char>(c) : '?';
  }
  return s;
}
bool is_fourcc(ByteView b, std::size_t at, std::string_view id) {
  return b.size() >= at + 4 && as_chars(b.subspan(at, 4)) == id;
}

struct Format {
  int channels = 0;
  int sample_rate = 0;
};

// The fmt chunk (WAVEFORMATEX, 16 bytes or more). Accepts PCM and
// EXTENSIBLE whose sub-format GUID starts with the PCM tag.
Result<Format, std::string> parse_fmt(ByteView body) {
  if (body.size() < 16) {
    return unexpected("fmt chunk: " + std::to_string(body.size()) + " bytes, it needs at least 16");
  }
  std::uint16_t tag = le16(body, 0);
  const std::uint16_t channels = le16(body, 2);
  const std::uint32_t rate = le32(body, 4);
  const std::uint16_t block_align = le16(body, 12);
  const std::uint16_t bits = le16(body, 14);
  if (tag == format_extensible) {
    // cbSize (2), valid bits (2), channel mask (4), sub-format GUID (16).
    if (body.size() < 40) {
      return unexpected("fmt chunk: WAVE_FORMAT_EXTENSIBLE with " + std::to_string(body.size()) +
                        " bytes, it needs 40");
    }
    tag = le16(body, 24);
  }
  if (tag != format_pcm) {
    const char* what = tag == 3 ? " (IEEE float)" : tag == 6 ? " (A-law)" : tag == 7 ? " (mu-law)" : "";
    return unexpected("fmt chunk: format " + std::to_string(tag) + what +
                      " is not supported (16-bit PCM only)");
  }
  if (bits != 16) {
    return unexpected("fmt chunk: " + std::to_string(bits) +
                      "-bit samples are not supported (16-bit PCM only)");
  }
  if (channels != 1 && channels != 2) {
    return unexpected("fmt chunk: " + std::to_string(channels) + " channels are not supported (1 or 2 only)");
  }
  if (rate == 0 || rate > 768000) {
    return unexpected("fmt chunk: sample rate " + std::to_string(rate) + " Hz is out of range (1..768000)");
  }
  if (block_align != 2 * channels) {
    return unexpected("fmt chunk: block align " + std::to_string(block_align) + " but " +
                      std::to_string(channels) + " channel(s) of 16 bits take " + std::to_string(2 * channels));
  }
  return Format{channels, static_cast<int>(rate)};
}

Bytes header_bytes(int sample_rate, int channels, std::uint32_t data_bytes) {
  Bytes out;
  out.reserve(header_size);
  const auto ch = static_cast<std::uint16_t>(channels);
  const auto rate = static_cast<std::uint32_t>(sample_rate);
  out.insert(out.end(), {'R', 'I', 'F', 'F'});
  put32(out, data_bytes + static_cast<std::uint32_t>(header_size - 8));
  out.insert(out.end(), {'W', 'A', 'V', 'E', 'f', 'm', 't', ' '});
  put32(out, 16);
  put16(out, format_pcm);
  put16(out, ch);
  put32(out, rate);
  put32(out, rate * 2u * ch);  // byte rate
  put16(out, static_cast<std::uint16_t>(2 * ch));
  put16(out, 16);
  out.insert(out.end(), {'d', 'a', 't', 'a'});
  put32(out, data_bytes);
  return out;
}

Bytes sample_bytes(std::span<const std::int16_t> samples) {
  Bytes out;
  out.reserve(samples.size() * 2);
  for (std::int16_t s : samples) put16(out, static_cast<std::uint16_t>(s));
  return out;
}

Error named(std::string_view name, const std::string& what) { return make_error(std::string(name) + ": " + what); }

}  // namespace

Result<Wav, Error> parse_wav(ByteView bytes, std::string_view name) {
  if (bytes.size() < 12 || !is_fourcc(bytes, 0, "RIFF")) return unexpected(named(name, "not a RIFF file"));
  if (!is_fourcc(bytes, 8, "WAVE")) {
    return unexpected(named(name, "RIFF form type '" + fourcc_text(bytes, 8) + "' is not WAVE"));
  }
  // Trust the RIFF size only to cut off trailing bytes: many writers leave
  // it wrong, and a short file is caught chunk by chunk below.
  std::size_t end = bytes.size();
  const std::size_t riff_end = std::size_t{le32(bytes, 4)} + 8;
  if (riff_end >= 12 && riff_end < end) end = riff_end;

  std::optional<Format> format;
  std::size_t at = 12;
  while (at < end) {
    if (end - at < 8) {
      return unexpected(named(name, "chunk header at byte " + std::to_string(at) + ": " +
                                        std::to_string(end - at) + " bytes left, a header takes 8 (truncated file)"));
    }
    const std::string id = fourcc_text(bytes, at);
    const std::size_t size = le32(bytes, at + 4);
    const std::size_t body = at + 8;
    if (id == "data") {
      if (!format) return unexpected(named(name, "data chunk at byte " + std::to_string(at) + " comes before the fmt chunk"));
      const std::size_t available = end - body;
      if (size > available) {
        return unexpected(named(name, "data chunk declares " + std::to_string(size) + " bytes but only " +
                                          std::to_string(available) + " follow (truncated file)"));
      }
      const std::size_t frame_bytes = 2 * static_cast<std::size_t>(format->channels);
      if (size % frame_bytes != 0) {
        return unexpected(named(name, "data chunk: " + std::to_string(size) + " bytes is not a whole number of " +
                                          std::to_string(frame_bytes) + "-byte sample frames"));
      }
      Wav wav;
      wav.sample_rate = format->sample_rate;
      wav.channels = format->channels;
      wav.samples.resize(size / 2);
      for (std::size_t i = 0; i < wav.samples.size(); ++i) {
        wav.samples[i] = static_cast<std::int16_t>(le16(bytes, body + 2 * i));
      }
      return wav;
    }
    if (size > end - body) {
      return unexpected(named(name, "'" + id + "' chunk at byte " + std::to_string(at) + " declares " +
                                        std::to_string(size) + " bytes but only " + std::to_string(end - body) +
                                        " follow (truncated file)"));
    }
    if (id == "fmt ") {
      if (format) return unexpected(named(name, "second fmt chunk at byte " + std::to_string(at)));
      auto f = parse_fmt(bytes.subspan(body, size));
      if (!f) return unexpected(named(name, f.error()));
      format = *f;
    }
    at = body + size + (size & 1);  // chunks are padded to even sizes
  }
  if (!format) return unexpected(named(name, "no fmt chunk"));
  return unexpected(named(name, "no data chunk"));
}

Result<Wav, Error> read_wav(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return unexpected(make_error(path + ": cannot open for reading"));
  Bytes bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return unexpected(make_error(path + ": read error"));
  return parse_wav(bytes, path);
}

Bytes format_wav(const Wav& wav) {
  Bytes out = header_bytes(wav.sample_rate, wav.channels, static_cast<std::uint32_t>(wav.samples.size() * 2));
  Bytes data = sample_bytes(wav.samples);
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

Result<std::monostate, Error> write_wav(const std::string& path, const Wav& wav) {
  auto w = WavWriter::open(path, wav.sample_rate, wav.channels);
  if (!w) return unexpected(w.error());
  auto written = w->write(wav.samples);
  if (!written) return written;
  return w->close();
}

Result<WavWriter, Error> WavWriter::open(const std::string& path, int sample_rate, int channels) {
  if (channels != 1 && channels != 2) {
    return unexpected(make_error(path + ": " + std::to_string(channels) + " channels (1 or 2 only)"));
  }
  if (sample_rate <= 0 || sample_rate > 768000) {
    return unexpected(make_error(path + ": sample rate " + std::to_string(sample_rate) + " Hz is out of range"));
  }
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return unexpected(make_error(path + ": cannot open for writing"));
  WavWriter w(path, f, channels);
  const Bytes header = header_bytes(sample_rate, channels, 0);
  if (std::fwrite(header.data(), 1, header.size(), f) != header.size()) {
    return unexpected(make_error(path + ": cannot write the header"));
  }
  return w;
}

WavWriter& WavWriter::operator=(WavWriter&& other) noexcept {
  if (this != &other) {
    (void)close();
    path_ = std::move(other.path_);
    file_ = std::move(other.file_);
    channels_ = other.channels_;
    data_bytes_ = other.data_bytes_;
  }
  return *this;
}

WavWriter::~WavWriter() { (void)close(); }

Result<std::monostate, Error> WavWriter::write(std::span<const std::int16_t> samples) {
  if (!file_) return unexpected(make_error(path_ + ": write after close"));
  if (samples.size() % static_cast<std::size_t>(channels_) != 0) {
    return unexpected(make_error(path_ + ": " + std::to_string(samples.size()) + " samples is not a whole number of " +
                                 std::to_string(channels_) + "-channel frames"));
  }
  if (samples.size() * 2 > max_data_bytes - data_bytes_) {
    return unexpected(make_error(path_ + ": a WAV file cannot hold more than 4 GiB of samples"));
  }
  const Bytes data = sample_bytes(samples);
  if (std::fwrite(data.data(), 1, data.size(), file_.get()) != data.size()) {
    return unexpected(make_error(path_ + ": write error after " + std::to_string(data_bytes_) + " data bytes"));
  }
  data_bytes_ += data.size();
  return std::monostate{};
}

Result<std::monostate, Error> WavWriter::close() {
  if (!file_) return std::monostate{};
  std::FILE* f = file_.release();
  Bytes riff_size, data_size;
  put32(riff_size, static_cast<std::uint32_t>(data_bytes_ + header_size - 8));
  put32(data_size, static_cast<std::uint32_t>(data_bytes_));
  const bool ok = std::fseek(f, 4, SEEK_SET) == 0 && std::fwrite(riff_size.data(), 1, 4, f) == 4 &&
                  std::fseek(f, 40, SEEK_SET) == 0 && std::fwrite(data_size.data(), 1, 4, f) == 4;
  const bool closed = std::fclose(f) == 0;
  if (!ok || !closed) return unexpected(make_error(path_ + ": cannot finish the header (sizes not patched)"));
  return std::monostate{};
}

}  // namespace confab::media
