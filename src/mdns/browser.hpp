#pragma once
// A DNS-SD browser for one service type (RFC 6763 §4, RFC 6762 §5.2):
// continuous querying (the first query 20-120 ms in, then 1 s, doubling up
// to 60 minutes) with known answers (§7.1), resolution of each instance
// (SRV, TXT, the host's A/AAAA), a cache with TTL expiry, goodbyes and
// cache-flush (cache.hpp), refresh queries at 80-95 % of a TTL, and events
// when a service appears, changes or goes. Sans-I/O like the responder.
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/rng.hpp"
#include "core/time.hpp"
#include "mdns/cache.hpp"
#include "mdns/message.hpp"
#include "mdns/packet.hpp"
#include "mdns/txt.hpp"

namespace confab::mdns {

struct DiscoveredService {
  std::string instance;  // "alice (2)"
  Name name;             // alice (2)._presence._tcp.local
  Name host;             // the SRV target
  std::uint16_t port = 0;
  TxtAttributes txt;
  std::vector<IpAddress> addresses;  // the target's A and AAAA records
  std::uint32_t interface = 0;       // the link the SRV came from (scope of a link-local address)
  bool operator==(const DiscoveredService&) const = default;
};

struct BrowserEvent {
  enum class Kind { added, updated, removed };
  Kind kind;
  DiscoveredService service;
};

struct BrowserCounters {
  std::uint64_t queries_sent = 0;
  std::uint64_t responses_seen = 0;
  std::uint64_t records_cached = 0;
};

class Browser {
 public:
  Browser(Name service_type, Rng& rng, Instant now);

  void set_interfaces(Instant now, std::vector<std::uint32_t> links);
  void handle_message(Instant now, const Message& m, const InPacket& from);
  void handle_timeout(Instant now);

  std::optional<OutPacket> poll_transmit();
  std::optional<BrowserEvent> poll_event();
  std::optional<Instant> poll_timeout() const;

  // Every resolved service (SRV known), in name order.
  std::vector<DiscoveredService> services() const;
  const Name& service_type() const { return type_; }
  const BrowserCounters& counters() const { return counters_; }
  const Cache& cache() const { return cache_; }

 private:
  struct Resolve {
    Instant next;
    int attempts = 0;
  };
  std::map<Name, DiscoveredService> current_views(Instant now) const;
  void update_views(Instant now);
  void browse(Instant now);
  void resolve_due(Instant now);
  void refresh_due(Instant now);
  std::optional<Instant> next_refresh() const;
  bool interesting(const Record& r) const;
  void send(Instant now, std::vector<Question> questions, bool with_known_answers);

  Name type_;
  Rng& rng_;
  std::vector<std::uint32_t> links_;
  Cache cache_;
  Instant next_browse_;
  Duration browse_interval_ = 1s;
  std::map<Name, Resolve> resolving_;
  std::map<Name, DiscoveredService> reported_;
  std::deque<OutPacket> out_;
  std::deque<BrowserEvent> events_;
  BrowserCounters counters_;
};

}  // namespace confab::mdns
