#pragma once
// The port-check service's core, sans-I/O (protocol: src/diag/README.md).
//
// Fed control lines, echo probes and SIP probes with the time; emits
// transmits (echo replies, unsolicited inbound datagrams) and actions for
// the adapter (control replies, ports to open and close, TCP connections
// to make). Safety rules it enforces:
//  - every probe must carry the token of a live session whose control
//    connection came from the same IP address; anything else is dropped
//    silently (no open reflector for third parties);
//  - replies are never larger than the request (amplification ≤ 1) and go
//    only to the request's source; unsolicited probes go only to the
//    session's own IP address, a bounded number per session;
//  - echo ports are only ports of the catalog not served by confabd itself,
//    opened while a session needs them, closed when the last one ends;
//  - sessions live `session_lifetime`, at most `max_sessions` at once and
//    `sessions_per_address` per IP; new sessions and probes are rate-limited
//    per IP.
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/rate_limiter.hpp"
#include "core/rng.hpp"
#include "core/time.hpp"
#include "core/transmit.hpp"
#include "diag/port_catalog.hpp"
#include "diag/portcheck_wire.hpp"

namespace confab::diag {

struct PortcheckServerConfig {
  std::vector<CatalogEntry> catalog;                      // ports a session may have opened
  std::set<std::pair<Proto, std::uint16_t>> served;       // ports confabd's services hold: never opened
  Duration session_lifetime = std::chrono::seconds(60);
  Duration hello_timeout = std::chrono::seconds(10);      // a control connection must say PORTCHECK by then
  std::size_t max_sessions = 32;
  std::size_t sessions_per_address = 4;
  RateLimit session_rate{1, 5, 4096};                     // new sessions per IP
  RateLimit probe_rate{200, 400, 4096};                   // echo probes per IP
  std::size_t max_open_ports = 64;                        // per session
  std::size_t max_inbound = 64;                           // unsolicited probes per session
  std::size_t max_sip_probes = 8;                         // recorded per session
  std::size_t max_seen = 256;                             // echo arrivals recorded per session
};

using ControlId = std::uint64_t;

struct PortcheckAction {
  enum class Kind {
    control_reply,    // send `text` + "\n" on control connection `control`
    close_control,    // close it (after what is queued)
    open_port,        // open echo port `proto`/`port`; answer with handle_port_result
    close_port,       // close it
    connect_inbound,  // TCP: connect to `remote`, send `bytes`, close (bounded in time by the adapter)
  };
  Kind kind = Kind::control_reply;
  ControlId control = 0;
  std::string text;
  Proto proto = Proto::udp;
  std::uint16_t port = 0;
  SocketAddress remote;
  Bytes bytes;
};

struct PortcheckCounters {
  std::uint64_t sessions = 0, sessions_refused = 0, sessions_expired = 0;
  std::uint64_t bad_commands = 0, echoes = 0, inbound_sent = 0, sip_probes = 0;
  std::uint64_t dropped_unknown = 0;   // no live session for the token, or from another address
  std::uint64_t dropped_malformed = 0;
  std::uint64_t rate_limited = 0;
};

// Transmits from the socket that sends unsolicited probes carry this
// local port: the adapter's own "other" port, never an echo port.
inline constexpr std::uint16_t unsolicited_port = 0;

class PortcheckServer {
 public:
  PortcheckServer(PortcheckServerConfig config, Rng& rng);

  void handle_control_opened(Instant now, ControlId c, const SocketAddress& remote);
  void handle_control_line(Instant now, ControlId c, std::string_view line);
  void handle_control_closed(Instant now, ControlId c);
  void handle_port_result(Instant now, Proto proto, std::uint16_t port, bool opened);

  // A UDP datagram on an echo port (d.local.port says which).
  void handle_datagram(Instant now, const Datagram& d);
  // The first 64 bytes of a TCP connection to an echo port: the answer to
  // write before closing, or nothing (close at once).
  std::optional<Bytes> handle_stream_probe(Instant now, std::uint16_t local_port, const SocketAddress& remote,
                                           ByteView request);
  // A SIP probe as confabd's SIP service received it.
  void handle_sip_probe(Instant now, Transport t, const SocketAddress& remote, ByteView message);
  void handle_timeout(Instant now);

  std::optional<Transmit> poll_transmit();
  std::optional<PortcheckAction> poll_action();
  std::optional<Instant> poll_timeout() const;

  const PortcheckCounters& counters() const { return counters_; }
  std::size_t sessions() const { return sessions_.size(); }
  std::size_t open_ports() const;

 private:
  struct Seen {
    Proto proto;
    std::uint16_t server_port, client_port;
    SocketAddress from;
  };
  struct SipSeen {
    Proto proto;
    SocketAddress from;
    Bytes message;
  };
  struct PendingOpen {
    Proto proto;
    std::uint16_t first, last;
    std::vector<std::uint16_t> waiting, unavailable;
  };
  struct Session {
    ControlId control = 0;
    IpAddress ip;
    Instant expires;
    std::set<std::pair<Proto, std::uint16_t>> ports;  // held echo ports
    std::map<std::uint16_t, SocketAddress> mapped;    // client's UDP port → where it came from
    std::vector<Seen> seen;
    std::vector<SipSeen> sip;
    std::size_t inbound = 0;
    std::optional<PendingOpen> pending;
  };
  struct Control {
    SocketAddress remote;
    Instant hello_deadline;
    std::optional<Token> session;
  };
  struct PortState {
    int refs = 0;
    bool open = false;
    bool pending = false;
  };

  void reply(ControlId c, std::string text);
  void fail(ControlId c, std::string text);
  void hello(Instant now, ControlId c, Control& ctl, const Command& cmd);
  void open(Instant now, Session& s, const Command& cmd);
  void inbound(Session& s, const Command& cmd);
  void report(Session& s);
  void finish_open(Session& s);
  void end_session(const Token& t);
  bool in_catalog(Proto p, std::uint16_t port) const;
  Session* session_for(const Token& t, const IpAddress& from, Instant now);
  void record_seen(Session& s, Proto proto, std::uint16_t server_port, std::uint16_t client_port, const SocketAddress& from);

  PortcheckServerConfig config_;
  Rng& rng_;
  RateLimiter session_limiter_;
  RateLimiter probe_limiter_;
  std::map<ControlId, Control> controls_;
  std::map<Token, Session> sessions_;
  std::map<std::pair<Proto, std::uint16_t>, PortState> ports_;
  std::deque<Transmit> transmits_;
  std::deque<PortcheckAction> actions_;
  PortcheckCounters counters_;
};

}  // namespace confab::diag
