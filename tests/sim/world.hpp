#pragma once
// A deterministic in-memory network: fake time, nodes with addresses, links
// with fixed delay and seeded loss, NAT boxes in front of private realms.
// run_until() always jumps to the earliest event (the next delivery or a
// node's poll_timeout), so minutes of simulated time take milliseconds.
//
// Simplification: a packet is routed and translated by every NAT on its way
// at the moment it is sent; only its delivery is delayed (by the sum of the
// sender's and receiver's link delays plus those of the NATs crossed).
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <queue>
#include <vector>

#include "core/rng.hpp"
#include "sim/nat_box.hpp"
#include "sim/node.hpp"

namespace confab::sim {

// A realm is an addressing domain: the internet, or the inside of a NAT.
using Realm = std::size_t;
inline constexpr Realm internet = 0;
using NodeId = std::size_t;

struct Link {
  Duration delay = std::chrono::milliseconds(10);
  double loss = 0;  // probability in [0, 1] that a packet crossing it is lost
};

struct WorldCounters {
  std::uint64_t sent = 0;
  std::uint64_t delivered = 0;
  std::uint64_t lost = 0;         // link loss
  std::uint64_t nat_dropped = 0;  // a NAT refused (filtering, no mapping, blocked, no hairpin)
  std::uint64_t unroutable = 0;   // nobody has the destination address
  std::uint64_t bad_source = 0;   // a node sent from an address it does not have
};

class World {
 public:
  explicit World(std::uint64_t seed = 1, Instant start = Instant{} + std::chrono::hours(1));

  Instant now() const { return now_; }

  // A NAT box whose public side is in `outside`; returns the realm behind it.
  Realm add_nat(NatConfig config, Realm outside = internet, Link link = {Duration{}, 0});
  NatBox& nat(Realm inside) { return nats_.at(inside - 1).box; }

  // A node owning `ips` in `realm`. It receives every packet sent to one of
  // its addresses, whatever the port (the node knows its sockets).
  NodeId add_node(std::unique_ptr<Node> node, std::vector<IpAddress> ips, Realm realm = internet,
                  Link link = {});
  template <class T>
  T& node(NodeId id) {
    return static_cast<T&>(*hosts_.at(id).node);
  }

  // Runs events until `done()` holds (true) or nothing is left to do within
  // `limit` of simulated time (false; the clock then stands at the limit).
  bool run_until(const std::function<bool()>& done, Duration limit);
  void run_for(Duration d) { run_until([] { return false; }, d); }

  const WorldCounters& counters() const { return counters_; }

 private:
  struct Host {
    std::unique_ptr<Node> node;
    std::vector<IpAddress> ips;
    Realm realm;
    Link link;
  };
  struct Nat {
    NatBox box;
    Realm outside;
    Link link;
  };
  struct Packet {
    SocketAddress src;
    SocketAddress dst;
    Bytes bytes;
  };
  struct Delivery {
    Instant at;
    std::uint64_t seq;  // FIFO among equal times, so runs are reproducible
    NodeId to;
    Packet packet;
    bool operator>(const Delivery& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };

  void flush(NodeId id);
  void route(Realm realm, Packet p, Duration delay, int hops);
  bool inbound_through(std::size_t nat, Packet& p, Duration& delay);
  std::optional<NodeId> host_at(Realm realm, const IpAddress& ip) const;
  bool lose(const Link& link);
  std::optional<Instant> next_event() const;

  Instant now_;
  SeededRng rng_;
  std::vector<Host> hosts_;
  std::vector<Nat> nats_;  // realm r > 0 is the inside of nats_[r - 1]
  std::priority_queue<Delivery, std::vector<Delivery>, std::greater<>> queue_;
  std::uint64_t seq_ = 0;
  WorldCounters counters_;
};

}  // namespace confab::sim
