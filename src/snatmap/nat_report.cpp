#include "snatmap/nat_report.hpp"

namespace confab::snatmap {

namespace {

// Mapping and Filtering share their JSON strings.
const char* behaviour_string(int v) {
  switch (v) {
    case 1: return "endpoint-independent";
    case 2: return "address-dependent";
    case 3: return "address-and-port-dependent";
    default: return "unknown";
  }
}

}  // namespace

const char* to_string(Mapping m) { return behaviour_string(static_cast<int>(m)); }
const char* to_string(Filtering f) { return behaviour_string(static_cast<int>(f)); }

const char* to_string(ClassicNat c) {
  switch (c) {
    case ClassicNat::open: return "open";
    case ClassicNat::firewall: return "firewall";
    case ClassicNat::full_cone: return "full-cone";
    case ClassicNat::restricted_cone: return "restricted-cone";
    case ClassicNat::port_restricted_cone: return "port-restricted-cone";
    case ClassicNat::symmetric: return "symmetric";
    case ClassicNat::udp_blocked: return "udp-blocked";
    case ClassicNat::unknown: return "unknown";
  }
  return "unknown";
}

ClassicNat classic_name(std::optional<bool> behind_nat, Mapping mapping, Filtering filtering,
                        bool udp) {
  if (!udp) return ClassicNat::udp_blocked;
  if (!behind_nat) return ClassicNat::unknown;
  if (!*behind_nat) {
    switch (filtering) {
      case Filtering::endpoint_independent: return ClassicNat::open;
      case Filtering::address_dependent:
      case Filtering::address_and_port_dependent: return ClassicNat::firewall;
      case Filtering::unknown: return ClassicNat::unknown;
    }
    return ClassicNat::unknown;
  }
  // Any endpoint-dependent mapping is "symmetric", whatever the filtering.
  if (mapping == Mapping::address_dependent || mapping == Mapping::address_and_port_dependent)
    return ClassicNat::symmetric;
  if (mapping == Mapping::unknown) return ClassicNat::unknown;
  switch (filtering) {
    case Filtering::endpoint_independent: return ClassicNat::full_cone;
    case Filtering::address_dependent: return ClassicNat::restricted_cone;
    case Filtering::address_and_port_dependent: return ClassicNat::port_restricted_cone;
    case Filtering::unknown: return ClassicNat::unknown;
  }
  return ClassicNat::unknown;
}

}  // namespace confab::snatmap
