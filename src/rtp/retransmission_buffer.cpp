// Sender side of NACK: recently sent packets, bounded by count and bytes.
#include "rtp/nack.hpp"

namespace confab::rtp {

RetransmissionBuffer::RetransmissionBuffer(RetransmissionConfig config) : config_(config) {}

void RetransmissionBuffer::on_packet_sent(Instant, std::uint16_t seq, ByteView packet) {
  if (packet.size() > config_.max_bytes || config_.max_packets == 0) return;
  if (Entry* old = find(seq)) {  // the same sequence number again: a resend or a restart
    bytes_ -= old->packet.size();
    old->packet.assign(packet.begin(), packet.end());
    bytes_ += old->packet.size();
    old->last_resent.reset();
  } else {
    entries_.push_back(Entry{seq, Bytes(packet.begin(), packet.end()), std::nullopt});
    bytes_ += packet.size();
  }
  while (entries_.size() > config_.max_packets || bytes_ > config_.max_bytes) {
    bytes_ -= entries_.front().packet.size();
    entries_.pop_front();
  }
}

RetransmissionBuffer::Entry* RetransmissionBuffer::find(std::uint16_t seq) {
  if (entries_.empty()) return nullptr;
  // Packets are stored in sending order, so the offset from the oldest
  // usually finds it at once; otherwise (gaps in what was stored) search.
  const auto offset = static_cast<std::uint16_t>(seq - entries_.front().seq);
  if (offset < entries_.size() && entries_[offset].seq == seq) return &entries_[offset];
  for (Entry& e : entries_) {
    if (e.seq == seq) return &e;
  }
  return nullptr;
}

std::optional<ByteView> RetransmissionBuffer::resend(Instant now, std::uint16_t seq) {
  Entry* e = find(seq);
  if (e == nullptr) {
    not_found_++;
    return std::nullopt;
  }
  if (e->last_resent && now - *e->last_resent < config_.min_resend_interval) {
    rate_limited_++;
    return std::nullopt;
  }
  e->last_resent = now;
  resent_++;
  return ByteView(e->packet);
}

}  // namespace confab::rtp
