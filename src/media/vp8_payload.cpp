// RFC 7741 payload descriptor, payload header, packetizer and depacketizer.
#include "media/vp8_payload.hpp"

#include <algorithm>

namespace confab::media {
namespace {

Error descriptor_error(const std::string& what) { return make_error("VP8 payload descriptor: " + what); }

std::string seq_text(std::uint64_t ext) { return std::to_string(static_cast<std::uint16_t>(ext)); }

}  // namespace

// ---- descriptor and header ------------------------------------------------------

Result<Vp8Descriptor, Error> parse_vp8_descriptor(ByteView payload) {
  ByteReader r(payload);
  auto b0 = r.u8();
  if (!b0) return unexpected(descriptor_error("empty payload"));
  Vp8Descriptor d;
  d.non_reference = (*b0 & 0x20) != 0;
  d.start_of_partition = (*b0 & 0x10) != 0;
  d.partition_id = *b0 & 0x07;
  if ((*b0 & 0x80) != 0) {
    auto x = r.u8();
    if (!x) return unexpected(descriptor_error("X bit set but the extension byte (byte 1) is missing"));
    const bool has_i = (*x & 0x80) != 0, has_l = (*x & 0x40) != 0, has_t = (*x & 0x20) != 0, has_k = (*x & 0x10) != 0;
    // RFC 7741 §4.2 wants T whenever L is set; senders that break this
    // exist, and reading TL0PICIDX regardless loses nothing.
    if (has_i) {
      const std::size_t at = r.offset();
      auto m = r.u8();
      if (!m) return unexpected(descriptor_error("I bit set but the PictureID (byte " + std::to_string(at) + ") is missing"));
      if ((*m & 0x80) != 0) {
        auto low = r.u8();
        if (!low) {
          return unexpected(descriptor_error("M bit set but the second PictureID byte (byte " +
                                             std::to_string(at + 1) + ") is missing"));
        }
        d.picture_id = static_cast<std::uint16_t>(((*m & 0x7F) << 8) | *low);
        d.long_picture_id = true;
      } else {
        d.picture_id = static_cast<std::uint16_t>(*m & 0x7F);
      }
    }
    if (has_l) {
      const std::size_t at = r.offset();
      auto v = r.u8();
      if (!v) return unexpected(descriptor_error("L bit set but TL0PICIDX (byte " + std::to_string(at) + ") is missing"));
      d.tl0picidx = *v;
    }
    if (has_t || has_k) {
      const std::size_t at = r.offset();
      auto v = r.u8();
      if (!v) {
        return unexpected(descriptor_error("T or K bit set but the TID/KEYIDX byte (byte " + std::to_string(at) +
                                           ") is missing"));
      }
      if (has_t) {
        d.temporal_id = static_cast<std::uint8_t>(*v >> 6);
        d.layer_sync = (*v & 0x20) != 0;
      }
      if (has_k) d.key_idx = static_cast<std::uint8_t>(*v & 0x1F);
    }
  }
  d.size = r.offset();
  return d;
}

void write_vp8_descriptor(Bytes& out, const Vp8Descriptor& d) {
  const bool has_t = d.temporal_id.has_value(), has_k = d.key_idx.has_value();
  const bool has_l = d.tl0picidx.has_value();
  const bool has_i = d.picture_id.has_value();
  const bool x = has_i || has_l || has_t || has_k;
  out.push_back(static_cast<std::uint8_t>((x ? 0x80 : 0) | (d.non_reference ? 0x20 : 0) |
                                          (d.start_of_partition ? 0x10 : 0) | (d.partition_id & 0x07)));
  if (!x) return;
  out.push_back(static_cast<std::uint8_t>((has_i ? 0x80 : 0) | (has_l ? 0x40 : 0) | (has_t ? 0x20 : 0) |
                                          (has_k ? 0x10 : 0)));
  if (has_i) {
    if (d.long_picture_id || *d.picture_id > 0x7F) {
      out.push_back(static_cast<std::uint8_t>(0x80 | ((*d.picture_id >> 8) & 0x7F)));
      out.push_back(static_cast<std::uint8_t>(*d.picture_id));
    } else {
      out.push_back(static_cast<std::uint8_t>(*d.picture_id & 0x7F));
    }
  }
  if (has_l) out.push_back(*d.tl0picidx);
  if (has_t || has_k) {
    out.push_back(static_cast<std::uint8_t>((has_t ? ((*d.temporal_id & 3) << 6) : 0) | (d.layer_sync ? 0x20 : 0) |
                                            (has_k ? (*d.key_idx & 0x1F) : 0)));
  }
}

Result<Vp8PayloadHeader, Error> parse_vp8_payload_header(ByteView frame_start) {
  if (frame_start.size() < 3) {
    return unexpected(make_error("VP8 payload header: " + std::to_string(frame_start.size()) +
                                 " bytes, the header takes 3"));
  }
  // |Size0|H| VER |P|, Size1, Size2: RFC 7741 §4.3.
  const std::uint8_t b0 = frame_start[0];
  Vp8PayloadHeader h;
  h.keyframe = (b0 & 0x01) == 0;
  h.version = (b0 >> 1) & 0x07;
  h.show_frame = (b0 & 0x10) != 0;
  h.first_partition_size = static_cast<std::uint32_t>((b0 >> 5) | (frame_start[1] << 3) | (frame_start[2] << 11));
  if (h.version > 3) {
    return unexpected(make_error("VP8 payload header: version " + std::to_string(h.version) + " is not 0..3"));
  }
  if (!h.keyframe) return h;
  if (frame_start.size() < 10) {
    return unexpected(make_error("VP8 payload header: keyframe with " + std::to_string(frame_start.size()) +
                                 " bytes, its header takes 10"));
  }
  if (frame_start[3] != 0x9d || frame_start[4] != 0x01 || frame_start[5] != 0x2a) {
    return unexpected(make_error("VP8 payload header: keyframe without the 9d 01 2a start code (bytes 3..5)"));
  }
  const int w = frame_start[6] | (frame_start[7] << 8);
  const int hh = frame_start[8] | (frame_start[9] << 8);
  h.width = w & 0x3FFF;
  h.horizontal_scale = w >> 14;
  h.height = hh & 0x3FFF;
  h.vertical_scale = hh >> 14;
  if (h.width == 0 || h.height == 0) {
    return unexpected(make_error("VP8 payload header: keyframe of size " + std::to_string(h.width) + "x" +
                                 std::to_string(h.height)));
  }
  return h;
}

// ---- packetizer -----------------------------------------------------------------

Vp8Packetizer::Vp8Packetizer(std::size_t max_payload_size, std::uint16_t first_picture_id)
    : max_payload_size_(max_payload_size), picture_id_(first_picture_id & 0x7FFF) {}

Result<std::vector<Bytes>, Error> Vp8Packetizer::packetize(ByteView frame) {
  constexpr std::size_t descriptor_size = 4;  // required byte, X byte, 15-bit PictureID
  if (frame.empty()) return unexpected(make_error("VP8 packetizer: empty frame"));
  if (max_payload_size_ <= descriptor_size) {
    return unexpected(make_error("VP8 packetizer: maximum payload size " + std::to_string(max_payload_size_) +
                                 " leaves no room after the 4-byte descriptor"));
  }
  const std::size_t room = max_payload_size_ - descriptor_size;
  const std::size_t count = (frame.size() + room - 1) / room;
  // Equal sizes (the first few one byte longer): no tiny last packet.
  const std::size_t base = frame.size() / count, extra = frame.size() % count;
  std::vector<Bytes> out;
  out.reserve(count);
  std::size_t at = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t n = base + (i < extra ? 1 : 0);
    Vp8Descriptor d;
    d.start_of_partition = i == 0;
    d.partition_id = 0;
    d.picture_id = picture_id_;
    d.long_picture_id = true;
    Bytes p;
    p.reserve(descriptor_size + n);
    write_vp8_descriptor(p, d);
    p.insert(p.end(), frame.begin() + static_cast<std::ptrdiff_t>(at),
             frame.begin() + static_cast<std::ptrdiff_t>(at + n));
    at += n;
    out.push_back(std::move(p));
  }
  picture_id_ = static_cast<std::uint16_t>((picture_id_ + 1) & 0x7FFF);
  return out;
}

