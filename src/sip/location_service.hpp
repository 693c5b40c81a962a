#pragma once
// The location service (RFC 3261 §10): address-of-record → bindings, each
// remembering how the device can be reached — the flow (connection) and the
// source address it registered from, so requests reach a user behind NAT
// (RFC 5626 outbound, RFC 3581 rport), and the Path to prepend (RFC 3327).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/address.hpp"
#include "core/time.hpp"
#include "core/transmit.hpp"

namespace confab::sip {

struct Binding {
  std::string contact_uri;  // the registered Contact URI, as the device wrote it
  std::string call_id;
  std::uint32_t cseq = 0;
  Instant expires_at;
  std::uint16_t q = 1000;  // thousandths
  // How the REGISTER arrived: requests for this binding go back the same way.
  Transport transport = Transport::udp;
  SocketAddress source;     // the device's address as we saw it (NAT's public side)
  SocketAddress local;      // which of our addresses it talked to
  std::uint64_t flow = 0;   // the TCP/TLS connection, 0 for UDP
  std::vector<std::string> path;  // Path header values, top first
  std::string instance_id;        // +sip.instance (RFC 5626), empty if none
  std::optional<std::uint32_t> reg_id;

  bool is_outbound() const { return !instance_id.empty() && reg_id.has_value(); }
  std::uint32_t seconds_left(Instant now) const;
};

class LocationService {
 public:
  explicit LocationService(std::size_t max_bindings_per_aor = 16) : max_per_aor_(max_bindings_per_aor) {}

  // Live bindings of an AOR ("alice@example.org"), best q first.
  std::vector<Binding> lookup(const std::string& aor, Instant now) const;
  // Adds or replaces the binding `matches` finds; false when the AOR is full.
  template <class Match>
  bool upsert(const std::string& aor, Binding b, Match matches);
  template <class Match>
  void remove_if(const std::string& aor, Match matches);
  void remove_all(const std::string& aor) {
    next_expiry_cache_.reset();
    table_.erase(aor);
  }
  // Forgets expired bindings; returns how many.
  std::size_t expire(Instant now);
  // The flow closed: its bindings can no longer be reached that way (RFC 5626 §5.3).
  void flow_closed(std::uint64_t flow);
  std::optional<Instant> next_expiry() const;
  // The live binding whose Contact URI is exactly `uri` (the remote target of
  // an in-dialog request): how to reach that device through its NAT.
  std::optional<Binding> find_contact(std::string_view uri, Instant now) const;
  std::size_t size() const;
  const std::vector<Binding>* bindings(const std::string& aor) const;

 private:
  std::size_t max_per_aor_;
  std::map<std::string, std::vector<Binding>> table_;
  // Recomputed only after a change: poll_timeout() asks after every message.
  mutable std::optional<std::optional<Instant>> next_expiry_cache_;
};

template <class Match>
bool LocationService::upsert(const std::string& aor, Binding b, Match matches) {
  next_expiry_cache_.reset();
  auto& list = table_[aor];
  for (auto& existing : list)
    if (matches(existing)) {
      existing = std::move(b);
      return true;
    }
  if (list.size() >= max_per_aor_) return false;
  list.push_back(std::move(b));
  return true;
}

template <class Match>
void LocationService::remove_if(const std::string& aor, Match matches) {
  auto it = table_.find(aor);
  if (it == table_.end()) return;
  next_expiry_cache_.reset();
  std::erase_if(it->second, matches);
  if (it->second.empty()) table_.erase(it);
}

}  // namespace confab::sip
