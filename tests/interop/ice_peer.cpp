// A bare ICE endpoint around confab's agent, for interop tests with other
// ICE implementations (tests/interop/test_ice_aioice.py). Line protocol on
// stdio, JSON one object per line:
//   out: {"ufrag","pwd","candidates":[a=candidate values]}      after gathering
//   in:  {"ufrag","pwd","candidates":[...]}                     the peer's
//   out: {"event":"connected","local":"host 127.0.0.1:1234","remote":"..."}
//   out: {"event":"data","text":"..."}                          what the peer sent
// It sends "hello from confab" on the selected pair and exits once it has
// both connected and received a datagram (0), or after 20 s (1).
//   interop_ice_peer controlling|controlled BIND_IP [STUN_HOST:PORT]
#include <poll.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "call/candidates.hpp"
#include "core/rng.hpp"
#include "ice/agent.hpp"
#include "net/poll_loop.hpp"
#include "net/udp_socket.hpp"

using namespace confab;

namespace {

struct Peer {
  ice::IceAgent& agent;
  bool sent = false, received = false, announced = false, exchanged = false;
  void handle_datagram(Instant now, const Datagram& d) {
    if (agent.handle_datagram(now, d) == ice::Received::not_stun) {
      received = true;
      std::cout << nlohmann::json{{"event", "data"}, {"text", std::string(d.bytes.begin(), d.bytes.end())}}.dump()
                << std::endl;
    }
  }
  void handle_timeout(Instant now) { agent.handle_timeout(now); }
  std::optional<Transmit> poll_transmit() {
    if (auto t = agent.poll_transmit()) return t;
    if (!sent)
      if (auto p = agent.selected_pair()) {
        sent = true;
        const std::string hello = "hello from confab";
        return Transmit{Transport::udp, p->local.base, p->remote.address, Bytes(hello.begin(), hello.end())};
      }
    return std::nullopt;
  }
  std::optional<Instant> poll_timeout() const {
    const Instant tick = Clock::now() + std::chrono::milliseconds(20);
    auto t = agent.poll_timeout();
    return t ? std::min(*t, tick) : tick;
  }
  bool is_done() const { return sent && received; }
};

std::optional<std::string> read_line_within(std::chrono::milliseconds ms) {
  pollfd p{0, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(ms.count())) <= 0) return std::nullopt;
  std::string line;
  if (!std::getline(std::cin, line)) return std::nullopt;
  return line;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: interop_ice_peer controlling|controlled BIND_IP [STUN_HOST:PORT]\n");
    return 2;
  }
  const bool controlling = std::string(argv[1]) == "controlling";
  auto ip = IpAddress::parse(argv[2]);
  if (!ip) return 2;
  std::error_code ec;
  std::vector<net::UdpSocket> sockets;
  sockets.push_back(net::UdpSocket::bind({*ip, 0}, {}, ec));
  if (ec) return 1;
  ice::IceConfig cfg;
  cfg.role = controlling ? ice::Role::controlling : ice::Role::controlled;
  cfg.local_addresses = {{1, sockets[0].local_address(), std::nullopt}};
  if (argc > 3)
    if (auto s = SocketAddress::parse(argv[3])) cfg.stun_servers.push_back(*s);
  SystemRng rng;
  ice::IceAgent agent(cfg, rng, Clock::now());
  Peer peer{agent};
  const Instant give_up = Clock::now() + std::chrono::seconds(20);
  // Gather, print our side, read theirs, then run until done.
  auto wakeup = [&] {
    const Instant now = Clock::now();
    if (!peer.announced && agent.gathering_state() == ice::GatheringState::complete) {
      peer.announced = true;
      nlohmann::json j{{"ufrag", agent.local_credentials().ufrag}, {"pwd", agent.local_credentials().pwd}};
      j["candidates"] = nlohmann::json::array();
      for (const auto& c : agent.local_candidates()) j["candidates"].push_back(sdp::to_value(call::to_sdp(c)));
      std::cout << j.dump() << std::endl;
    }
    if (peer.announced && !peer.exchanged) {
      if (auto line = read_line_within(std::chrono::milliseconds(10))) {
        peer.exchanged = true;
        auto j = nlohmann::json::parse(*line, nullptr, false);
        agent.set_remote_credentials(now, {j.value("ufrag", ""), j.value("pwd", "")});
        for (const auto& v : j["candidates"])
          if (auto c = sdp::parse_candidate(v.get<std::string>()))
            if (auto ic = call::from_sdp(*c)) agent.add_remote_candidate(now, *ic);
        agent.end_of_remote_candidates(now);
      }
    }
    while (auto e = agent.poll_event())
      if (auto* sel = std::get_if<ice::event::SelectedPairChanged>(&*e))
        std::cout << nlohmann::json{{"event", "connected"},
                                    {"local", std::string(ice::to_string(sel->pair.local.type)) + " " +
                                                  sel->pair.local.address.to_string()},
                                    {"remote", std::string(ice::to_string(sel->pair.remote.type)) + " " +
                                                   sel->pair.remote.address.to_string()}}
                         .dump()
                  << std::endl;
  };
  const bool done = net::run_poll_loop(peer, sockets, give_up, wakeup);
  return done ? 0 : 1;
}
