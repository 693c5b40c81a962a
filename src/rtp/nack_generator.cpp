// Receiver side of NACK: which sequence numbers are missing and when to ask.
#include <algorithm>

#include "rtp/nack.hpp"

namespace confab::rtp {

NackGenerator::NackGenerator(NackConfig config) : config_(config) {}

void NackGenerator::on_packet(Instant now, std::uint16_t seq) {
  const std::int64_t ext = unwrap_.unwrap(seq);
  if (!highest_) {
    highest_ = ext;
    return;
  }
  if (ext <= *highest_) {
    // Late, reordered or retransmitted: no longer missing.
    if (missing_.erase(ext) > 0) recovered_++;
    return;
  }
  const std::int64_t gap = ext - *highest_ - 1;
  if (gap > static_cast<std::int64_t>(config_.max_missing)) {
    // A jump (the sender skipped ahead, or a long outage): asking for all of
    // it would be a NACK storm for packets the jitter buffer can't use.
    given_up_ += missing_.size();
    missing_.clear();
  } else {
    for (std::int64_t s = *highest_ + 1; s < ext; ++s) missing_.emplace(s, Entry{now, std::nullopt, 0});
    // Keep the list bounded: the oldest go first.
    while (missing_.size() > config_.max_missing) {
      missing_.erase(missing_.begin());
      given_up_++;
    }
  }
  highest_ = ext;
}

Instant NackGenerator::due(const Entry& e) const {
  return e.last_sent ? *e.last_sent + retry_interval() : e.first_missed + config_.initial_delay;
}

std::vector<std::uint16_t> NackGenerator::poll_nacks(Instant now) {
  std::vector<std::uint16_t> out;
  for (auto it = missing_.begin(); it != missing_.end();) {
    Entry& e = it->second;
    if (e.tries >= config_.max_retries || now - e.first_missed >= config_.max_age) {
      given_up_++;
      it = missing_.erase(it);
      continue;
    }
    if (now >= due(e)) {
      out.push_back(static_cast<std::uint16_t>(it->first));
      e.last_sent = now;
      e.tries++;
      requests_++;
    }
    ++it;
  }
  return out;
}

std::optional<Instant> NackGenerator::poll_timeout() const {
  std::optional<Instant> earliest;
  for (const auto& [seq, e] : missing_) {
    Instant t = std::min(due(e), e.first_missed + config_.max_age);
    if (!earliest || t < *earliest) earliest = t;
  }
  return earliest;
}

}  // namespace confab::rtp
