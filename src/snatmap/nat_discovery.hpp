#pragma once
// The NAT behaviour discovery client behind `confab nat`, sans-I/O: RFC 5780
// §4.3 mapping tests, §4.4 filtering tests, §4.5 hairpinning and §4.6
// binding lifetime, one STUN transaction at a time. It never reads a clock
// or touches a socket: feed it datagrams and timeouts, drain its transmits.
//
//   NatDiscovery d(cfg, rng, now);
//   loop: while (auto t = d.poll_transmit()) send t->bytes from socket t->local to t->remote;
//         wait for a datagram (→ handle_datagram) or d.poll_timeout() (→ handle_timeout);
//         until d.is_done(); then d.report().
#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "core/address.hpp"
#include "core/rng.hpp"
#include "core/time.hpp"
#include "core/transmit.hpp"
#include "snatmap/nat_report.hpp"
#include "snatmap/nat_transaction.hpp"

namespace confab::snatmap {

struct LifetimeConfig {
  // Idle times tried in turn (RFC 5780 §4.6): each is "refresh the mapping,
  // stay silent this long, probe it". The test stops at the first one the
  // mapping does not survive.
  std::vector<Duration> steps{std::chrono::seconds(10), std::chrono::seconds(20), std::chrono::seconds(30),
                              std::chrono::seconds(60), std::chrono::seconds(90), std::chrono::seconds(120),
                              std::chrono::seconds(180), std::chrono::seconds(300)};
  // A step that would end later than this after the lifetime test began is not started.
  Duration max_duration = std::chrono::minutes(10);
};

struct DiscoveryConfig {
  SocketAddress server;
  // Our sockets, as the I/O layer reports them in Datagram::local. Socket 0
  // runs every test; socket 1 (a different port) is needed only for the
  // lifetime test, which probes socket 0's mapping from it.
  std::vector<SocketAddress> sockets;
  // The host's interface addresses: a mapped address equal to one of these
  // (with socket 0's port) means there is no NAT. Needed when socket 0 is
  // bound to the wildcard address.
  std::vector<IpAddress> local_addresses;
  RetransmitConfig retransmit;
  bool test_hairpinning = true;
  bool test_lifetime = false;
  LifetimeConfig lifetime;
  std::string software = "confab";
};

// The tests in the order they run; `done` at the end.
enum class DiscoveryStep : std::uint8_t {
  binding,                   // mapping/filtering test I
  filtering_change_ip_port,  // filtering test II
  filtering_change_port,     // filtering test III
  mapping_other_ip,          // mapping test II
  mapping_other_ip_port,     // mapping test III
  hairpinning,
  lifetime_refresh,  // lifetime: (re)create socket 0's mapping
  lifetime_wait,     // lifetime: stay silent
  lifetime_probe,    // lifetime: probe the mapping from socket 1
  done,
};
// A short phrase for a progress line: "testing filtering (change IP and port)".
const char* describe(DiscoveryStep s);

struct DiscoveryProgress {
  DiscoveryStep step = DiscoveryStep::binding;
  int transmission = 0;             // of the current request, 1-based; 0 while waiting
  std::optional<Duration> idle;     // the lifetime step being tried
};

struct DiscoveryCounters {
  std::uint64_t received = 0;
  std::uint64_t ignored = 0;  // not STUN, unknown transaction, unknown socket, stray class
};

class NatDiscovery {
 public:
  NatDiscovery(DiscoveryConfig config, Rng& rng, Instant now);

  void handle_datagram(Instant now, const Datagram& d);
  void handle_timeout(Instant now);
  std::optional<Transmit> poll_transmit();
  std::optional<Instant> poll_timeout() const;

  bool is_done() const { return step_ == DiscoveryStep::done; }
  DiscoveryProgress progress() const;
  // Final once is_done(); before that, what is known so far.
  NatReport report() const;
  const DiscoveryCounters& counters() const { return counters_; }

 private:
  // What came back for the current transaction; nullopt = no answer at all.
  struct Answer {
    std::size_t socket = 0;
    SocketAddress from;
    bool is_request = false;  // our own request, hairpinned back to us
    std::optional<SocketAddress> mapped;
    std::optional<SocketAddress> other;
    std::optional<SocketAddress> origin;
    std::optional<int> error_code;
  };

  void start(DiscoveryStep step, Instant now);
  void send_request(DiscoveryStep step, std::size_t socket, SocketAddress to, Instant now);
  void finish(const std::optional<Answer>& a, Instant now);
  void on_binding(const std::optional<Answer>& a, Instant now);
  void on_filtering(const std::optional<Answer>& a, Instant now);
  void on_mapping(const std::optional<Answer>& a, Instant now);
  void on_lifetime(const std::optional<Answer>& a, Instant now);
  void start_after_filtering(Instant now);
  void start_after_mapping(Instant now);
  void start_lifetime(Instant now);
  void start_lifetime_step(Instant now);
  std::optional<std::size_t> socket_index(const SocketAddress& local) const;
  bool alternate_ip_known() const;
  void note(std::string s) { report_.notes.push_back(std::move(s)); }

  DiscoveryConfig config_;
  Rng& rng_;
  DiscoveryStep step_ = DiscoveryStep::binding;
  std::optional<ClientTransaction> transaction_;
  std::optional<Instant> wait_until_;  // lifetime_wait
  std::deque<Transmit> outbox_;
  DiscoveryCounters counters_;
  NatReport report_;

  // Intermediate results.
  std::optional<SocketAddress> mapped_other_ip_;  // mapping test II
  // Filtering test II's outcome: `silent` is what makes a change-port answer mean ADF.
  enum class ChangeIpResult : std::uint8_t { not_run, silent, inconclusive } change_ip_ = ChangeIpResult::not_run;
  bool change_port_trusted_ = false;  // a change-port silence means APDF
  std::optional<Instant> lifetime_started_;
  std::size_t lifetime_index_ = 0;
  std::optional<std::uint16_t> lifetime_port_;  // socket 0's mapped port being probed
};

}  // namespace confab::snatmap
