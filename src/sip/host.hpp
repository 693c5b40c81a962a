#pragma once
// Host syntax checks shared by URIs and Via sent-by (RFC 3261 §25.1).
// Internal to confab_sip; defined in uri.cpp.
#include <string_view>

namespace confab::sip::detail {
bool valid_ipv4(std::string_view s);
bool valid_ipv6(std::string_view s);  // without brackets
bool valid_hostname(std::string_view s);
}  // namespace confab::sip::detail