// ---- depacketizer ---------------------------------------------------------------
//
// Packets wait in a map by extended sequence number. `next_` is the first
// one not yet consumed. A frame is taken when the packets from next_ on
// start a frame (S=1, PID 0) and run, without a gap, to one with the marker
// bit (or to just before a packet of a later timestamp). When next_ is
// missing, or the frame there has a gap, we wait for reordered packets until
// the gap is clearly loss (see the config), then skip to the next frame
// start and wait for a keyframe.

Vp8Depacketizer::Vp8Depacketizer(Vp8DepacketizerConfig config) : config_(config) {
  config_.reorder_window_packets = std::max<std::size_t>(config_.reorder_window_packets, 1);
  config_.reorder_window_frames = std::max(config_.reorder_window_frames, 1);
}

Result<std::monostate, Error> Vp8Depacketizer::handle_packet(std::uint16_t seq, std::uint32_t timestamp, bool marker,
                                                            ByteView payload) {
  ++stats_.packets;
  auto d = parse_vp8_descriptor(payload);
  if (!d) {
    ++stats_.packets_malformed;
    return unexpected(make_error("seq " + std::to_string(seq) + ": " + d.error().message));
  }
  if (d->size >= payload.size()) {
    ++stats_.packets_malformed;
    return unexpected(make_error("seq " + std::to_string(seq) + ": VP8 payload: no frame data after the " +
                                 std::to_string(d->size) + "-byte descriptor"));
  }

  std::uint64_t ext = 0;
  if (!started_) {
    // Start far from zero so sequence numbers may run backwards.
    ext = (std::uint64_t{1} << 32) + seq;
    started_ = true;
    next_ = highest_ = ext;
  } else {
    const auto delta = static_cast<std::int16_t>(static_cast<std::uint16_t>(seq - static_cast<std::uint16_t>(highest_)));
    ext = static_cast<std::uint64_t>(static_cast<std::int64_t>(highest_) + delta);
  }
  if (ext < next_) {
    // Before anything is delivered, an earlier packet just moves the start back.
    if (!delivered_any_ && stats_.frames_lost == 0 && next_ - ext <= config_.reorder_window_packets) {
      next_ = ext;
    } else {
      ++stats_.packets_late;
      return std::monostate{};
    }
  }
  if (buffer_.count(ext) != 0) {
    ++stats_.packets_duplicate;
    return std::monostate{};
  }
  highest_ = std::max(highest_, ext);
  Packet p;
  p.timestamp = timestamp;
  p.marker = marker;
  p.descriptor = *d;
  p.data.assign(payload.begin() + static_cast<std::ptrdiff_t>(d->size), payload.end());
  buffer_.emplace(ext, std::move(p));
  process();
  return std::monostate{};
}

