#pragma once
// Shorthands for the simulation tests.
#include <string_view>

#include "core/address.hpp"

namespace confab::sim::simtest {

inline IpAddress ip(std::string_view text) { return *IpAddress::parse(text); }
inline SocketAddress sa(std::string_view text) { return *SocketAddress::parse(text); }

}  // namespace confab::sim::simtest
