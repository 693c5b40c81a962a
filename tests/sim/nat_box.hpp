#pragma once
// A UDP NAT (or stateful firewall) as RFC 4787 describes one: mapping and
// filtering behaviour chosen independently, hairpinning, port preservation,
// idle mapping lifetime in simulated time, and "drop all UDP". Sans-I/O:
// the World asks it to translate each packet crossing it.
#include <cstdint>
#include <optional>
#include <vector>

#include "core/address.hpp"
#include "core/time.hpp"

namespace confab::sim {

// RFC 4787 §4.1 (mapping) and §5 (filtering) use the same three classes.
enum class Behaviour : std::uint8_t { endpoint_independent, address_dependent, address_and_port_dependent };

struct NatConfig {
  IpAddress public_ip;
  Behaviour mapping = Behaviour::endpoint_independent;
  Behaviour filtering = Behaviour::endpoint_independent;
  bool hairpinning = false;
  bool port_preservation = false;  // keep the internal port when it is free
  Duration mapping_lifetime = std::chrono::minutes(2);  // idle time before a mapping is forgotten
  bool inbound_refreshes = false;  // RFC 4787 REQ-6: outbound traffic always refreshes
  bool udp_blocked = false;        // drop every UDP packet in both directions
  bool translate = true;           // false: a stateful firewall that keeps addresses
  std::uint16_t first_port = 40000;  // external ports are handed out from here up
};

struct NatCounters {
  std::uint64_t translated_out = 0;
  std::uint64_t translated_in = 0;
  std::uint64_t filtered = 0;    // inbound with a mapping but not allowed by filtering
  std::uint64_t no_mapping = 0;  // inbound to a port with no live mapping
  std::uint64_t blocked = 0;     // UDP blocked
  std::uint64_t expired = 0;     // mappings forgotten for idleness
};

class NatBox {
 public:
  explicit NatBox(NatConfig config) : config_(config), next_port_(config.first_port) {}

  // Inside → outside: the external source address to use, or nullopt (dropped).
  std::optional<SocketAddress> outbound(Instant now, const SocketAddress& internal, const SocketAddress& dst);
  // Outside → inside: the internal destination, or nullopt (no mapping, or filtered).
  std::optional<SocketAddress> inbound(Instant now, const SocketAddress& src, const SocketAddress& external);

  // Live mappings (expired ones are forgotten lazily, as of `now`).
  std::size_t mapping_count(Instant now);
  const NatConfig& config() const { return config_; }
  const NatCounters& counters() const { return counters_; }

 private:
  struct Entry {
    SocketAddress internal;
    SocketAddress key;  // the destination, masked per the mapping behaviour
    SocketAddress external;
    Instant last_used;
    std::vector<SocketAddress> contacted;  // destinations sent to: the filter's state
  };
  SocketAddress mapping_key(const SocketAddress& dst) const;
  bool allowed(const Entry& e, const SocketAddress& src) const;
  std::uint16_t allocate_port(std::uint16_t internal_port);
  bool port_in_use(std::uint16_t port) const;
  void expire(Instant now);

  NatConfig config_;
  std::uint16_t next_port_;
  std::vector<Entry> entries_;  // a handful per test: linear search is clearest
  NatCounters counters_;
};

}  // namespace confab::sim
