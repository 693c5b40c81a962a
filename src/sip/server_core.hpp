#pragma once
// confabd's SIP server, sans-I/O: every datagram or stream frame of every
// transport in, what to send (and on which flow) out. It matches requests to
// server transactions (RFC 3261 §17.2.3), stamps received/rport on the top
// Via (RFC 3581), answers keep-alive pings (RFC 5626 §3.5.1), serves REGISTER
// through the registrar and OPTIONS addressed to the server itself, and
// proxies everything else (proxy_core.hpp) to registered devices — over the
// flow or address each registered from, so devices behind NAT are reached.
#include <deque>
#include <map>
#include <queue>
#include <unordered_map>
#include <memory>
#include <string>
#include <variant>

#include "core/rate_limiter.hpp"
#include "core/rng.hpp"
#include "core/transmit.hpp"
#include "sip/location_service.hpp"
#include "sip/proxy_core.hpp"
#include "sip/parser.hpp"
#include "sip/registrar.hpp"
#include "sip/server_core_types.hpp"
#include "sip/transaction.hpp"

namespace confab::sip {

struct ServerCoreConfig {
  RegistrarConfig registrar;
  std::string server_name = "confab";
  Limits limits;
  RateLimit rate_limit{100, 200, 65536};  // requests per source IP
  std::size_t max_transactions = 100000;
  TransactionTimers timers;
  ProxyIdentity identity;  // our name in Via and Record-Route
};

struct ServerCoreCounters {
  std::uint64_t received = 0;
  std::uint64_t malformed = 0;        // dropped: not SIP, or a request we cannot even answer
  std::uint64_t rate_limited = 0;
  std::uint64_t retransmissions = 0;  // absorbed by a transaction
  std::uint64_t responses_in = 0;     // no client transactions yet: dropped
  std::uint64_t stray_acks = 0;
  std::uint64_t keepalives = 0;
  std::uint64_t overloaded = 0;       // 503: transaction table full
  std::uint64_t options = 0;
  std::uint64_t unavailable = 0;     // 480: nobody registered
  std::uint64_t not_found = 0;       // 404: a domain we do not serve (no open relay)
  std::uint64_t too_many_hops = 0;   // 483
  std::uint64_t loops = 0;           // 482
  std::uint64_t cancels = 0;
};

class ServerCore {
 public:
  ServerCore(ServerCoreConfig config, Ha1Lookup lookup, Rng& rng);

  void handle_datagram(Instant now, const Datagram& d, std::uint64_t flow);
  void handle_flow_closed(Instant now, std::uint64_t flow);
  void handle_timeout(Instant now);
  std::optional<Outgoing> poll_transmit();
  std::optional<Instant> poll_timeout() const;

  const ServerCoreCounters& counters() const { return counters_; }
  const RegistrarCounters& registrar_counters() const { return registrar_.counters(); }
  // Refused authentications, for the log (see Registrar::poll_auth_failure).
  std::optional<AuthFailure> poll_auth_failure() { return registrar_.poll_auth_failure(); }
  std::size_t transactions() const { return transactions_.size(); }
  std::size_t bindings() const { return locations_.size(); }
  const ProxyCounters& proxy_counters() const { return proxy_.counters(); }

 private:
  struct Entry {
    ServerTransaction tx;
    Transmit route;  // where its responses go
    std::uint64_t flow;
    std::string key;
  };
  // Deadlines of transactions, earliest first. Entries go stale when a
  // transaction moves on; a stale one just costs a look when it comes up.
  using Deadline = std::pair<Instant, std::string>;
  void schedule(const Entry& e);
  void handle_request(Instant now, Message request, const Datagram& d, std::uint64_t flow);
  void respond(Instant now, Entry& e, const Message& response);
  void drain(Entry& e);
  std::optional<Message> answer_locally(Instant now, const Message& request, const Datagram& d, std::uint64_t flow);
  // Where a request goes: targets, or the status to refuse it with.
  std::variant<std::vector<Target>, std::uint16_t> route(Instant now, Message& request, const Datagram& d);
  std::optional<Target> target_for_uri(const Uri& uri, std::string_view request_uri, const Datagram& d) const;
  bool is_us(const Uri& uri) const;
  void pump_proxy(Instant now);

  ServerCoreConfig config_;
  Rng& rng_;
  LocationService locations_;
  Registrar registrar_;
  RateLimiter limiter_;
  ProxyCore proxy_;
  std::unordered_map<std::string, Entry> transactions_;
  std::priority_queue<Deadline, std::vector<Deadline>, std::greater<>> deadlines_;
  std::deque<Outgoing> outbox_;
  ServerCoreCounters counters_;
};

}  // namespace confab::sip
