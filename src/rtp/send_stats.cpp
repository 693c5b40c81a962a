// Sender counters and the SR built from them.
#include "rtp/send_stats.hpp"

namespace confab::rtp {

SendStatistics::SendStatistics(std::uint32_t ssrc, std::uint32_t clock_rate) : ssrc_(ssrc), clock_rate_(clock_rate) {}

void SendStatistics::on_packet_sent(Instant now, std::uint32_t rtp_timestamp, std::size_t payload_size) {
  packets_ += 1;
  octets_ += static_cast<std::uint32_t>(payload_size);
  last_sent_ = now;
  last_timestamp_ = rtp_timestamp;
}

std::optional<std::uint32_t> SendStatistics::rtp_timestamp_at(Instant now) const {
  if (!last_sent_) return std::nullopt;
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now - *last_sent_).count();
  const auto mag = static_cast<std::uint64_t>(ns < 0 ? -ns : ns);
  const auto units = static_cast<std::uint32_t>((mag / 1'000'000'000u) * clock_rate_ +
                                                (mag % 1'000'000'000u) * clock_rate_ / 1'000'000'000u);
  return ns < 0 ? last_timestamp_ - units : last_timestamp_ + units;
}

SenderReport SendStatistics::make_sender_report(NtpTime ntp_now, std::uint32_t rtp_timestamp_now,
                                                std::vector<ReportBlock> reports) const {
  SenderReport sr;
  sr.ssrc = ssrc_;
  sr.ntp = ntp_now;
  sr.rtp_timestamp = rtp_timestamp_now;
  sr.packet_count = packets_;
  sr.octet_count = octets_;
  sr.reports = std::move(reports);
  return sr;
}

}  // namespace confab::rtp
