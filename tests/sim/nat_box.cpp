#include "sim/nat_box.hpp"

#include <algorithm>

namespace confab::sim {

SocketAddress NatBox::mapping_key(const SocketAddress& dst) const {
  switch (config_.mapping) {
    case Behaviour::endpoint_independent: return {};
    case Behaviour::address_dependent: return {dst.ip, 0};
    case Behaviour::address_and_port_dependent: return dst;
  }
  return dst;
}

// Filtering state is kept per mapping, as connection-tracking NATs do.
bool NatBox::allowed(const Entry& e, const SocketAddress& src) const {
  switch (config_.filtering) {
    case Behaviour::endpoint_independent: return true;
    case Behaviour::address_dependent:
      return std::ranges::any_of(e.contacted, [&](const SocketAddress& c) { return c.ip == src.ip; });
    case Behaviour::address_and_port_dependent: return std::ranges::find(e.contacted, src) != e.contacted.end();
  }
  return false;
}

bool NatBox::port_in_use(std::uint16_t port) const {
  return std::ranges::any_of(entries_, [&](const Entry& e) { return e.external.port == port; });
}

std::uint16_t NatBox::allocate_port(std::uint16_t internal_port) {
  if (config_.port_preservation && !port_in_use(internal_port)) return internal_port;
  // Deterministic: the next free port upwards, wrapping back to first_port.
  for (int tries = 0; tries < 65536; ++tries) {
    std::uint16_t p = next_port_;
    next_port_ = next_port_ == 65535 ? config_.first_port : static_cast<std::uint16_t>(next_port_ + 1);
    if (!port_in_use(p)) return p;
  }
  return 0;
}

void NatBox::expire(Instant now) {
  auto dead = std::ranges::remove_if(
      entries_, [&](const Entry& e) { return now - e.last_used >= config_.mapping_lifetime; });
  counters_.expired += static_cast<std::uint64_t>(dead.size());
  entries_.erase(dead.begin(), dead.end());
}

std::size_t NatBox::mapping_count(Instant now) {
  expire(now);
  return entries_.size();
}

std::optional<SocketAddress> NatBox::outbound(Instant now, const SocketAddress& internal,
                                              const SocketAddress& dst) {
  if (config_.udp_blocked) {
    ++counters_.blocked;
    return std::nullopt;
  }
  expire(now);
  SocketAddress key = mapping_key(dst);
  auto it = std::ranges::find_if(entries_, [&](const Entry& e) { return e.internal == internal && e.key == key; });
  if (it == entries_.end()) {
    SocketAddress external = internal;
    if (config_.translate) external = {config_.public_ip, allocate_port(internal.port)};
    entries_.push_back(Entry{internal, key, external, now, {}});
    it = entries_.end() - 1;
  }
  it->last_used = now;
  if (std::ranges::find(it->contacted, dst) == it->contacted.end()) it->contacted.push_back(dst);
  ++counters_.translated_out;
  return it->external;
}

std::optional<SocketAddress> NatBox::inbound(Instant now, const SocketAddress& src, const SocketAddress& external) {
  if (config_.udp_blocked) {
    ++counters_.blocked;
    return std::nullopt;
  }
  expire(now);
  // Endpoint-dependent mappings (and a firewall) may have several entries
  // on one external address; any of them that allows `src` lets it in.
  bool mapped = false;
  for (auto& e : entries_) {
    if (e.external != external) continue;
    mapped = true;
    if (!allowed(e, src)) continue;
    if (config_.inbound_refreshes) e.last_used = now;
    ++counters_.translated_in;
    return e.internal;
  }
  ++(mapped ? counters_.filtered : counters_.no_mapping);
  return std::nullopt;
}

}  // namespace confab::sim
