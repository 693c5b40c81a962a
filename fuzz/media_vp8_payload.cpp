// libFuzzer target for the RFC 7741 codecs and the depacketizer. The input
// is a run of records: seq (2 bytes), timestamp step (1), flags (1: bit 0 is
// the marker), length (1), then that many payload bytes. The depacketizer
// must never crash, and what it delivers must be whole, parseable frames.
#include <cstdio>
#include <cstdlib>

#include "media/vp8_payload.hpp"

namespace {

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "media_vp8_payload invariant broken: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace confab;
  using namespace confab::media;
  const ByteView in(data, size);

  // The codecs on the raw bytes: a parsed descriptor writes back to bytes
  // that parse to the same fields.
  if (auto d = parse_vp8_descriptor(in)) {
    check(d->size <= size && d->size >= 1 && d->size <= 6, "descriptor size");
    Bytes again;
    write_vp8_descriptor(again, *d);
    auto e = parse_vp8_descriptor(again);
    check(e.has_value(), "written descriptor parses");
    check(e->picture_id == d->picture_id && e->tl0picidx == d->tl0picidx && e->temporal_id == d->temporal_id &&
              e->key_idx == d->key_idx && e->start_of_partition == d->start_of_partition &&
              e->partition_id == d->partition_id && e->non_reference == d->non_reference,
          "descriptor round trip");
  }
  (void)parse_vp8_payload_header(in);

  Vp8DepacketizerConfig cfg;
  cfg.reorder_window_packets = 16;
  cfg.rerequest_after_frames = 3;
  Vp8Depacketizer depacketizer(cfg);
  ByteReader r(in);
  std::uint32_t ts = 0;
  while (r.remaining() >= 5) {
    const std::uint16_t seq = *r.u16();
    ts += *r.u8() * 3000u;
    const bool marker = (*r.u8() & 1) != 0;
    const std::size_t len = *r.u8();
    auto payload = r.take(std::min(len, r.remaining()));
    auto ok = depacketizer.handle_packet(seq, ts, marker, *payload);
    if (!ok) check(!ok.error().message.empty(), "error message");
    while (auto f = depacketizer.poll_frame()) {
      check(!f->data.empty(), "frame has data");
      auto h = parse_vp8_payload_header(f->data);
      check(h.has_value() && h->keyframe == f->keyframe, "delivered frame's header parses");
    }
    (void)depacketizer.poll_keyframe_request();
  }
  const auto& s = depacketizer.stats();
  check(s.frames_out <= s.packets, "no more frames than packets");
  return 0;
}
