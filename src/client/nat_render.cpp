#include "client/nat_render.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace confab::client {

namespace {

using nlohmann::json;

template <class T>
json opt_addr(const std::optional<T>& a) {
  return a ? json(a->to_string()) : json(nullptr);
}

std::string yes_no(std::optional<bool> b, const char* unknown = "not tested") {
  if (!b) return unknown;
  return *b ? "yes" : "no";
}

const char* classic_phrase(snatmap::ClassicNat c) {
  switch (c) {
    case snatmap::ClassicNat::open: return "open Internet (no NAT, no firewall)";
    case snatmap::ClassicNat::firewall: return "no NAT, but a firewall filters incoming UDP";
    case snatmap::ClassicNat::full_cone: return "full cone NAT";
    case snatmap::ClassicNat::restricted_cone: return "restricted cone NAT";
    case snatmap::ClassicNat::port_restricted_cone: return "port-restricted cone NAT";
    case snatmap::ClassicNat::symmetric: return "symmetric NAT";
    case snatmap::ClassicNat::udp_blocked: return "UDP blocked";
    case snatmap::ClassicNat::unknown: return "unknown";
  }
  return "unknown";
}

}  // namespace

std::string render_nat_json(const snatmap::NatReport& r) {
  json j;
  j["server"] = r.server.to_string();
  j["udp"] = r.udp;
  j["local_address"] = opt_addr(r.local_address);
  j["mapped_address"] = opt_addr(r.mapped_address);
  j["behind_nat"] = r.behind_nat ? json(*r.behind_nat) : json(nullptr);
  j["mapping"] = snatmap::to_string(r.mapping);
  j["filtering"] = snatmap::to_string(r.filtering);
  j["hairpinning"] = r.hairpinning ? json(*r.hairpinning) : json(nullptr);
  j["classic"] = snatmap::to_string(r.classic);
  if (r.tcp)
    j["tcp"] = {{"reachable", r.tcp->reachable}, {"mapped_address", opt_addr(r.tcp->mapped_address)}};
  else
    j["tcp"] = nullptr;
  j["mapping_lifetime"] = r.mapping_lifetime ? json(*r.mapping_lifetime) : json(nullptr);
  j["mapping_lifetime_expired_by"] = r.mapping_lifetime_expired_by ? json(*r.mapping_lifetime_expired_by) : json(nullptr);
  j["rfc5780"] = r.rfc5780;
  j["other_address"] = opt_addr(r.other_address);
  j["advice"] = r.advice;
  j["notes"] = r.notes;
  return j.dump(2) + "\n";
}

std::string render_nat_text(const snatmap::NatReport& r) {
  std::string out = fmt::format("NAT behaviour towards {}\n\n", r.server.to_string());
  auto row = [&](const char* k, const std::string& v) { out += fmt::format("  {:<18} {}\n", k, v); };
  row("UDP", r.udp ? "works" : "no answer (blocked?)");
  if (r.local_address) row("local address", r.local_address->to_string());
  if (r.mapped_address) row("public address", r.mapped_address->to_string());
  if (r.udp) {
    row("behind a NAT", yes_no(r.behind_nat, "unknown"));
    row("mapping", snatmap::to_string(r.mapping));
    row("filtering", snatmap::to_string(r.filtering));
    row("hairpinning", yes_no(r.hairpinning));
  }
  if (r.tcp)
    row("TCP", r.tcp->reachable ? "works" + (r.tcp->mapped_address ? ", seen as " + r.tcp->mapped_address->to_string()
                                                                    : std::string())
                                : std::string("no answer"));
  if (r.mapping_lifetime || r.mapping_lifetime_expired_by) {
    std::string v;
    if (r.mapping_lifetime) v += fmt::format("at least {:.0f} s", *r.mapping_lifetime);
    if (r.mapping_lifetime_expired_by)
      v += fmt::format("{}gone after {:.0f} s idle", v.empty() ? "" : ", ", *r.mapping_lifetime_expired_by);
    row("mapping lifetime", v);
  }
  row("NAT type", classic_phrase(r.classic));
  row("server", r.rfc5780 ? "supports RFC 5780 (other address " +
                                (r.other_address ? r.other_address->to_string() : std::string("?")) + ")"
                          : std::string("no RFC 5780 behaviour discovery (only partial results)"));
  if (!r.advice.empty()) {
    out += "\nWhat this means for calls:\n";
    for (const auto& a : r.advice) out += "  * " + a + "\n";
  }
  if (!r.notes.empty()) {
    out += "\nNotes:\n";
    for (const auto& n : r.notes) out += "  - " + n + "\n";
  }
  return out;
}

}  // namespace confab::client
