#pragma once
// One simulated link for the mDNS machines: every multicast packet reaches
// every endpoint on it (the sender too, as IP_MULTICAST_LOOP does), unicast
// reaches the endpoint with that address, and time jumps to the earliest
// deadline. Packets can be dropped or recorded on the way.
#include <functional>
#include <memory>
#include <vector>

#include "core/rng.hpp"
#include "mdns/endpoint.hpp"

namespace confab::mdns::test {

inline IpAddress addr(std::uint8_t last) { return IpAddress::v4({192, 0, 2, last}); }

struct Node {
  Endpoint endpoint;
  IpAddress address;
  std::unique_ptr<SeededRng> rng;
  std::vector<Message> sent;  // everything this node sent, parsed
  std::vector<Instant> sent_at;
  std::vector<bool> sent_unicast;
};

class SimLink {
 public:
  explicit SimLink(Instant start = Instant{} + 1000s) : now(start) {}

  Node& add(std::uint8_t last_octet, std::uint64_t seed) {
    auto n = std::make_unique<Node>();
    n->address = addr(last_octet);
    n->rng = std::make_unique<SeededRng>(seed);
    nodes.push_back(std::move(n));
    return *nodes.back();
  }
  void start(Node& n) { n.endpoint.set_interfaces(now, {InterfaceInfo{1, "eth0", {n.address}}}); }

  // Delivers what is queued, then runs timers, until `until`.
  void run_until(Instant until) {
    for (int guard = 0; guard < 100000; ++guard) {
      deliver();
      std::optional<Instant> next;
      for (auto& n : nodes)
        if (auto t = n->endpoint.poll_timeout(); t && (!next || *t < *next)) next = t;
      if (!next || *next > until) break;
      now = std::max(now, *next);
      for (auto& n : nodes)
        if (auto t = n->endpoint.poll_timeout(); t && *t <= now) n->endpoint.handle_timeout(now);
    }
    now = std::max(now, until);
    deliver();
  }
  void run_for(Duration d) { run_until(now + d); }

  void inject(Node& to, const Bytes& bytes, SocketAddress from) {
    to.endpoint.handle_packet(now, InPacket{1, from, bytes});
  }

  void deliver() {
    for (int round = 0; round < 100; ++round) {
      bool any = false;
      for (auto& n : nodes) {
        while (auto p = n->endpoint.poll_transmit()) {
          any = true;
          auto m = parse(p->bytes);
          if (m) {
            n->sent.push_back(*m);
            n->sent_at.push_back(now);
            n->sent_unicast.push_back(p->unicast.has_value());
          }
          if (drop && drop(*n, *p)) continue;
          const SocketAddress from{n->address, mdns_port};
          for (auto& other : nodes) {
            if (p->unicast && p->unicast->ip != other->address) continue;
            other->endpoint.handle_packet(now, InPacket{p->interface, from, p->bytes});
          }
        }
      }
      if (!any) return;
    }
  }

  Instant now;
  std::vector<std::unique_ptr<Node>> nodes;
  std::function<bool(Node&, const OutPacket&)> drop;
};

inline ServiceSpec spec(std::string instance, std::string host, std::string status = "avail") {
  ServiceSpec s;
  s.instance = std::move(instance);
  s.host_label = std::move(host);
  s.txt.set("txtvers", "1");
  s.txt.set("status", status);
  s.txt.set("port.p2pj", "5298");
  return s;
}

}  // namespace confab::mdns::test