std::optional<Vp8ReceivedFrame> Vp8Depacketizer::poll_frame() {
  if (frames_.empty()) return std::nullopt;
  Vp8ReceivedFrame f = std::move(frames_.front());
  frames_.pop_front();
  return f;
}

std::optional<std::string> Vp8Depacketizer::poll_keyframe_request() {
  auto r = std::move(keyframe_request_);
  keyframe_request_.reset();
  return r;
}

void Vp8Depacketizer::request_keyframe(std::string reason) {
  if (!keyframe_request_) ++stats_.keyframe_requests;
  keyframe_request_ = std::move(reason);
  dropped_since_request_ = 0;
}

bool Vp8Depacketizer::blocked_long_enough(std::uint64_t blocked_at) const {
  if (highest_ >= blocked_at + config_.reorder_window_packets) return true;
  int frames_after = 0;
  for (auto it = buffer_.upper_bound(blocked_at); it != buffer_.end(); ++it) {
    if (it->second.marker && ++frames_after >= config_.reorder_window_frames) return true;
  }
  return false;
}

void Vp8Depacketizer::give_up(std::uint64_t blocked_at, std::optional<std::uint32_t> blocked_timestamp,
                              const std::string& why) {
  ++stats_.frames_lost;
  waiting_for_keyframe_ = true;
  request_keyframe("frame lost (" + why + "), need keyframe");
  // Resume at the next frame start of another frame; drop what comes before.
  auto it = buffer_.upper_bound(blocked_at);
  while (it != buffer_.end() &&
         (!it->second.descriptor.starts_frame() || (blocked_timestamp && it->second.timestamp == *blocked_timestamp))) {
    ++it;
  }
  if (it == buffer_.end()) {
    next_ = highest_ + 1;
    buffer_.clear();
  } else {
    next_ = it->first;
    buffer_.erase(buffer_.begin(), it);
  }
}

