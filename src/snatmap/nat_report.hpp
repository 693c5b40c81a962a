#pragma once
// What `confab nat` found out, as plain data (docs/nat-report.md), and the
// pure functions that interpret it: the RFC 3489 "classic" name and advice
// about calls. No JSON here: the CLI renders this struct.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/address.hpp"

namespace confab::snatmap {

// RFC 4787 §4.1 mapping behaviour.
enum class Mapping : std::uint8_t {
  unknown,
  endpoint_independent,
  address_dependent,
  address_and_port_dependent,
};

// RFC 4787 §5 filtering behaviour.
enum class Filtering : std::uint8_t {
  unknown,
  endpoint_independent,
  address_dependent,
  address_and_port_dependent,
};

// RFC 3489's names, still what most people (and iChat's own diagnostics) use.
enum class ClassicNat : std::uint8_t {
  open,
  firewall,  // no NAT, but unsolicited packets are filtered
  full_cone,
  restricted_cone,
  port_restricted_cone,
  symmetric,
  udp_blocked,
  unknown,
};

// Exactly the JSON strings of docs/nat-report.md ("endpoint-independent", ...).
const char* to_string(Mapping m);
const char* to_string(Filtering f);
const char* to_string(ClassicNat c);

struct TcpReport {
  bool reachable = false;
  std::optional<SocketAddress> mapped_address;
};

struct NatReport {
  SocketAddress server;
  bool udp = false;                             // a Binding response came back over UDP
  std::optional<SocketAddress> local_address;   // socket 0's own address
  std::optional<SocketAddress> mapped_address;  // as the server saw socket 0
  std::optional<bool> behind_nat;               // null: local address unknown
  Mapping mapping = Mapping::unknown;
  Filtering filtering = Filtering::unknown;
  std::optional<bool> hairpinning;  // null: not tested (or not behind a NAT)
  ClassicNat classic = ClassicNat::unknown;
  std::optional<TcpReport> tcp;     // filled by the caller
  // Seconds an idle mapping was seen to survive (a lower bound); null when
  // not tested or not even the first step survived.
  std::optional<double> mapping_lifetime;
  // Seconds of idleness after which it was gone (an upper bound); null when it
  // survived every step tried.
  std::optional<double> mapping_lifetime_expired_by;
  bool rfc5780 = false;                         // the server sent OTHER-ADDRESS
  std::optional<SocketAddress> other_address;   // the server's OTHER-ADDRESS
  std::vector<std::string> advice;              // sentences about calls
  // Sentences about the test itself: what could not be tested and why,
  // servers answering from an unexpected address, and the like.
  std::vector<std::string> notes;
};

// The classic name per the table in docs/nat-report.md.
ClassicNat classic_name(std::optional<bool> behind_nat, Mapping mapping, Filtering filtering,
                        bool udp);

// --- advice (nat_advice.cpp) ------------------------------------------------

// One side of a call as far as hole punching cares. Not being behind a NAT
// counts as endpoint-independent mapping.
struct PeerNat {
  Mapping mapping = Mapping::unknown;
  Filtering filtering = Filtering::unknown;
};

enum class DirectPath : std::uint8_t { works, fails, unknown };
const char* to_string(DirectPath p);

// Whether ICE-style simultaneous hole punching (each side sending to the
// other's server-reflexive address) opens a direct UDP path between `a` and
// `b`. Symmetric in its arguments. Assumes each NAT uses one public IP.
DirectPath direct_path(PeerNat a, PeerNat b);

// Plain sentences about what `r` means for calls; also stored in r.advice
// by the discovery client.
std::vector<std::string> advice(const NatReport& r);

}  // namespace confab::snatmap
