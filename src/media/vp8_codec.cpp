// libvpx behind the pimpl. Rate-control settings follow what WebRTC's VP8
// wrapper uses for calls (CBR, quantizer 2..56, 0.5/0.6/1 s buffer model),
// which keeps frame sizes steady enough for a paced RTP sender.
#include "media/vp8_codec.hpp"

#include <vpx/vp8cx.h>
#include <vpx/vp8dx.h>
#include <vpx/vpx_decoder.h>
#include <vpx/vpx_encoder.h>

#include <algorithm>
#include <cstring>

namespace confab::media {
namespace {

std::string vpx_message(vpx_codec_ctx_t* ctx, const std::string& what) {
  std::string s = "vp8: " + what + ": " + vpx_codec_error(ctx);
  if (const char* detail = vpx_codec_error_detail(ctx)) s += std::string(" (") + detail + ")";
  return s;
}

std::string size_text(int w, int h) { return std::to_string(w) + "x" + std::to_string(h); }

Result<std::monostate, Error> check_config(const Vp8EncoderConfig& c) {
  if (c.width < 2 || c.height < 2 || c.width > 16383 || c.height > 16383) {
    return unexpected(make_error("vp8 encoder: size " + size_text(c.width, c.height) + " is not in 2..16383"));
  }
  if (c.fps < 1 || c.fps > 240) {
    return unexpected(make_error("vp8 encoder: " + std::to_string(c.fps) + " fps is not in 1..240"));
  }
  if (c.bitrate_kbps < 10 || c.bitrate_kbps > 100000) {
    return unexpected(make_error("vp8 encoder: " + std::to_string(c.bitrate_kbps) + " kbit/s is not in 10..100000"));
  }
  if (c.cpu_used < -16 || c.cpu_used > 16) {
    return unexpected(make_error("vp8 encoder: cpu_used " + std::to_string(c.cpu_used) + " is not in -16..16"));
  }
  if (c.threads < 1 || c.threads > 16 || c.max_keyframe_interval < 1) {
    return unexpected(make_error("vp8 encoder: threads must be 1..16 and the keyframe interval positive"));
  }
  return std::monostate{};
}

}  // namespace

// ---- encoder -----------------------------------------------------------------

struct Vp8Encoder::Impl {
  vpx_codec_ctx_t ctx{};
  vpx_codec_enc_cfg_t cfg{};
  bool initialised = false;
  Vp8EncoderConfig config;
  vpx_codec_pts_t pts = 0;
  bool keyframe_requested = false;
  ~Impl() {
    if (initialised) vpx_codec_destroy(&ctx);
  }
};

Vp8Encoder::Vp8Encoder(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Vp8Encoder::Vp8Encoder(Vp8Encoder&&) noexcept = default;
Vp8Encoder& Vp8Encoder::operator=(Vp8Encoder&&) noexcept = default;
Vp8Encoder::~Vp8Encoder() = default;

Result<Vp8Encoder, Error> Vp8Encoder::create(const Vp8EncoderConfig& config) {
  if (auto ok = check_config(config); !ok) return unexpected(ok.error());
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  vpx_codec_enc_cfg_t& cfg = impl->cfg;
  if (vpx_codec_enc_config_default(vpx_codec_vp8_cx(), &cfg, 0) != VPX_CODEC_OK) {
    return unexpected(make_error("vp8 encoder: libvpx has no default configuration"));
  }
  cfg.g_w = static_cast<unsigned>(config.width);
  cfg.g_h = static_cast<unsigned>(config.height);
  cfg.g_timebase = {1, config.fps};
  cfg.g_threads = static_cast<unsigned>(config.threads);
  cfg.g_pass = VPX_RC_ONE_PASS;
  cfg.g_lag_in_frames = 0;
  cfg.g_error_resilient = VPX_ERROR_RESILIENT_DEFAULT;
  cfg.rc_end_usage = VPX_CBR;
  cfg.rc_target_bitrate = static_cast<unsigned>(config.bitrate_kbps);
  cfg.rc_min_quantizer = 2;
  cfg.rc_max_quantizer = 56;
  cfg.rc_undershoot_pct = 100;
  cfg.rc_overshoot_pct = 15;
  cfg.rc_buf_initial_sz = 500;
  cfg.rc_buf_optimal_sz = 600;
  cfg.rc_buf_sz = 1000;
  cfg.rc_dropframe_thresh = config.allow_frame_drop ? 30 : 0;
  cfg.kf_mode = VPX_KF_AUTO;
  cfg.kf_min_dist = 0;
  cfg.kf_max_dist = static_cast<unsigned>(config.max_keyframe_interval);
  if (vpx_codec_enc_init(&impl->ctx, vpx_codec_vp8_cx(), &cfg, 0) != VPX_CODEC_OK) {
    return unexpected(make_error(vpx_message(&impl->ctx, "cannot initialise the encoder")));
  }
  impl->initialised = true;
  vpx_codec_control(&impl->ctx, VP8E_SET_CPUUSED, config.cpu_used);
  vpx_codec_control(&impl->ctx, VP8E_SET_NOISE_SENSITIVITY, 0);
  vpx_codec_control(&impl->ctx, VP8E_SET_STATIC_THRESHOLD, 1);
  // One token partition: the packetizer sends the frame as one unit (PartID 0).
  vpx_codec_control(&impl->ctx, VP8E_SET_TOKEN_PARTITIONS, static_cast<int>(VP8_ONE_TOKENPARTITION));
  // Cap a keyframe at 3 frames' worth of bits, so a PLI does not burst the link.
  vpx_codec_control(&impl->ctx, VP8E_SET_MAX_INTRA_BITRATE_PCT, 300u);
  return Vp8Encoder(std::move(impl));
}

Result<std::vector<EncodedVideoFrame>, Error> Vp8Encoder::encode(const I420Frame& frame) {
  Impl& m = *impl_;
  if (!frame.consistent() || frame.width != m.config.width || frame.height != m.config.height) {
    return unexpected(make_error("vp8 encode: " + size_text(frame.width, frame.height) + " picture (planes " +
                                 std::to_string(frame.y.size()) + "/" + std::to_string(frame.u.size()) + "/" +
                                 std::to_string(frame.v.size()) + " bytes) but the encoder is " +
                                 size_text(m.config.width, m.config.height)));
  }
  vpx_image_t img;
  // libvpx never writes through the input planes; wrap ours without a copy.
  auto* y = const_cast<unsigned char*>(frame.y.data());
  vpx_img_wrap(&img, VPX_IMG_FMT_I420, static_cast<unsigned>(frame.width), static_cast<unsigned>(frame.height), 1, y);
  img.planes[VPX_PLANE_Y] = y;
  img.planes[VPX_PLANE_U] = const_cast<unsigned char*>(frame.u.data());
  img.planes[VPX_PLANE_V] = const_cast<unsigned char*>(frame.v.data());
  img.stride[VPX_PLANE_Y] = frame.width;
  img.stride[VPX_PLANE_U] = frame.chroma_width();
  img.stride[VPX_PLANE_V] = frame.chroma_width();

  const vpx_enc_frame_flags_t flags = m.keyframe_requested ? VPX_EFLAG_FORCE_KF : 0;
  if (vpx_codec_encode(&m.ctx, &img, m.pts, 1, flags, VPX_DL_REALTIME) != VPX_CODEC_OK) {
    return unexpected(make_error(vpx_message(&m.ctx, "encode of frame " + std::to_string(m.pts))));
  }
  m.keyframe_requested = false;
  ++m.pts;
  std::vector<EncodedVideoFrame> out;
  vpx_codec_iter_t iter = nullptr;
  while (const vpx_codec_cx_pkt_t* pkt = vpx_codec_get_cx_data(&m.ctx, &iter)) {
    if (pkt->kind != VPX_CODEC_CX_FRAME_PKT) continue;
    const auto* data = static_cast<const std::uint8_t*>(pkt->data.frame.buf);
    EncodedVideoFrame f;
    f.data.assign(data, data + pkt->data.frame.sz);
    f.keyframe = (pkt->data.frame.flags & VPX_FRAME_IS_KEY) != 0;
    out.push_back(std::move(f));
  }
  return out;
}

Result<std::monostate, Error> Vp8Encoder::set_bitrate_kbps(int kbps) {
  Impl& m = *impl_;
  if (kbps < 10 || kbps > 100000) {
    return unexpected(make_error("vp8 encoder: " + std::to_string(kbps) + " kbit/s is not in 10..100000"));
  }
  m.cfg.rc_target_bitrate = static_cast<unsigned>(kbps);
  if (vpx_codec_enc_config_set(&m.ctx, &m.cfg) != VPX_CODEC_OK) {
    return unexpected(make_error(vpx_message(&m.ctx, "set bitrate")));
  }
  m.config.bitrate_kbps = kbps;
  return std::monostate{};
}

void Vp8Encoder::request_keyframe() { impl_->keyframe_requested = true; }

const Vp8EncoderConfig& Vp8Encoder::config() const { return impl_->config; }

// ---- decoder -----------------------------------------------------------------

struct Vp8Decoder::Impl {
  vpx_codec_ctx_t ctx{};
  bool initialised = false;
  // Until a keyframe decodes (at the start, and after any error) delta
  // frames are refused: libvpx would decode them against stale references.
  bool need_keyframe = true;
  int decoded = 0;
  ~Impl() {
    if (initialised) vpx_codec_destroy(&ctx);
  }
};

Vp8Decoder::Vp8Decoder(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Vp8Decoder::Vp8Decoder(Vp8Decoder&&) noexcept = default;
Vp8Decoder& Vp8Decoder::operator=(Vp8Decoder&&) noexcept = default;
Vp8Decoder::~Vp8Decoder() = default;

Result<Vp8Decoder, Error> Vp8Decoder::create(int threads) {
  auto impl = std::make_unique<Impl>();
  vpx_codec_dec_cfg_t cfg{};
  cfg.threads = static_cast<unsigned>(std::max(1, threads));
  if (vpx_codec_dec_init(&impl->ctx, vpx_codec_vp8_dx(), &cfg, 0) != VPX_CODEC_OK) {
    return unexpected(make_error(vpx_message(&impl->ctx, "cannot initialise the decoder")));
  }
  impl->initialised = true;
  return Vp8Decoder(std::move(impl));
}

Result<std::optional<I420Frame>, Error> Vp8Decoder::decode(ByteView frame) {
  Impl& m = *impl_;
  const std::string where = "vp8 decode of frame " + std::to_string(m.decoded);
  if (frame.size() < 3) {
    m.need_keyframe = true;
    return unexpected(make_error(where + ": " + std::to_string(frame.size()) + " bytes, a frame header takes 3"));
  }
  // RFC 6386 §9.1: bit 0 of the first byte is 0 for a keyframe.
  const bool keyframe = (frame[0] & 1u) == 0;
  if (!keyframe && m.need_keyframe) {
    return unexpected(make_error(where + ": delta frame while waiting for a keyframe"));
  }
  if (keyframe && (frame.size() < 10 || frame[3] != 0x9d || frame[4] != 0x01 || frame[5] != 0x2a)) {
    m.need_keyframe = true;
    return unexpected(make_error(where + ": keyframe without the 9d 01 2a start code"));
  }
  if (vpx_codec_decode(&m.ctx, frame.data(), static_cast<unsigned>(frame.size()), nullptr, 0) != VPX_CODEC_OK) {
    m.need_keyframe = true;
    return unexpected(make_error(vpx_message(&m.ctx, where)));
  }
  int corrupted = 0;
  if (vpx_codec_control(&m.ctx, VP8D_GET_FRAME_CORRUPTED, &corrupted) == VPX_CODEC_OK && corrupted != 0) {
    m.need_keyframe = true;
    return unexpected(make_error(where + ": decoded but corrupt (it references a lost frame)"));
  }
  m.need_keyframe = false;
  ++m.decoded;
  std::optional<I420Frame> out;
  vpx_codec_iter_t iter = nullptr;
  while (vpx_image_t* img = vpx_codec_get_frame(&m.ctx, &iter)) {
    if (img->fmt != VPX_IMG_FMT_I420) continue;
    I420Frame f;
    f.width = static_cast<int>(img->d_w);
    f.height = static_cast<int>(img->d_h);
    auto copy_plane = [&](std::vector<std::uint8_t>& dst, int plane, int w, int h) {
      dst.resize(static_cast<std::size_t>(w) * static_cast<std::size_t>(h));
      for (int row = 0; row < h; ++row) {
        std::memcpy(dst.data() + static_cast<std::size_t>(row) * static_cast<std::size_t>(w),
                    img->planes[plane] + static_cast<std::ptrdiff_t>(row) * img->stride[plane],
                    static_cast<std::size_t>(w));
      }
    };
    copy_plane(f.y, VPX_PLANE_Y, f.width, f.height);
    copy_plane(f.u, VPX_PLANE_U, f.chroma_width(), f.chroma_height());
    copy_plane(f.v, VPX_PLANE_V, f.chroma_width(), f.chroma_height());
    out = std::move(f);
  }
  return out;
}

int Vp8Decoder::frames_decoded() const { return impl_->decoded; }

}  // namespace confab::media