void Vp8Depacketizer::deliver(std::uint64_t first, std::uint64_t last) {
  Vp8ReceivedFrame f;
  const Packet& head = buffer_.at(first);
  f.timestamp = head.timestamp;
  f.picture_id = head.descriptor.picture_id;
  f.first_seq = static_cast<std::uint16_t>(first);
  f.last_seq = static_cast<std::uint16_t>(last);
  std::size_t total = 0;
  for (std::uint64_t s = first; s <= last; ++s) total += buffer_.at(s).data.size();
  const bool too_big = total > config_.max_frame_bytes;
  if (!too_big) {
    f.data.reserve(total);
    for (std::uint64_t s = first; s <= last; ++s) {
      const Bytes& d = buffer_.at(s).data;
      f.data.insert(f.data.end(), d.begin(), d.end());
    }
  }
  buffer_.erase(buffer_.find(first), buffer_.upper_bound(last));
  next_ = last + 1;
  delivered_any_ = true;

  auto header = parse_vp8_payload_header(f.data);
  if (too_big || !header) {
    ++stats_.frames_lost;
    waiting_for_keyframe_ = true;
    request_keyframe("frame lost (seq " + seq_text(first) + ".." + seq_text(last) + ": " +
                     (too_big ? std::to_string(total) + " bytes exceeds the frame limit" : header.error().message) +
                     "), need keyframe");
    return;
  }
  f.keyframe = header->keyframe;
  if (waiting_for_keyframe_ && !f.keyframe) {
    ++stats_.frames_dropped;
    if (stats_.frames_out == 0 && stats_.keyframe_requests == 0) {
      request_keyframe("stream starts with a delta frame (seq " + seq_text(first) + "), need keyframe");
    } else if (++dropped_since_request_ >= config_.rerequest_after_frames) {
      request_keyframe("still no keyframe after " + std::to_string(dropped_since_request_) +
                       " dropped frames, need keyframe");
    }
    return;
  }
  waiting_for_keyframe_ = false;
  ++stats_.frames_out;
  frames_.push_back(std::move(f));
}

void Vp8Depacketizer::process() {
  while (!buffer_.empty()) {
    auto it = buffer_.find(next_);
    if (it == buffer_.end()) {
      // A gap at the head. Packets buffered before next_ cannot exist: the
      // map only holds seqs ≥ next_.
      if (!blocked_long_enough(next_)) return;
      give_up(next_, std::nullopt, "seq " + seq_text(next_) + " missing");
      continue;
    }
    if (!it->second.descriptor.starts_frame()) {
      // The rest of a frame whose start we never had (joined mid-frame, or
      // after giving up on a gap): useless without its first packet.
      const std::string seq = seq_text(next_);
      buffer_.erase(it);
      ++next_;
      if (!waiting_for_keyframe_) {
        ++stats_.frames_lost;
        waiting_for_keyframe_ = true;
        request_keyframe("frame lost (seq " + seq + " continues a frame whose start is missing), need keyframe");
      }
      continue;
    }
    const std::uint32_t ts = it->second.timestamp;
    std::uint64_t last = next_;
    bool complete = false;
    while (true) {
      const Packet& p = buffer_.at(last);
      if (p.marker) {
        complete = true;
        break;
      }
      auto nx = buffer_.find(last + 1);
      if (nx == buffer_.end()) break;
      if (nx->second.timestamp != ts) {
        complete = nx->second.descriptor.starts_frame();  // marker lost in transit or never set
        break;
      }
      ++last;
    }
    if (complete) {
      deliver(next_, last);
      continue;
    }
    if (!blocked_long_enough(last)) return;
    give_up(next_, ts, "seq " + seq_text(last + 1) + " of the frame at seq " + seq_text(next_) + " missing");
  }
}

}  // namespace confab::media
