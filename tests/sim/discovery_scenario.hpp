#pragma once
// A reflector with two addresses on the internet and `confab nat`'s engine
// behind a configurable NAT (or none), wired up in a World.
#include <memory>
#include <optional>

#include "sim/nodes.hpp"
#include "sim/sim_test_util.hpp"
#include "sim/world.hpp"

namespace confab::sim::simtest {

struct DiscoveryScenario {
  std::optional<NatConfig> nat;  // none: the client has a public address
  bool server_has_alternate = true;
  bool hairpinning_test = true;
  bool lifetime_test = false;
  Link client_link{};
  std::uint64_t seed = 1;
};

// The addresses used: server 203.0.113.10 (alternate .11), ports 5678/5679;
// client 192.168.1.2 behind NAT 198.51.100.1, or 198.51.100.20 without one.
inline const SocketAddress server_primary = sa("203.0.113.10:5678");
inline const SocketAddress server_other = sa("203.0.113.11:5679");
inline const SocketAddress private_socket = sa("192.168.1.2:50000");
inline const SocketAddress public_socket = sa("198.51.100.20:50000");
inline const IpAddress nat_ip = ip("198.51.100.1");

class DiscoveryRun {
 public:
  explicit DiscoveryRun(const DiscoveryScenario& s) : world_(s.seed) {
    snatmap::ReflectorConfig rc;
    rc.primary_address = server_primary.ip;
    if (s.server_has_alternate) rc.alternate_address = server_other.ip;
    std::vector<IpAddress> server_ips{server_primary.ip};
    if (s.server_has_alternate) server_ips.push_back(server_other.ip);
    world_.add_node(std::make_unique<ReflectorNode>(rc), server_ips);

    Realm realm = internet;
    SocketAddress main = public_socket;
    if (s.nat) {
      realm = world_.add_nat(*s.nat);
      if (s.nat->translate) main = private_socket;
    }
    snatmap::DiscoveryConfig dc;
    dc.server = server_primary;
    dc.sockets = {main, {main.ip, static_cast<std::uint16_t>(main.port + 1)}};
    dc.test_hairpinning = s.hairpinning_test;
    dc.test_lifetime = s.lifetime_test;
    client_ = world_.add_node(std::make_unique<DiscoveryNode>(dc, s.seed, world_.now()), {main.ip}, realm,
                              s.client_link);
    realm_ = realm;
  }

  // Runs to the end (at most an hour of simulated time); the report.
  snatmap::NatReport run() {
    started_ = world_.now();
    finished_ = world_.run_until([&] { return discovery().is_done(); }, std::chrono::hours(1));
    return discovery().report();
  }
  bool finished() const { return finished_; }
  Duration elapsed() const { return world_.now() - started_; }
  snatmap::NatDiscovery& discovery() { return world_.node<DiscoveryNode>(client_).discovery(); }
  World& world() { return world_; }

 private:
  World world_;
  NodeId client_ = 0;
  Realm realm_ = internet;
  Instant started_{};
  bool finished_ = false;
};

inline NatConfig nat_with(Behaviour mapping, Behaviour filtering, bool hairpinning = false) {
  NatConfig c;
  c.public_ip = nat_ip;
  c.mapping = mapping;
  c.filtering = filtering;
  c.hairpinning = hairpinning;
  return c;
}

}  // namespace confab::sim::simtest
