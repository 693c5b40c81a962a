// What a NAT report means for calls. The core is direct_path(): whether ICE
// hole punching (both sides sending to each other's server-reflexive address
// at once, RFC 8445) opens a direct UDP path between two NATs. Reasoning, per
// RFC 4787 terms:
//
//  - Endpoint-independent mapping (EIM) means the address the STUN server saw
//    is the address every peer sees, so the other side aims at the right port.
//  - Both EIM: each side has sent to the exact address the other's packets
//    come from, so even address-and-port-dependent filtering lets them in.
//  - One side endpoint-dependent (ADM/APDM, "symmetric"): its packets to the
//    peer leave from a fresh port the peer never learned. They get in only if
//    the peer's filter does not check the port (EIF, or ADF — the peer has sent
//    to that NAT's IP); the peer then answers that fresh port (a peer-reflexive
//    candidate), and the symmetric NAT lets the answer in because it comes from
//    the very address its new mapping was created for. Port-dependent filtering
//    on the EIM side drops the first packet and the path never opens.
//  - Both endpoint-dependent: neither side knows the other's port. Fails
//    (port prediction is out of scope).
#include <array>
#include <string>

#include "snatmap/nat_report.hpp"

namespace confab::snatmap {

namespace {

bool is_dependent(Mapping m) {
  return m == Mapping::address_dependent || m == Mapping::address_and_port_dependent;
}

// The table above for fully known mappings; filtering may still be unknown.
DirectPath direct_path_known(PeerNat a, PeerNat b) {
  if (!is_dependent(a.mapping) && !is_dependent(b.mapping)) return DirectPath::works;
  if (is_dependent(a.mapping) && is_dependent(b.mapping)) return DirectPath::fails;
  const PeerNat& eim_side = is_dependent(a.mapping) ? b : a;
  switch (eim_side.filtering) {
    case Filtering::endpoint_independent:
    case Filtering::address_dependent: return DirectPath::works;
    case Filtering::address_and_port_dependent: return DirectPath::fails;
    case Filtering::unknown: return DirectPath::unknown;
  }
  return DirectPath::unknown;
}

constexpr std::array<Mapping, 3> all_mappings{Mapping::endpoint_independent, Mapping::address_dependent,
                                              Mapping::address_and_port_dependent};

std::string join_or(const std::vector<std::string>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += (i + 1 == items.size()) ? " or " : ", ";
    out += items[i];
  }
  return out;
}

// The peers a user meets, by classic name. Symmetric NATs' own filtering does
// not matter (see above), so one representative stands for all of them.
struct ReferencePeer {
  const char* name;
  PeerNat nat;
};
constexpr std::array<ReferencePeer, 4> reference_peers{{
    {"full-cone", {Mapping::endpoint_independent, Filtering::endpoint_independent}},
    {"restricted-cone", {Mapping::endpoint_independent, Filtering::address_dependent}},
    {"port-restricted-cone", {Mapping::endpoint_independent, Filtering::address_and_port_dependent}},
    {"symmetric", {Mapping::address_and_port_dependent, Filtering::address_and_port_dependent}},
}};

void call_advice(const NatReport& r, std::vector<std::string>& out) {
  PeerNat self{r.behind_nat == false ? Mapping::endpoint_independent : r.mapping, r.filtering};
  std::vector<std::string> works, fails, unknown;
  for (const auto& peer : reference_peers) {
    switch (direct_path(self, peer.nat)) {
      case DirectPath::works: works.emplace_back(peer.name); break;
      case DirectPath::fails: fails.emplace_back(peer.name); break;
      case DirectPath::unknown: unknown.emplace_back(peer.name); break;
    }
  }
  if (fails.empty() && unknown.empty()) {
    out.emplace_back("Direct calls will work with peers behind any NAT, including symmetric ones");
  } else if (fails == std::vector<std::string>{"symmetric"} && unknown.empty()) {
    out.emplace_back("Direct calls will work with peers behind any NAT except symmetric ones");
  } else if (!works.empty()) {
    out.emplace_back("Direct calls will work only with peers that have no NAT or a " + join_or(works) +
                     " NAT");
  }
  if (!fails.empty())
    out.emplace_back("A relay will be needed when calling peers behind " + join_or(fails) + " NATs");
  if (!unknown.empty())
    out.emplace_back("It could not be determined whether direct calls work with peers behind " +
                     join_or(unknown) + " NATs; a relay may be needed");
}

// ICE keepalives (RFC 8445 §11) default to every 15 seconds.
constexpr double keepalive_seconds = 15;

void lifetime_advice(const NatReport& r, std::vector<std::string>& out) {
  if (r.mapping_lifetime && *r.mapping_lifetime >= keepalive_seconds) {
    out.push_back("Idle UDP mappings last at least " + std::to_string(static_cast<long>(*r.mapping_lifetime)) +
                  " seconds, so the usual 15-second keepalives keep calls open");
  } else if (r.mapping_lifetime_expired_by) {
    out.push_back("This NAT forgets an idle UDP mapping within " +
                  std::to_string(static_cast<long>(*r.mapping_lifetime_expired_by)) +
                  " seconds: keepalives must be sent more often than that or calls will drop during silence");
  }
}

}  // namespace

const char* to_string(DirectPath p) {
  switch (p) {
    case DirectPath::works: return "works";
    case DirectPath::fails: return "fails";
    case DirectPath::unknown: return "unknown";
  }
  return "unknown";
}

DirectPath direct_path(PeerNat a, PeerNat b) {
  // An unknown mapping is resolved by trying every possibility: if all agree,
  // the answer is known anyway (an EIM + EIF/ADF side works with anyone).
  auto candidates = [](Mapping m) {
    return m == Mapping::unknown ? std::vector<Mapping>(all_mappings.begin(), all_mappings.end())
                                 : std::vector<Mapping>{m};
  };
  std::optional<DirectPath> agreed;
  for (Mapping ma : candidates(a.mapping)) {
    for (Mapping mb : candidates(b.mapping)) {
      DirectPath p = direct_path_known({ma, a.filtering}, {mb, b.filtering});
      if (p == DirectPath::unknown || (agreed && *agreed != p)) return DirectPath::unknown;
      agreed = p;
    }
  }
  return agreed.value_or(DirectPath::unknown);
}

std::vector<std::string> advice(const NatReport& r) {
  std::vector<std::string> out;
  if (!r.udp) {
    out.emplace_back("UDP is blocked: calls need a relay over TCP/TLS");
    if (r.tcp && !r.tcp->reachable)
      out.emplace_back("The server could not be reached over TCP either: check the firewall's outbound rules");
    return out;
  }
  if (r.behind_nat == false && r.filtering == Filtering::endpoint_independent)
    out.emplace_back("This address is public and unfiltered: peers can reach it directly");
  call_advice(r, out);
  if (r.hairpinning == false)
    out.emplace_back(
        "This NAT does not hairpin: calls with people behind the same NAT need their local addresses or a relay");
  else if (r.hairpinning == true)
    out.emplace_back("Calls with people behind the same NAT also work through its public address (hairpinning)");
  lifetime_advice(r, out);
  if (!r.rfc5780)
    out.emplace_back(
        "The server does not support RFC 5780 behaviour discovery, so the NAT type is only partly known; "
        "test against a server with two addresses for a full answer");
  return out;
}

}  // namespace confab::snatmap
