#pragma once
// Adapters that put the real sans-I/O machines into the World, plus a
// scriptable node for testing the World itself.
#include <deque>
#include <optional>
#include <vector>

#include "core/rng.hpp"
#include "sim/node.hpp"
#include "snatmap/nat_discovery.hpp"
#include "snatmap/reflector.hpp"

namespace confab::sim {

// `confab nat`'s engine as a host behind (or without) a NAT.
class DiscoveryNode final : public Node {
 public:
  DiscoveryNode(snatmap::DiscoveryConfig config, std::uint64_t seed, Instant now)
      : rng_(seed), discovery_(std::move(config), rng_, now) {}

  void handle_datagram(Instant now, const Datagram& d) override { discovery_.handle_datagram(now, d); }
  void handle_timeout(Instant now) override { discovery_.handle_timeout(now); }
  std::optional<Transmit> poll_transmit() override { return discovery_.poll_transmit(); }
  std::optional<Instant> poll_timeout() const override { return discovery_.poll_timeout(); }

  snatmap::NatDiscovery& discovery() { return discovery_; }

 private:
  SeededRng rng_;  // declared first: discovery_ keeps a reference to it
  snatmap::NatDiscovery discovery_;
};

// The SNATMAP reflector: one machine answering on all its addresses and ports.
class ReflectorNode final : public Node {
 public:
  explicit ReflectorNode(snatmap::ReflectorConfig config) : reflector_(std::move(config)) {}

  void handle_datagram(Instant now, const Datagram& d) override {
    if (auto t = reflector_.handle_datagram(now, d)) out_.push_back(std::move(*t));
  }
  void handle_timeout(Instant) override {}
  std::optional<Transmit> poll_transmit() override;
  std::optional<Instant> poll_timeout() const override { return std::nullopt; }

  snatmap::Reflector& reflector() { return reflector_; }

 private:
  snatmap::Reflector reflector_;
  std::deque<Transmit> out_;
};

// Records what it receives; sends what it is told to, optionally later; can
// echo every datagram back to its sender (from the socket it arrived on).
class ScriptNode final : public Node {
 public:
  struct Received {
    Instant at;
    SocketAddress local;
    SocketAddress remote;
    Bytes bytes;
  };

  explicit ScriptNode(bool echo = false) : echo_(echo) {}

  void send(SocketAddress from, SocketAddress to, Bytes bytes) {
    out_.push_back(Transmit{Transport::udp, from, to, std::move(bytes)});
  }
  // Sends at `at` (a timer, as a real machine would use).
  void send_at(Instant at, SocketAddress from, SocketAddress to, Bytes bytes) {
    later_.push_back({at, Transmit{Transport::udp, from, to, std::move(bytes)}});
  }
  const std::vector<Received>& received() const { return received_; }

  void handle_datagram(Instant now, const Datagram& d) override;
  void handle_timeout(Instant now) override;
  std::optional<Transmit> poll_transmit() override;
  std::optional<Instant> poll_timeout() const override;

 private:
  struct Later {
    Instant at;
    Transmit transmit;
  };
  bool echo_;
  std::deque<Transmit> out_;
  std::vector<Later> later_;
  std::vector<Received> received_;
};

}  // namespace confab::sim
