#pragma once
// From what `confab portcheck` observed to a verdict per port and direction,
// with what breaks and how to fix it; rendered as a table, JSON or a
// self-contained HTML page. Pure: the client's probing feeds it facts.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/address.hpp"
#include "diag/port_catalog.hpp"
#include "diag/sip_probe.hpp"

namespace confab::diag {

// How a port is probed: with the protocol of the service that runs there,
// or the port-check echo where none does. `connect`: a service this
// version has no probe for (a plain TCP connect; UDP: untested);
// `control`: the port-check control port itself.
enum class ProbeMethod : std::uint8_t { stun, sip, xmpp, tls, echo, connect, control };
const char* to_string(ProbeMethod m);
// The method for a catalog entry, by its service.
ProbeMethod probe_method(const CatalogEntry& e);

// The facts about one port, as the client saw them.
struct PortObservation {
  CatalogEntry entry;             // the catalog entry the port belongs to
  std::uint16_t port = 0;
  ProbeMethod method = ProbeMethod::echo;
  // Outbound: the client's probe towards the server.
  bool answered = false;          // the expected answer came back
  bool refused = false;           // ICMP port unreachable, or a TCP reset
  std::optional<bool> server_saw; // echo and SIP probes: the server says whether it got ours; nullopt: cannot tell
  bool server_unavailable = false;  // the server could not open the echo port: not tested
  std::string note;               // what went wrong, in words ("TLS handshake: ...")
  std::vector<SipChange> changes; // SIP probes: what arrived differs from what was sent
  // Inbound (peer-to-peer ports): the server sent unsolicited to this port.
  bool inbound_tested = false;
  bool unsolicited_arrived = false;
  bool local_port_busy = false;   // could not listen on the port here: inbound not tested
};

enum class Verdict : std::uint8_t { open, blocked, filtered, rewritten, untested };
const char* to_string(Verdict v);
enum class PathDirection : std::uint8_t { outbound, inbound };
const char* to_string(PathDirection d);

struct PortResult {
  std::string service;
  std::uint16_t port = 0;
  Proto proto = Proto::udp;
  PathDirection direction = PathDirection::outbound;
  Verdict verdict = Verdict::open;
  std::string detail;    // "no answer", "refused", "replies blocked", "dropped", ...
  bool local_only = false;
  std::string breaks;    // "calls connect but carry no audio or video: media needs 16384-16403/udp outbound"
  std::string fix;       // a rule, and where to get a complete rule set
  std::vector<SipChange> changes;
};

struct PortcheckReport {
  std::string server;                 // as given
  std::string control;                // "203.0.113.10:5680"
  std::optional<IpAddress> public_ip; // the client's address as the server saw it
  std::string catalog;                // whose ports were tested: "server" (its running config) or "defaults"
  std::vector<PortResult> results;    // catalog order, outbound before inbound per port
};

PortcheckReport evaluate(const std::vector<PortObservation>& observations);

// Something the user must fix: blocked or rewritten, on a port that matters
// beyond the local network. (Filtered inbound is what every NAT does; calls
// get through it with ICE.) `confab portcheck` exits 6 then.
bool has_problems(const PortcheckReport& r);

std::string render_table(const PortcheckReport& r);
std::string render_json(const PortcheckReport& r);
std::string render_html(const PortcheckReport& r);

}  // namespace confab::diag
