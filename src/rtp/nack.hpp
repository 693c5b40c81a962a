#pragma once
// Loss recovery by retransmission (RFC 4585 generic NACK).
//
// Receiver: NackGenerator notices gaps in the sequence numbers and says
// which ones to NACK, again after a retry interval, until they arrive, are
// too old, or were asked for too often.
//
// Sender: RetransmissionBuffer keeps recently sent packets and hands one back
// when it is NACKed. We resend the *same* packet (same SSRC and sequence
// number) rather than RFC 4588 RTX: a two-party call has no RTX payload type
// to negotiate, the receiver's jitter buffer and statistics then see the
// packet it missed, and SRTP re-protects it identically (the outbound
// context allows repeated indices, see srtp.hpp).
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <vector>

#include "core/bytes.hpp"
#include "core/time.hpp"
#include "rtp/sequence.hpp"

namespace confab::rtp {

struct NackConfig {
  Duration initial_delay = std::chrono::milliseconds(0);   // wait this long for reordering before the first NACK
  Duration retry_interval = std::chrono::milliseconds(100);  // between NACKs for one packet; about an RTT
  int max_retries = 10;                                      // NACKs per packet, then give up
  Duration max_age = std::chrono::milliseconds(1000);        // give up on a packet missing this long
  std::size_t max_missing = 1000;  // a larger gap is a stream jump: NACK nothing from it
};

class NackGenerator {
 public:
  explicit NackGenerator(NackConfig config = {});

  // A packet arrived (after SRTP and RTP parsing).
  void on_packet(Instant now, std::uint16_t seq);
  // The sequence numbers to NACK now, ascending; each is then not due again
  // for retry_interval. Feed them to make_nack_items().
  std::vector<std::uint16_t> poll_nacks(Instant now);
  // When poll_nacks() next has something to do (a NACK or giving up).
  std::optional<Instant> poll_timeout() const;
  // Track the RTT: retries are spaced by max(rtt, the configured interval).
  void set_rtt(Duration rtt) { rtt_ = rtt; }

  std::size_t missing() const { return missing_.size(); }
  std::uint64_t recovered() const { return recovered_; }
  std::uint64_t given_up() const { return given_up_; }
  std::uint64_t requests() const { return requests_; }

 private:
  struct Entry {
    Instant first_missed;
    std::optional<Instant> last_sent;
    int tries = 0;
  };
  Instant due(const Entry& e) const;
  Duration retry_interval() const { return rtt_ > config_.retry_interval ? rtt_ : config_.retry_interval; }

  NackConfig config_;
  SeqUnwrapper unwrap_;
  std::optional<std::int64_t> highest_;
  std::map<std::int64_t, Entry> missing_;
  Duration rtt_{};
  std::uint64_t recovered_ = 0;
  std::uint64_t given_up_ = 0;
  std::uint64_t requests_ = 0;
};

struct RetransmissionConfig {
  std::size_t max_packets = 512;
  std::size_t max_bytes = 1 << 20;  // ~1 s of 8 Mbit/s video
  Duration min_resend_interval = std::chrono::milliseconds(50);  // per packet: NACK storms don't multiply
};

class RetransmissionBuffer {
 public:
  explicit RetransmissionBuffer(RetransmissionConfig config = {});

  // Keep a copy of an RTP packet as sent (serialized, before SRTP).
  void on_packet_sent(Instant now, std::uint16_t seq, ByteView packet);
  // The packet to send again for a NACKed sequence number: nothing when it
  // is no longer (or never was) stored, or was resent too recently.
  std::optional<ByteView> resend(Instant now, std::uint16_t seq);

  std::size_t size() const { return entries_.size(); }
  std::size_t bytes() const { return bytes_; }
  std::uint64_t resent() const { return resent_; }
  std::uint64_t not_found() const { return not_found_; }
  std::uint64_t rate_limited() const { return rate_limited_; }

 private:
  struct Entry {
    std::uint16_t seq = 0;
    Bytes packet;
    std::optional<Instant> last_resent;
  };
  Entry* find(std::uint16_t seq);

  RetransmissionConfig config_;
  std::deque<Entry> entries_;  // oldest first
  std::size_t bytes_ = 0;
  std::uint64_t resent_ = 0;
  std::uint64_t not_found_ = 0;
  std::uint64_t rate_limited_ = 0;
};

}  // namespace confab::rtp
