#include "diag/portcheck_report.hpp"

#include <algorithm>

namespace confab::diag {

const char* to_string(ProbeMethod m) {
  switch (m) {
    case ProbeMethod::stun: return "stun";
    case ProbeMethod::sip: return "sip";
    case ProbeMethod::xmpp: return "xmpp";
    case ProbeMethod::tls: return "tls";
    case ProbeMethod::echo: return "echo";
    case ProbeMethod::connect: return "connect";
    case ProbeMethod::control: return "control";
  }
  return "?";
}

const char* to_string(Verdict v) {
  switch (v) {
    case Verdict::open: return "open";
    case Verdict::blocked: return "blocked";
    case Verdict::filtered: return "filtered";
    case Verdict::rewritten: return "rewritten";
    case Verdict::untested: return "untested";
  }
  return "?";
}

const char* to_string(PathDirection d) { return d == PathDirection::outbound ? "outbound" : "inbound"; }

ProbeMethod probe_method(const CatalogEntry& e) {
  if (e.service.starts_with("reflector")) return ProbeMethod::stun;
  if (e.service == "sip" || e.service == "sip-tcp") return ProbeMethod::sip;
  if (e.service == "sip-tls" || e.service == "xmpp-tls" || e.service == "upload") return ProbeMethod::tls;
  if (e.service == "xmpp") return ProbeMethod::xmpp;
  if (e.service == "portcheck") return ProbeMethod::control;
  // Where confabd serves something we have no probe for, a connect at least;
  // where it serves nothing (peer-to-peer ports), the echo.
  return e.direction == Direction::to_server ? ProbeMethod::connect : ProbeMethod::echo;
}

namespace {

std::string needs(const CatalogEntry& e, PathDirection d) {
  return e.service + " needs " + e.ports() + "/" + to_string(e.proto) + " " + to_string(d);
}

std::string rule(Proto p, std::uint16_t port, PathDirection d) {
  const std::string chain = d == PathDirection::outbound ? "output" : "input";
  return std::string("nftables: `") + to_string(p) + " dport " + std::to_string(port) + " accept` in the " + chain +
         " chain";
}

constexpr const char* full_rules = "; `confab firewall --side client` prints a complete rule set";

std::string outbound_fix(const PortObservation& o, const std::string& detail) {
  if (detail.starts_with("by a SIP ALG"))
    return "turn off the router's SIP ALG (called \"SIP ALG\", \"SIP helper\" or \"SIP passthrough\"; on Linux: no "
           "nf_conntrack_sip helper), or use SIP over TLS (`--transport tls`, port 5061)";
  if (detail.starts_with("dropped"))
    return "turn off the router's SIP ALG or let udp 5060 through; or use SIP over TLS (`--transport tls`)";
  if (detail == "replies blocked")
    return "let the server's answers back in: `ct state established,related accept` on the inbound side of the "
           "firewall between you and the server";
  return "allow " + std::string(to_string(o.entry.proto)) + " to port " + std::to_string(o.port) + " outbound (" +
         rule(o.entry.proto, o.port, PathDirection::outbound) + ")" + full_rules;
}

std::string inbound_fix(const PortObservation& o, Verdict v) {
  std::string s = "let " + std::string(to_string(o.entry.proto)) + " " + std::to_string(o.port) +
                  " in from the internet (" + rule(o.entry.proto, o.port, PathDirection::inbound) +
                  "; behind a NAT: forward the port to this machine)" + full_rules;
  if (v == Verdict::filtered)
    s = "nothing needed for most calls (ICE punches through); if both sides are filtered and calls find no path, " + s;
  return s;
}

PortResult base(const PortObservation& o, PathDirection d) {
  PortResult r;
  r.service = o.entry.service;
  r.port = o.port;
  r.proto = o.entry.proto;
  r.direction = d;
  r.local_only = o.entry.local_only;
  r.breaks = o.entry.breaks + ": " + needs(o.entry, d);
  return r;
}

PortResult outbound(const PortObservation& o, bool other_udp_works) {
  PortResult r = base(o, PathDirection::outbound);
  r.changes = o.changes;
  const bool arrived = o.answered || o.server_saw.value_or(false);
  if (o.server_unavailable) {
    r.verdict = Verdict::untested;
    r.detail = "the server could not open this port (something else holds it there)";
  } else if (o.method == ProbeMethod::connect && o.entry.proto == Proto::udp) {
    r.verdict = Verdict::untested;
    r.detail = "no probe for this service yet";
  } else if (arrived && !o.changes.empty()) {
    r.verdict = Verdict::rewritten;
    r.detail = "by a SIP ALG:";
    std::vector<std::string> seen;
    for (const auto& c : o.changes)
      if (std::find(seen.begin(), seen.end(), c.where) == seen.end()) seen.push_back(c.where);
    for (std::size_t i = 0; i < seen.size(); ++i) r.detail += (i ? ", " : " ") + seen[i];
    r.breaks = "SIP through this router is altered: calls may fail to connect or carry no media (" + r.breaks + ")";
  } else if (o.answered) {
    r.verdict = Verdict::open;
  } else if (o.refused) {
    r.verdict = Verdict::blocked;
    r.detail = "refused";
  } else if (o.server_saw.value_or(false)) {
    r.verdict = Verdict::blocked;
    r.detail = "replies blocked";
  } else if (o.method == ProbeMethod::sip && o.entry.proto == Proto::udp && other_udp_works) {
    r.verdict = Verdict::blocked;
    r.detail = "dropped: SIP is lost while other UDP gets through (a SIP ALG or a SIP filter)";
  } else {
    r.verdict = Verdict::blocked;
    r.detail = "no answer";
  }
  if (!o.note.empty() && r.verdict != Verdict::open) r.detail += r.detail.empty() ? o.note : " (" + o.note + ")";
  if (r.verdict == Verdict::open) {
    r.breaks.clear();
  } else if (r.verdict != Verdict::untested) {
    r.fix = outbound_fix(o, r.detail);
  }
  return r;
}

PortResult inbound(const PortObservation& o) {
  PortResult r = base(o, PathDirection::inbound);
  if (o.local_port_busy) {
    r.verdict = Verdict::untested;
    r.detail = "could not listen on this port here (in use)";
  } else if (o.unsolicited_arrived) {
    r.verdict = Verdict::open;
  } else if (o.answered) {
    r.verdict = Verdict::filtered;
    r.detail = "unsolicited blocked, replies get in (NAT or stateful firewall)";
  } else {
    r.verdict = Verdict::blocked;
    r.detail = "no answer: nothing from the server got in";
  }
  if (r.verdict == Verdict::open || r.verdict == Verdict::untested)
    r.breaks.clear();
  else
    r.fix = inbound_fix(o, r.verdict);
  return r;
}

}  // namespace

PortcheckReport evaluate(const std::vector<PortObservation>& observations) {
  PortcheckReport report;
  // "Dropped" needs a witness: some other UDP port that answered.
  const bool other_udp_works = std::any_of(observations.begin(), observations.end(), [](const PortObservation& o) {
    return o.entry.proto == Proto::udp && o.method != ProbeMethod::sip && o.answered;
  });
  for (const auto& o : observations) {
    report.results.push_back(outbound(o, other_udp_works));
    if (o.inbound_tested) report.results.push_back(inbound(o));
  }
  return report;
}

bool has_problems(const PortcheckReport& r) {
  return std::any_of(r.results.begin(), r.results.end(), [](const PortResult& p) {
    return !p.local_only && (p.verdict == Verdict::blocked || p.verdict == Verdict::rewritten);
  });
}

}  // namespace confab::diag
