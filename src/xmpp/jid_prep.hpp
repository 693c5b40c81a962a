#pragma once
// Internal to confab_xmpp: the preparation of each JID part (RFC 7622 §3.2–
// §3.4, through the stringprep profiles of RFC 6122 that libidn implements).
// Each takes the part as written and returns its canonical form, or the
// problem as one line without the part's name (Jid::parse adds it).
//
// Pure ASCII, by far the common case, takes a fast path that gives exactly
// what the profile would (tests/unit/xmpp/jid_test.cpp checks every ASCII
// character against libidn); anything else goes through libidn.
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace confab::xmpp::detail {

// RFC 7622 §3.1: after preparation each part is 1..1023 bytes.
inline constexpr std::size_t max_part_bytes = 1023;

// Nodeprep (RFC 6122 Appendix A): case-folded, NFKC, and none of
// " & ' / : < > @, spaces or controls; unassigned code points refused.
Result<std::string, std::string> prepare_localpart(std::string_view text);
// An IPv4 address, an IPv6 address in brackets (canonical text), or a DNS
// name: one trailing dot dropped, labels 1..63 octets in ASCII (A-label)
// form, letters, digits and hyphens only (STD3), A-labels turned into
// U-labels, Nameprep'd (lowercase).
Result<std::string, std::string> prepare_domainpart(std::string_view text);
// Resourceprep (RFC 6122 Appendix B): NFKC, case kept, spaces allowed,
// controls refused.
Result<std::string, std::string> prepare_resourcepart(std::string_view text);

}  // namespace confab::xmpp::detail
