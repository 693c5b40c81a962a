#pragma once
// What RFC 4787/5128 hole-punching theory predicts for two ICE agents
// without a relay, each behind its own NAT (or none), using host,
// server-reflexive (one reflector) and peer-reflexive candidates and
// insisting on symmetric responses (RFC 8445 §7.2.5.2.1). The reasoning is
// in src/ice/README.md ("NAT combinations"); this is the table as code.
#include <optional>
#include <string>

#include "sim/nat_box.hpp"

namespace confab::sim::icesim {

struct Behaviours {
  Behaviour mapping = Behaviour::endpoint_independent;
  Behaviour filtering = Behaviour::endpoint_independent;
};

inline Behaviours behaviours_of(const NatConfig& n) {
  // A stateful firewall does not translate: its one "mapping" is the host
  // address for every destination, i.e. endpoint-independent.
  return {n.translate ? n.mapping : Behaviour::endpoint_independent, n.filtering};
}

// True when a direct path exists between two agents in different private
// realms (none = a public address without a filter), with the reason.
inline bool direct_path_expected(std::optional<Behaviours> a, std::optional<Behaviours> b, std::string* why = nullptr) {
  using B = Behaviour;
  auto say = [&](const char* s) {
    if (why) *why = s;
  };
  if (!a || !b) {
    say("a public side without filtering receives the other's checks and answers through its fresh mapping");
    return true;
  }
  const bool a_eim = a->mapping == B::endpoint_independent;
  const bool b_eim = b->mapping == B::endpoint_independent;
  if (a_eim && b_eim) {
    say("both mappings endpoint-independent: each side's srflx address is where the other's checks arrive");
    return true;
  }
  if (a_eim != b_eim) {
    const Behaviours& eim_side = a_eim ? *a : *b;
    if (eim_side.filtering != B::address_and_port_dependent) {
      say("the endpoint-dependent side reaches the other's srflx from a new port its filter lets in (by IP)");
      return true;
    }
    say("the endpoint-dependent side only ever sends from ports the port-restricted side never sent to");
    return false;
  }
  // Both mappings endpoint-dependent: the first packet must enter through a
  // filter that ignores its source (endpoint-independent filtering), and the
  // answers then come from yet other ports (filter must ignore ports), and
  // one side's mapping must reuse its port towards the other's IP.
  if (a->mapping == B::address_and_port_dependent && b->mapping == B::address_and_port_dependent) {
    say("both address-and-port-dependent: every answer comes from a port never seen before; the chase never ends");
    return false;
  }
  const bool ok = (a->filtering == B::endpoint_independent && b->filtering != B::address_and_port_dependent) ||
                  (b->filtering == B::endpoint_independent && a->filtering != B::address_and_port_dependent);
  say(ok ? "one filter lets the first check in, the other lets the answers from new ports in, and an "
           "address-dependent mapping reuses its port"
         : "both endpoint-dependent and no filter lets the first check in from an unseen address");
  return ok;
}

}  // namespace confab::sim::icesim
