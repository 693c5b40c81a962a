#pragma once
// Two ICE agents, each with confabd's reflector as STUN server, behind the
// networks of an IceScenario; run until both have connected or failed.
//
// Addresses: reflector 203.0.113.10 (alternate .11), port 5678.
//   separate:   A 192.168.1.2 behind NAT 198.51.100.1 (or 198.51.100.20 on
//               the internet), B 192.168.2.2 behind 198.51.100.2 (or .30).
//   same_lan:   A 192.168.1.2 and B 192.168.1.3 behind one NAT 198.51.100.1.
//   behind_cgn: home NATs 100.64.0.1 and 100.64.0.2 inside a carrier-grade
//               NAT 198.51.100.100; A 192.168.1.2, B 192.168.2.2 (or also
//               192.168.1.2 with same_private_addresses).
#include <functional>
#include <memory>
#include <optional>

#include "sim/ice_node.hpp"
#include "sim/nodes.hpp"
#include "sim/sim_test_util.hpp"
#include "sim/world.hpp"

namespace confab::sim::icesim {

using namespace simtest;

struct Site {
  std::optional<NatConfig> nat;  // none: a public address, no NAT
  Link link{};                     // the host's own link
  Link nat_link{Duration{}, 0};    // the NAT's (delay and loss added to what crosses it)
};

enum class Topology : std::uint8_t { separate, same_lan, behind_cgn };

struct IceScenario {
  Site a, b;
  Topology topology = Topology::separate;
  std::optional<NatConfig> shared;  // same_lan: the one NAT; behind_cgn: the CGN
  bool same_private_addresses = false;
  Duration signaling_delay = std::chrono::milliseconds(50);
  bool trickle = true;
  Link server_link{};
  std::uint64_t seed = 1;
  std::function<void(ice::IceConfig&)> tweak;  // applied to both agents' configs
};

struct IceOutcome {
  ice::IceState a = ice::IceState::idle;
  ice::IceState b = ice::IceState::idle;
  std::optional<Duration> a_connected, b_connected, a_failed, b_failed;
  std::optional<ice::SelectedPair> a_pair, b_pair;
  Duration elapsed{};
  WorldCounters world;
  std::uint64_t checks_sent = 0;

  bool connected() const { return a == ice::IceState::connected && b == ice::IceState::connected; }
  bool failed() const { return a == ice::IceState::failed && b == ice::IceState::failed; }
  // The later of the two agents' connected times.
  std::optional<Duration> time_to_connect() const {
    if (!a_connected || !b_connected) return std::nullopt;
    return std::max(*a_connected, *b_connected);
  }
};

inline const SocketAddress reflector = sa("203.0.113.10:5678");
inline const IpAddress reflector_other = ip("203.0.113.11");

inline NatConfig nat(Behaviour mapping, Behaviour filtering, const IpAddress& public_ip, bool hairpinning = false) {
  NatConfig c;
  c.public_ip = public_ip;
  c.mapping = mapping;
  c.filtering = filtering;
  c.hairpinning = hairpinning;
  return c;
}

inline ice::IceConfig agent_config(ice::Role role, SocketAddress host, const IceScenario& s) {
  ice::IceConfig c;
  c.role = role;
  c.local_addresses = {{1, host, std::nullopt}};
  c.stun_servers = {reflector};
  if (s.tweak) s.tweak(c);
  return c;
}

class IceRun {
 public:
  explicit IceRun(const IceScenario& s) : world_(s.seed) {
    snatmap::ReflectorConfig rc;
    rc.primary_address = reflector.ip;
    rc.alternate_address = reflector_other;
    world_.add_node(std::make_unique<ReflectorNode>(rc), {reflector.ip, reflector_other}, internet, s.server_link);

    SocketAddress host_a, host_b;
    Realm realm_a = internet, realm_b = internet;
    switch (s.topology) {
      case Topology::separate:
        host_a = s.a.nat ? sa("192.168.1.2:50000") : sa("198.51.100.20:50000");
        host_b = s.b.nat ? sa("192.168.2.2:50000") : sa("198.51.100.30:50000");
        if (s.a.nat) realm_a = world_.add_nat(*s.a.nat, internet, s.a.nat_link);
        if (s.b.nat) realm_b = world_.add_nat(*s.b.nat, internet, s.b.nat_link);
        if (s.a.nat && !s.a.nat->translate) host_a = {s.a.nat->public_ip, 50000};
        if (s.b.nat && !s.b.nat->translate) host_b = {s.b.nat->public_ip, 50000};
        break;
      case Topology::same_lan:
        realm_a = realm_b = world_.add_nat(*s.shared);
        host_a = sa("192.168.1.2:50000");
        host_b = sa("192.168.1.3:50000");
        break;
      case Topology::behind_cgn: {
        const Realm cgn = world_.add_nat(*s.shared);
        realm_a = world_.add_nat(*s.a.nat, cgn, s.a.nat_link);
        realm_b = world_.add_nat(*s.b.nat, cgn, s.b.nat_link);
        host_a = sa("192.168.1.2:50000");
        host_b = s.same_private_addresses ? sa("192.168.1.2:50000") : sa("192.168.2.2:50000");
        break;
      }
    }
    const Instant now = world_.now();
    a_ = world_.add_node(std::make_unique<IceNode>(agent_config(ice::Role::controlling, host_a, s), s.seed * 2 + 1, now),
                         {host_a.ip}, realm_a, s.a.link);
    b_ = world_.add_node(std::make_unique<IceNode>(agent_config(ice::Role::controlled, host_b, s), s.seed * 2 + 2, now),
                         {host_b.ip}, realm_b, s.b.link);
    node_a().connect_signalling(node_b(), s.signaling_delay, s.trickle, now);
    node_b().connect_signalling(node_a(), s.signaling_delay, s.trickle, now);
  }

  // Runs until both agents are connected or failed (or `limit` passes).
  IceOutcome run(Duration limit = std::chrono::minutes(3)) {
    const Instant start = world_.now();
    auto settled = [](ice::IceState st) { return st == ice::IceState::connected || st == ice::IceState::failed; };
    world_.run_until([&] { return settled(node_a().agent().state()) && settled(node_b().agent().state()); }, limit);
    IceOutcome o;
    o.a = node_a().agent().state();
    o.b = node_b().agent().state();
    o.a_connected = node_a().connected_after();
    o.b_connected = node_b().connected_after();
    o.a_failed = node_a().failed_after();
    o.b_failed = node_b().failed_after();
    o.a_pair = node_a().agent().selected_pair();
    o.b_pair = node_b().agent().selected_pair();
    o.elapsed = world_.now() - start;
    o.world = world_.counters();
    o.checks_sent = node_a().agent().counters().checks_sent + node_b().agent().counters().checks_sent;
    return o;
  }

  IceNode& node_a() { return world_.node<IceNode>(a_); }
  IceNode& node_b() { return world_.node<IceNode>(b_); }
  World& world() { return world_; }

 private:
  World world_;
  NodeId a_ = 0, b_ = 0;
};

inline IceOutcome run_ice(const IceScenario& s, Duration limit = std::chrono::minutes(3)) {
  IceRun r(s);
  return r.run(limit);
}

}  // namespace confab::sim::icesim
