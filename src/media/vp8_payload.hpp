#pragma once
// The RTP payload format for VP8 (RFC 7741): the payload descriptor, the
// VP8 payload header, a packetizer and a depacketizer that reassembles
// frames, tolerates reordering, and turns loss into one clear outcome:
// "frame lost, need keyframe" (the caller sends an RTCP PLI) and nothing
// but keyframes until one arrives.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "media/error.hpp"

namespace confab::media {

constexpr int vp8_rtp_clock_rate = 90000;

// RFC 7741 §4.2:
//    |X|R|N|S|R| PID |      required
//    |I|L|T|K| RSV   |      if X
//    |M| PictureID   |      if I (M=1: 15 bits, one more byte)
//    |  TL0PICIDX    |      if L
//    |TID|Y| KEYIDX  |      if T or K
struct Vp8Descriptor {
  bool non_reference = false;       // N: the frame can be discarded without harm
  bool start_of_partition = false;  // S
  std::uint8_t partition_id = 0;    // PID, 0..7
  std::optional<std::uint16_t> picture_id;
  bool long_picture_id = false;     // 15-bit rather than 7-bit
  std::optional<std::uint8_t> tl0picidx;
  std::optional<std::uint8_t> temporal_id;  // TID, 0..3
  bool layer_sync = false;                  // Y
  std::optional<std::uint8_t> key_idx;      // 0..31
  std::size_t size = 1;                     // bytes the descriptor takes

  // S=1 with PID 0: this packet starts a frame.
  bool starts_frame() const { return start_of_partition && partition_id == 0; }
};

Result<Vp8Descriptor, Error> parse_vp8_descriptor(ByteView payload);
void write_vp8_descriptor(Bytes& out, const Vp8Descriptor& d);

// RFC 7741 §4.3 (RFC 6386 §9.1): the first bytes of the VP8 frame itself.
struct Vp8PayloadHeader {
  bool keyframe = false;  // P bit clear
  int version = 0;        // 0..3
  bool show_frame = true;
  std::uint32_t first_partition_size = 0;
  // Keyframes only: the picture size and scaling from the uncompressed chunk.
  int width = 0, height = 0;
  int horizontal_scale = 0, vertical_scale = 0;
};
// Reads the 3-byte header (10 bytes for a keyframe) at the start of a frame.
Result<Vp8PayloadHeader, Error> parse_vp8_payload_header(ByteView frame_start);

// Splits frames into payloads of at most max_payload_size bytes (descriptor
// included), in sizes as equal as possible: X=1, I=1 with a 15-bit
// PictureID that counts frames, S=1 on the first payload, PartID 0, N=0.
// The caller sets the RTP marker bit on the last payload of each frame and
// gives all of them the frame's timestamp.
class Vp8Packetizer {
 public:
  explicit Vp8Packetizer(std::size_t max_payload_size = 1200, std::uint16_t first_picture_id = 0);

  Result<std::vector<Bytes>, Error> packetize(ByteView frame);
  std::uint16_t next_picture_id() const { return picture_id_; }

 private:
  std::size_t max_payload_size_;
  std::uint16_t picture_id_;  // 15 bits
};

struct Vp8DepacketizerConfig {
  // A missing packet is given up as lost when a packet this many sequence
  // numbers later has arrived...
  std::size_t reorder_window_packets = 64;
  // ...or when this many frames after it have ended (marker bits seen).
  int reorder_window_frames = 2;
  // While waiting for a keyframe, ask again after this many delta frames
  // were dropped (the keyframe or the PLI may have been lost too).
  int rerequest_after_frames = 30;
  std::size_t max_frame_bytes = 4 * 1024 * 1024;
};

struct Vp8ReceivedFrame {
  Bytes data;  // the VP8 frame, descriptors removed: what the decoder takes
  std::uint32_t timestamp = 0;
  bool keyframe = false;
  std::optional<std::uint16_t> picture_id;
  std::uint16_t first_seq = 0, last_seq = 0;
};

struct Vp8DepacketizerStats {
  std::uint64_t packets = 0;
  std::uint64_t packets_malformed = 0;
  std::uint64_t packets_late = 0;  // arrived after their frame was given up or delivered
  std::uint64_t packets_duplicate = 0;
  std::uint64_t frames_out = 0;
  std::uint64_t frames_lost = 0;     // loss episodes: one or more frames missing or partial
  std::uint64_t frames_dropped = 0;  // complete delta frames dropped while waiting for a keyframe
  std::uint64_t keyframe_requests = 0;
};

class Vp8Depacketizer {
 public:
  explicit Vp8Depacketizer(Vp8DepacketizerConfig config = {});

  // One RTP packet's sequence number, timestamp, marker bit and payload.
  // A payload that does not parse is dropped (and counts as missing); the
  // error names what was wrong.
  Result<std::monostate, Error> handle_packet(std::uint16_t seq, std::uint32_t timestamp, bool marker,
                                              ByteView payload);

  // Complete frames, in order, each decodable given the ones before it.
  std::optional<Vp8ReceivedFrame> poll_frame();
  // The reason, once per loss episode (and again every rerequest_after_frames
  // dropped frames): "frame lost (...), need keyframe". Send a PLI.
  std::optional<std::string> poll_keyframe_request();

  bool waiting_for_keyframe() const { return waiting_for_keyframe_; }
  const Vp8DepacketizerStats& stats() const { return stats_; }

 private:
  struct Packet {
    std::uint32_t timestamp = 0;
    bool marker = false;
    Vp8Descriptor descriptor;
    Bytes data;  // after the descriptor
  };

  void process();
  bool blocked_long_enough(std::uint64_t blocked_at) const;
  void give_up(std::uint64_t blocked_at, std::optional<std::uint32_t> blocked_timestamp, const std::string& why);
  void deliver(std::uint64_t first, std::uint64_t last);
  void request_keyframe(std::string reason);

  Vp8DepacketizerConfig config_;
  std::map<std::uint64_t, Packet> buffer_;  // by extended sequence number
  bool started_ = false;
  bool delivered_any_ = false;
  std::uint64_t next_ = 0;     // extended seq of the next packet to consume
  std::uint64_t highest_ = 0;  // highest extended seq received
  bool waiting_for_keyframe_ = true;
  int dropped_since_request_ = 0;
  std::optional<std::string> keyframe_request_;
  std::deque<Vp8ReceivedFrame> frames_;
  Vp8DepacketizerStats stats_;
};

}  // namespace confab::media
