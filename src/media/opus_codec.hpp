#pragma once
// Opus (RFC 6716) through libopus, as a call uses it (RFC 7587): 48 kHz,
// mono or stereo, 20 ms frames, the VOIP application, in-band FEC and a
// loss-rate hint the receiver's reports keep current. libopus stays out of
// this header (pimpl).
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "media/error.hpp"

namespace confab::media {

// RFC 7587 §4.1: the RTP clock is 48 kHz whatever the coded bandwidth, and
// the rtpmap always says "opus/48000/2", even for mono.
constexpr int opus_rtp_clock_rate = 48000;
constexpr int opus_sample_rate = 48000;
constexpr int opus_frame_samples = 960;  // per channel, 20 ms at 48 kHz
constexpr int opus_max_frame_samples = 5760;  // 120 ms, the longest a packet decodes to

struct OpusEncoderConfig {
  int channels = 1;              // 1 or 2
  int bitrate = 32000;           // bit/s, 6000..510000
  bool inband_fec = false;       // LBRR: each packet also carries the previous frame coarsely
  int packet_loss_percent = 0;   // expected loss, 0..100; FEC only engages when > 0
  int complexity = 5;            // 0..10; 5 keeps a call cheap on small machines
};

class OpusEncoder {
 public:
  static Result<OpusEncoder, Error> create(const OpusEncoderConfig& config);
  OpusEncoder(OpusEncoder&&) noexcept;
  OpusEncoder& operator=(OpusEncoder&&) noexcept;
  ~OpusEncoder();

  // One 20 ms frame: exactly 960 × channels interleaved samples → one packet.
  Result<Bytes, Error> encode(std::span<const std::int16_t> frame);

  Result<std::monostate, Error> set_bitrate(int bits_per_second);
  Result<std::monostate, Error> set_inband_fec(bool on);
  Result<std::monostate, Error> set_packet_loss_percent(int percent);

  int channels() const;
  // Samples (per channel, at 48 kHz) the encoder delays its input by: the
  // decoded signal lags the original by this much (312 = 6.5 ms for libopus
  // 1.3 VOIP at 48 kHz).
  int lookahead() const;

 private:
  struct Impl;
  explicit OpusEncoder(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

class OpusDecoder {
 public:
  static Result<OpusDecoder, Error> create(int channels);
  OpusDecoder(OpusDecoder&&) noexcept;
  OpusDecoder& operator=(OpusDecoder&&) noexcept;
  ~OpusDecoder();

  // Decodes one packet into interleaved samples (960 × channels for 20 ms).
  Result<std::vector<std::int16_t>, Error> decode(ByteView payload);
  // Packet loss concealment for one missing frame of `samples` per channel
  // (a multiple of 2.5 ms; 960 for a 20 ms frame).
  Result<std::vector<std::int16_t>, Error> conceal(int samples = opus_frame_samples);
  // Recovers a missing frame from the FEC data in the packet that followed
  // it. When that packet has no FEC, libopus conceals instead.
  Result<std::vector<std::int16_t>, Error> decode_fec(ByteView next_payload, int samples = opus_frame_samples);

  int channels() const;

 private:
  struct Impl;
  explicit OpusDecoder(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Number of 48 kHz samples per channel a packet decodes to, from its TOC
// byte and frame count (RFC 6716 §3.1); an error for a malformed packet.
Result<int, Error> opus_packet_samples(ByteView payload);

// The fmtp parameters of RFC 7587 §6.1 a call uses. Absent parameters take
// the RFC's defaults; unknown ones are kept so a re-offer does not drop them.
struct OpusFmtp {
  std::optional<int> minptime;            // ms
  std::optional<int> ptime;               // ms (normally an a=ptime line; some peers put it here)
  std::optional<int> maxplaybackrate;     // Hz, 8000..48000
  std::optional<int> sprop_maxcapturerate;
  std::optional<int> maxaveragebitrate;   // bit/s, 6000..510000
  bool stereo = false;                    // the receiver prefers stereo
  bool sprop_stereo = false;              // the sender is likely to send stereo
  bool cbr = false;
  bool useinbandfec = false;              // the receiver can use in-band FEC
  bool usedtx = false;
  std::vector<std::pair<std::string, std::string>> other;

  // "minptime=10;useinbandfec=1" (whitespace around ';' and '=' allowed).
  static Result<OpusFmtp, Error> parse(std::string_view text);
  // Only parameters that differ from the defaults, minptime first as
  // browsers write it: "minptime=10;useinbandfec=1".
  std::string format() const;
};

}  // namespace confab::media
