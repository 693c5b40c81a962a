#include "sim/nodes.hpp"

#include <algorithm>

namespace confab::sim {

std::optional<Transmit> ReflectorNode::poll_transmit() {
  if (out_.empty()) return std::nullopt;
  Transmit t = std::move(out_.front());
  out_.pop_front();
  return t;
}

void ScriptNode::handle_datagram(Instant now, const Datagram& d) {
  received_.push_back({now, d.local, d.remote, Bytes(d.bytes.begin(), d.bytes.end())});
  if (echo_) out_.push_back(Transmit{Transport::udp, d.local, d.remote, Bytes(d.bytes.begin(), d.bytes.end())});
}

void ScriptNode::handle_timeout(Instant now) {
  // Stable: equal times go out in the order they were scheduled.
  auto due = std::stable_partition(later_.begin(), later_.end(), [&](const Later& l) { return l.at <= now; });
  for (auto it = later_.begin(); it != due; ++it) out_.push_back(std::move(it->transmit));
  later_.erase(later_.begin(), due);
}

std::optional<Transmit> ScriptNode::poll_transmit() {
  if (out_.empty()) return std::nullopt;
  Transmit t = std::move(out_.front());
  out_.pop_front();
  return t;
}

std::optional<Instant> ScriptNode::poll_timeout() const {
  std::optional<Instant> next;
  for (const auto& l : later_)
    if (!next || l.at < *next) next = l.at;
  return next;
}

}  // namespace confab::sim
