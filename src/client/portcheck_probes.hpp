#pragma once
// The probes `confab portcheck` sends, over real sockets: every UDP port at
// once (with retransmissions) from one poll loop, every TCP port in its own
// thread, then the inbound listeners. Each fills the PortObservation of its
// target; the verdicts are diag::evaluate's job.
#include <string>
#include <vector>

#include "core/address.hpp"
#include "core/rng.hpp"
#include "core/time.hpp"
#include "diag/portcheck_report.hpp"
#include "diag/portcheck_wire.hpp"

namespace confab::client {

struct ProbeContext {
  SocketAddress server;        // address only; each target has its port
  std::string server_host;     // as the user wrote it (SIP Request-URI)
  diag::Token token{};
  Duration timeout = std::chrono::seconds(2);
};

// One port to test and what was seen.
struct ProbeTarget {
  diag::PortObservation obs;
  std::string sip_sent;    // SIP probes: the message as sent, for the diff
  int inbound_fd = -1;     // after probe_udp/listen_inbound: where unsolicited probes arrive
  ~ProbeTarget();
  ProbeTarget() = default;
  ProbeTarget(ProbeTarget&& o) noexcept;
  ProbeTarget& operator=(ProbeTarget&&) = delete;
  ProbeTarget(const ProbeTarget&) = delete;
};

// UDP targets (STUN, SIP, echo) in parallel. Echo probes to peer-to-peer
// ports leave their socket (bound to the same local port) open in
// `inbound_fd` for the inbound test.
void probe_udp(const ProbeContext& ctx, std::vector<ProbeTarget*> targets, Rng& rng);
// TCP targets (STUN, SIP, XMPP, TLS, echo), one thread each.
void probe_tcp(const ProbeContext& ctx, std::vector<ProbeTarget*> targets, Rng& rng);
// Listens on each peer-to-peer TCP target's port, in the server's address
// family (sets inbound_fd, or local_port_busy).
void listen_inbound_tcp(const ProbeContext& ctx, std::vector<ProbeTarget*> targets);
// Waits up to ctx.timeout for the server's unsolicited probes on every
// target's inbound_fd; sets unsolicited_arrived.
void await_inbound(const ProbeContext& ctx, std::vector<ProbeTarget*> targets);

}  // namespace confab::client
