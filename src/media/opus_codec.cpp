// libopus behind the pimpl. Our classes share libopus's type names, so its
// types are spelled ::OpusEncoder / ::OpusDecoder here.
#include "media/opus_codec.hpp"

#include <opus.h>

#include <charconv>

namespace confab::media {
namespace {

Error opus_error(const std::string& what, int code) {
  return make_error("opus: " + what + ": " + opus_strerror(code));
}

bool valid_channels(int c) { return c == 1 || c == 2; }

}  // namespace

// ---- encoder -----------------------------------------------------------------

struct OpusEncoder::Impl {
  ::OpusEncoder* enc = nullptr;
  int channels = 1;
  ~Impl() {
    if (enc != nullptr) opus_encoder_destroy(enc);
  }
};

OpusEncoder::OpusEncoder(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
OpusEncoder::OpusEncoder(OpusEncoder&&) noexcept = default;
OpusEncoder& OpusEncoder::operator=(OpusEncoder&&) noexcept = default;
OpusEncoder::~OpusEncoder() = default;

Result<OpusEncoder, Error> OpusEncoder::create(const OpusEncoderConfig& config) {
  if (!valid_channels(config.channels)) {
    return unexpected(make_error("opus encoder: " + std::to_string(config.channels) + " channels (1 or 2 only)"));
  }
  auto impl = std::make_unique<Impl>();
  impl->channels = config.channels;
  int err = OPUS_OK;
  impl->enc = opus_encoder_create(opus_sample_rate, config.channels, OPUS_APPLICATION_VOIP, &err);
  if (err != OPUS_OK || impl->enc == nullptr) return unexpected(opus_error("cannot create the encoder", err));
  if (config.complexity < 0 || config.complexity > 10) {
    return unexpected(make_error("opus encoder: complexity " + std::to_string(config.complexity) + " is not in 0..10"));
  }
  opus_encoder_ctl(impl->enc, OPUS_SET_COMPLEXITY(config.complexity));
  opus_encoder_ctl(impl->enc, OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE));
  OpusEncoder e(std::move(impl));
  if (auto r = e.set_bitrate(config.bitrate); !r) return unexpected(r.error());
  if (auto r = e.set_inband_fec(config.inband_fec); !r) return unexpected(r.error());
  if (auto r = e.set_packet_loss_percent(config.packet_loss_percent); !r) return unexpected(r.error());
  return e;
}

Result<Bytes, Error> OpusEncoder::encode(std::span<const std::int16_t> frame) {
  const auto want = static_cast<std::size_t>(opus_frame_samples * impl_->channels);
  if (frame.size() != want) {
    return unexpected(make_error("opus encode: " + std::to_string(frame.size()) + " samples, a 20 ms frame of " +
                                 std::to_string(impl_->channels) + " channel(s) is " + std::to_string(want)));
  }
  // 1275 bytes is the largest single Opus frame (RFC 6716 §3.2.1).
  Bytes out(1275);
  const opus_int32 n =
      opus_encode(impl_->enc, frame.data(), opus_frame_samples, out.data(), static_cast<opus_int32>(out.size()));
  if (n < 0) return unexpected(opus_error("encode", n));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

Result<std::monostate, Error> OpusEncoder::set_bitrate(int bits_per_second) {
  if (bits_per_second < 6000 || bits_per_second > 510000) {
    return unexpected(make_error("opus encoder: bitrate " + std::to_string(bits_per_second) +
                                 " bit/s is not in 6000..510000"));
  }
  const int err = opus_encoder_ctl(impl_->enc, OPUS_SET_BITRATE(bits_per_second));
  if (err != OPUS_OK) return unexpected(opus_error("set bitrate", err));
  return std::monostate{};
}

Result<std::monostate, Error> OpusEncoder::set_inband_fec(bool on) {
  const int err = opus_encoder_ctl(impl_->enc, OPUS_SET_INBAND_FEC(on ? 1 : 0));
  if (err != OPUS_OK) return unexpected(opus_error("set in-band FEC", err));
  return std::monostate{};
}

Result<std::monostate, Error> OpusEncoder::set_packet_loss_percent(int percent) {
  if (percent < 0 || percent > 100) {
    return unexpected(make_error("opus encoder: packet loss " + std::to_string(percent) + "% is not in 0..100"));
  }
  const int err = opus_encoder_ctl(impl_->enc, OPUS_SET_PACKET_LOSS_PERC(percent));
  if (err != OPUS_OK) return unexpected(opus_error("set packet loss", err));
  return std::monostate{};
}

int OpusEncoder::channels() const { return impl_->channels; }

int OpusEncoder::lookahead() const {
  opus_int32 samples = 0;
  opus_encoder_ctl(impl_->enc, OPUS_GET_LOOKAHEAD(&samples));
  return samples;
}

// ---- decoder -----------------------------------------------------------------

struct OpusDecoder::Impl {
  ::OpusDecoder* dec = nullptr;
  int channels = 1;
  ~Impl() {
    if (dec != nullptr) opus_decoder_destroy(dec);
  }

  Result<std::vector<std::int16_t>, Error> run(const std::uint8_t* data, std::size_t len, int frame_size, int fec,
                                               const char* what) {
    std::vector<std::int16_t> pcm(static_cast<std::size_t>(frame_size * channels));
    const int n = opus_decode(dec, data, static_cast<opus_int32>(len), pcm.data(), frame_size, fec);
    if (n < 0) return unexpected(opus_error(what, n));
    pcm.resize(static_cast<std::size_t>(n * channels));
    return pcm;
  }
};

OpusDecoder::OpusDecoder(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
OpusDecoder::OpusDecoder(OpusDecoder&&) noexcept = default;
OpusDecoder& OpusDecoder::operator=(OpusDecoder&&) noexcept = default;
OpusDecoder::~OpusDecoder() = default;

Result<OpusDecoder, Error> OpusDecoder::create(int channels) {
  if (!valid_channels(channels)) {
    return unexpected(make_error("opus decoder: " + std::to_string(channels) + " channels (1 or 2 only)"));
  }
  auto impl = std::make_unique<Impl>();
  impl->channels = channels;
  int err = OPUS_OK;
  impl->dec = opus_decoder_create(opus_sample_rate, channels, &err);
  if (err != OPUS_OK || impl->dec == nullptr) return unexpected(opus_error("cannot create the decoder", err));
  return OpusDecoder(std::move(impl));
}

Result<std::vector<std::int16_t>, Error> OpusDecoder::decode(ByteView payload) {
  if (payload.empty()) return unexpected(make_error("opus decode: empty payload (a lost packet is conceal()ed)"));
  if (payload.size() > 1275 * 48) {
    return unexpected(make_error("opus decode: " + std::to_string(payload.size()) + "-byte payload is too large"));
  }
  return impl_->run(payload.data(), payload.size(), opus_max_frame_samples, 0, "decode");
}

namespace {
Result<std::monostate, Error> check_conceal_size(int samples) {
  // libopus wants a multiple of 2.5 ms (120 samples at 48 kHz), at most 120 ms.
  if (samples <= 0 || samples % 120 != 0 || samples > opus_max_frame_samples) {
    return unexpected(make_error("opus: " + std::to_string(samples) +
                                 " samples to conceal is not a multiple of 120 in 120..5760"));
  }
  return std::monostate{};
}
}  // namespace

Result<std::vector<std::int16_t>, Error> OpusDecoder::conceal(int samples) {
  if (auto ok = check_conceal_size(samples); !ok) return unexpected(ok.error());
  return impl_->run(nullptr, 0, samples, 0, "conceal");
}

Result<std::vector<std::int16_t>, Error> OpusDecoder::decode_fec(ByteView next_payload, int samples) {
  if (auto ok = check_conceal_size(samples); !ok) return unexpected(ok.error());
  if (next_payload.empty()) return conceal(samples);
  return impl_->run(next_payload.data(), next_payload.size(), samples, 1, "decode FEC");
}

int OpusDecoder::channels() const { return impl_->channels; }

Result<int, Error> opus_packet_samples(ByteView payload) {
  if (payload.empty()) return unexpected(make_error("opus packet: empty"));
  const int n = opus_packet_get_nb_samples(payload.data(), static_cast<opus_int32>(payload.size()), opus_sample_rate);
  if (n < 0) return unexpected(opus_error("packet", n));
  return n;
}

// ---- fmtp (RFC 7587 §6.1) ----------------------------------------------------

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<int> number(std::string_view s, int lo, int hi) {
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size() || v < lo || v > hi) return std::nullopt;
  return v;
}

}  // namespace

Result<OpusFmtp, Error> OpusFmtp::parse(std::string_view text) {
  OpusFmtp f;
  while (!text.empty()) {
    const std::size_t semi = text.find(';');
    const std::string_view item = trim(text.substr(0, semi));
    text = semi == std::string_view::npos ? std::string_view{} : text.substr(semi + 1);
    if (item.empty()) continue;
    const std::size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      return unexpected(make_error("opus fmtp: '" + std::string(item) + "' is not name=value"));
    }
    const std::string name(trim(item.substr(0, eq)));
    const std::string_view value = trim(item.substr(eq + 1));
    auto bad = [&](const char* expected) {
      return unexpected(make_error("opus fmtp: " + name + "=" + std::string(value) + " is not " + expected));
    };
    auto flag = [&](bool& out) -> bool {
      if (value != "0" && value != "1") return false;
      out = value == "1";
      return true;
    };
    auto ranged = [&](std::optional<int>& out, int lo, int hi) -> bool {
      out = number(value, lo, hi);
      return out.has_value();
    };
    if (name == "minptime" || name == "ptime") {
      if (!ranged(name == "ptime" ? f.ptime : f.minptime, 3, 120)) return bad("a number of ms in 3..120");
    } else if (name == "maxplaybackrate" || name == "sprop-maxcapturerate") {
      if (!ranged(name == "maxplaybackrate" ? f.maxplaybackrate : f.sprop_maxcapturerate, 8000, 48000)) {
        return bad("a rate in 8000..48000");
      }
    } else if (name == "maxaveragebitrate") {
      if (!ranged(f.maxaveragebitrate, 6000, 510000)) return bad("a bitrate in 6000..510000");
    } else if (name == "stereo" || name == "sprop-stereo" || name == "cbr" || name == "useinbandfec" ||
               name == "usedtx") {
      bool& target = name == "stereo"         ? f.stereo
                     : name == "sprop-stereo" ? f.sprop_stereo
                     : name == "cbr"          ? f.cbr
                     : name == "useinbandfec" ? f.useinbandfec
                                              : f.usedtx;
      if (!flag(target)) return bad("0 or 1");
    } else {
      f.other.emplace_back(name, std::string(value));
    }
  }
  return f;
}

std::string OpusFmtp::format() const {
  std::string out;
  auto add = [&](const std::string& name, const std::string& value) {
    if (!out.empty()) out += ';';
    out += name + "=" + value;
  };
  if (minptime) add("minptime", std::to_string(*minptime));
  if (ptime) add("ptime", std::to_string(*ptime));
  if (maxplaybackrate) add("maxplaybackrate", std::to_string(*maxplaybackrate));
  if (sprop_maxcapturerate) add("sprop-maxcapturerate", std::to_string(*sprop_maxcapturerate));
  if (maxaveragebitrate) add("maxaveragebitrate", std::to_string(*maxaveragebitrate));
  if (stereo) add("stereo", "1");
  if (sprop_stereo) add("sprop-stereo", "1");
  if (cbr) add("cbr", "1");
  if (useinbandfec) add("useinbandfec", "1");
  if (usedtx) add("usedtx", "1");
  for (const auto& [name, value] : other) add(name, value);
  return out;
}

}  // namespace confab::media
