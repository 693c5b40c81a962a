#pragma once
// VP8 (RFC 6386) through libvpx, tuned for a call: realtime deadline, no
// look-ahead (lag 0), error-resilient mode (a lost frame damages the
// pictures that reference it, not the entropy state), CBR at a target the
// caller moves with congestion control, keyframes on request (PLI/FIR).
// libvpx stays out of this header (pimpl).
#include <cstdint>
#include <memory>
#include <optional>
#include <variant>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "media/error.hpp"
#include "media/frame.hpp"

namespace confab::media {

struct Vp8EncoderConfig {
  int width = 320;
  int height = 240;
  int fps = 30;                 // also the timebase: one tick per frame
  int bitrate_kbps = 300;
  int cpu_used = 8;             // libvpx VP8 realtime speed, -16..16; higher is faster and worse
  int max_keyframe_interval = 3000;  // frames; keyframes otherwise come on request
  int threads = 1;
  bool allow_frame_drop = false;  // let the rate control skip frames when starved
};

struct EncodedVideoFrame {
  Bytes data;
  bool keyframe = false;
};

class Vp8Encoder {
 public:
  static Result<Vp8Encoder, Error> create(const Vp8EncoderConfig& config);
  Vp8Encoder(Vp8Encoder&&) noexcept;
  Vp8Encoder& operator=(Vp8Encoder&&) noexcept;
  ~Vp8Encoder();

  // Encodes the next picture (which must have the configured size). With
  // lag 0 this is normally one frame; none when the rate control dropped it.
  Result<std::vector<EncodedVideoFrame>, Error> encode(const I420Frame& frame);
  // Changes the target at once (takes effect on the next frame).
  Result<std::monostate, Error> set_bitrate_kbps(int kbps);
  // The next encode() produces a keyframe.
  void request_keyframe();

  const Vp8EncoderConfig& config() const;

 private:
  struct Impl;
  explicit Vp8Encoder(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

class Vp8Decoder {
 public:
  static Result<Vp8Decoder, Error> create(int threads = 1);
  Vp8Decoder(Vp8Decoder&&) noexcept;
  Vp8Decoder& operator=(Vp8Decoder&&) noexcept;
  ~Vp8Decoder();

  // Decodes one whole frame. An undecodable frame (garbage, truncated, a
  // delta frame before any keyframe) or one libvpx reports as corrupt (it
  // references a frame that was lost) is an error; the caller then asks
  // for a keyframe. nullopt for a frame that is not meant to be shown.
  Result<std::optional<I420Frame>, Error> decode(ByteView frame);

  int frames_decoded() const;

 private:
  struct Impl;
  explicit Vp8Decoder(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace confab::media
