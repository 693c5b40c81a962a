#pragma once
// Sender state for RTCP sender reports (RFC 3550 §6.4.1).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "core/time.hpp"
#include "rtp/ntp_time.hpp"
#include "rtp/rtcp.hpp"

namespace confab::rtp {

class SendStatistics {
 public:
  // `clock_rate`: the RTP clock of the stream (48000 Opus, 90000 VP8).
  SendStatistics(std::uint32_t ssrc, std::uint32_t clock_rate);

  // An RTP packet went out. Counts packets and payload octets (§6.4.1: the
  // octet count excludes header and padding). Retransmissions of the same
  // packet are not new data: don't report them here.
  void on_packet_sent(Instant now, std::uint32_t rtp_timestamp, std::size_t payload_size);

  // The RTP timestamp that corresponds to `now`, extrapolated from the last
  // packet sent at the stream's clock rate (nothing before the first packet).
  // The SR's RTP timestamp must be "now" on the media clock, not the last
  // packet's: the receiver uses the pair for lip sync.
  std::optional<std::uint32_t> rtp_timestamp_at(Instant now) const;

  // An SR with this sender's counts and the given report blocks.
  SenderReport make_sender_report(NtpTime ntp_now, std::uint32_t rtp_timestamp_now,
                                  std::vector<ReportBlock> reports = {}) const;

  std::uint32_t ssrc() const { return ssrc_; }
  std::uint32_t packets_sent() const { return packets_; }
  std::uint32_t octets_sent() const { return octets_; }
  bool has_sent() const { return last_sent_.has_value(); }
  std::optional<Instant> last_sent() const { return last_sent_; }

 private:
  std::uint32_t ssrc_;
  std::uint32_t clock_rate_;
  std::uint32_t packets_ = 0;  // 32-bit counters wrap, as on the wire
  std::uint32_t octets_ = 0;
  std::optional<Instant> last_sent_;
  std::uint32_t last_timestamp_ = 0;
};

}  // namespace confab::rtp
