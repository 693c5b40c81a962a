// An ICE agent fed arbitrary datagrams between timer ticks. The input is a
// sequence of records: [selector][length][bytes]. The selector picks the
// source address, whether the bytes are sent as they are or wrapped into a
// correctly authenticated check (so the fuzzer reaches the check logic past
// MESSAGE-INTEGRITY), and how far the clock moves. Whatever arrives, the
// agent must not crash, must only send from its own sockets, must answer a
// sender that did not authenticate with no more bytes than it sent, and
// must keep its limits.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "ice/agent.hpp"
#include "ice/messages.hpp"

using namespace confab;
using namespace confab::ice;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const SocketAddress host = *SocketAddress::parse("10.0.0.1:5000");
  static const SocketAddress server = *SocketAddress::parse("203.0.113.10:5678");
  static const IceCredentials ours{"AAAAaaaa", "passwordAAAAAAAAAAAAAAAA"};
  static const IceCredentials theirs{"BBBBbbbb", "passwordBBBBBBBBBBBBBBBB"};
  static const Bytes our_key = password_key(ours.pwd);

  SeededRng rng(size);
  IceConfig config;
  config.role = size % 2 ? Role::controlling : Role::controlled;
  config.local_addresses = {{1, host, std::nullopt}};
  config.stun_servers = {server};
  config.credentials = ours;
  config.max_pairs = 20;
  config.max_remote_candidates = 20;
  Instant now = Instant{} + std::chrono::hours(1);
  IceAgent agent(config, rng, now);
  agent.set_remote_credentials(now, theirs);
  Candidate c;
  c.foundation = "1";
  c.priority = 2130706431;
  c.address = *SocketAddress::parse("10.0.0.2:6000");
  agent.add_remote_candidate(now, c);

  std::size_t at = 0;
  while (at + 2 <= size) {
    const std::uint8_t selector = data[at];
    const std::size_t len = std::min<std::size_t>(data[at + 1], size - at - 2);
    ByteView bytes(data + at + 2, len);
    at += 2 + len;
    SocketAddress from = (selector & 1) ? server : SocketAddress{IpAddress::v4(0x0A000002u + (selector >> 5)), 6000};
    Bytes wrapped;
    if (selector & 2) {
      // A check the agent will authenticate: the fuzz bytes become its
      // transaction ID, PRIORITY, flags and tie-breaker.
      stun::TransactionId id;
      for (std::size_t i = 0; i < id.bytes.size() && i < bytes.size(); ++i) id.bytes[i] = bytes[i];
      std::uint64_t tie = 0;
      for (std::size_t i = 12; i < 20 && i < bytes.size(); ++i) tie = (tie << 8) | bytes[i];
      const std::string username = ours.ufrag + ":" + theirs.ufrag;
      wrapped = build_check_request(
          id, {username, static_cast<std::uint32_t>(tie), (selector & 4) ? Role::controlling : Role::controlled, tie,
               (selector & 8) != 0},
          our_key);
      bytes = wrapped;
    }
    const Datagram d{Transport::udp, host, from, bytes};
    const auto before_401 = agent.counters().unauthorized + agent.counters().bad_requests +
                            agent.counters().unknown_attributes;
    agent.handle_datagram(now, d);
    const bool unauthenticated_error = agent.counters().unauthorized + agent.counters().bad_requests +
                                           agent.counters().unknown_attributes !=
                                       before_401;
    while (auto t = agent.poll_transmit()) {
      if (t->local != host) std::abort();
      if (unauthenticated_error && t->remote == from && t->bytes.size() > bytes.size()) std::abort();
    }
    now += std::chrono::milliseconds((selector & 0x10) ? 5000 : 20);
    agent.handle_timeout(now);
    while (agent.poll_transmit()) {
    }
    while (agent.poll_event()) {
    }
    if (agent.pairs().size() > 40 || agent.remote_candidates().size() > 20) std::abort();
  }
  return 0;
}
