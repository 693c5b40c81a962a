#include "sim/world.hpp"

#include <algorithm>
#include <limits>

namespace confab::sim {

namespace {
// A routing loop (NATs nested into each other by mistake) ends here.
constexpr int max_hops = 16;
// A node whose poll_timeout() stays in the past would spin forever.
constexpr std::uint64_t max_steps = 10'000'000;
}  // namespace

World::World(std::uint64_t seed, Instant start) : now_(start), rng_(seed) {}

Realm World::add_nat(NatConfig config, Realm outside, Link link) {
  nats_.push_back(Nat{NatBox(config), outside, link});
  return nats_.size();
}

NodeId World::add_node(std::unique_ptr<Node> node, std::vector<IpAddress> ips, Realm realm, Link link) {
  hosts_.push_back(Host{std::move(node), std::move(ips), realm, link});
  return hosts_.size() - 1;
}

bool World::lose(const Link& link) {
  if (link.loss <= 0) return false;
  double u = static_cast<double>(rng_.next_u32()) / 4294967296.0;
  return u < link.loss;
}

std::optional<NodeId> World::host_at(Realm realm, const IpAddress& ip) const {
  for (std::size_t i = 0; i < hosts_.size(); ++i)
    if (hosts_[i].realm == realm && std::ranges::find(hosts_[i].ips, ip) != hosts_[i].ips.end()) return i;
  return std::nullopt;
}

// Translates `p` into the inside of nats_[nat]; false if the NAT drops it.
bool World::inbound_through(std::size_t nat, Packet& p, Duration& delay) {
  auto internal = nats_[nat].box.inbound(now_, p.src, p.dst);
  if (!internal) return false;
  p.dst = *internal;
  delay += nats_[nat].link.delay;
  return true;
}

void World::route(Realm realm, Packet p, Duration delay, int hops) {
  if (hops > max_hops) {
    ++counters_.unroutable;
    return;
  }
  if (auto to = host_at(realm, p.dst.ip)) {
    const Host& h = hosts_[*to];
    if (lose(h.link)) {
      ++counters_.lost;
      return;
    }
    queue_.push(Delivery{now_ + delay + h.link.delay, seq_++, *to, std::move(p)});
    return;
  }
  // A NAT in this realm that owns the address (a firewall owns its inside's).
  for (std::size_t n = 0; n < nats_.size(); ++n) {
    const NatBox& box = nats_[n].box;
    if (nats_[n].outside != realm) continue;
    bool owns = box.config().public_ip == p.dst.ip || (!box.config().translate && host_at(n + 1, p.dst.ip));
    if (!owns) continue;
    if (!inbound_through(n, p, delay)) {
      ++counters_.nat_dropped;
      return;
    }
    route(n + 1, std::move(p), delay, hops + 1);
    return;
  }
  if (realm == internet) {
    ++counters_.unroutable;
    return;
  }
  // Leaving a private realm through its NAT.
  std::size_t n = realm - 1;
  auto external = nats_[n].box.outbound(now_, p.src, p.dst);
  if (!external) {
    ++counters_.nat_dropped;
    return;
  }
  p.src = *external;
  delay += nats_[n].link.delay;
  if (nats_[n].box.config().translate && p.dst.ip == nats_[n].box.config().public_ip) {
    // Hairpinning (RFC 4787 §6): back inside, from our external address.
    if (!nats_[n].box.config().hairpinning || !inbound_through(n, p, delay)) {
      ++counters_.nat_dropped;
      return;
    }
    route(realm, std::move(p), delay, hops + 1);
    return;
  }
  route(nats_[n].outside, std::move(p), delay, hops + 1);
}

void World::flush(NodeId id) {
  Host& h = hosts_[id];
  while (auto t = h.node->poll_transmit()) {
    ++counters_.sent;
    if (std::ranges::find(h.ips, t->local.ip) == h.ips.end()) {
      ++counters_.bad_source;
      continue;
    }
    if (lose(h.link)) {
      ++counters_.lost;
      continue;
    }
    route(h.realm, Packet{t->local, t->remote, std::move(t->bytes)}, h.link.delay, 0);
  }
}

std::optional<Instant> World::next_event() const {
  std::optional<Instant> next;
  if (!queue_.empty()) next = queue_.top().at;
  for (const auto& h : hosts_)
    if (auto t = h.node->poll_timeout(); t && (!next || *t < *next)) next = t;
  return next;
}

bool World::run_until(const std::function<bool()>& done, Duration limit) {
  const Instant end = now_ + limit;
  for (std::size_t i = 0; i < hosts_.size(); ++i) flush(i);
  for (std::uint64_t step = 0; step < max_steps; ++step) {
    if (done()) return true;
    auto next = next_event();
    if (!next || *next > end) {
      now_ = end;
      return done();
    }
    now_ = std::max(now_, *next);
    while (!queue_.empty() && queue_.top().at <= now_) {
      Delivery d = queue_.top();
      queue_.pop();
      ++counters_.delivered;
      hosts_[d.to].node->handle_datagram(now_, Datagram{Transport::udp, d.packet.dst, d.packet.src, d.packet.bytes});
      flush(d.to);
    }
    for (std::size_t i = 0; i < hosts_.size(); ++i) {
      if (auto t = hosts_[i].node->poll_timeout(); t && *t <= now_) {
        hosts_[i].node->handle_timeout(now_);
        flush(i);
      }
    }
  }
  return false;
}

}  // namespace confab::sim
