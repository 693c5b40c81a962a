#pragma once
// An account's name: the bare JID that is also the SIP address of record,
// "alice@example.org" (one identity for XMPP and SIP, see DESIGN.md).
//
// Validation is deliberately simple and strict: both parts are lowercased
// (ASCII only; XMPP compares localparts case-insensitively, so "Alice" and
// "alice" must not become two accounts), both must be non-empty, and spaces,
// control characters, '@', '/' (a JID resource) and the characters XMPP
// forbids in a localpart are refused. PRECIS (RFC 7622 UsernameCaseMapped)
// or nodeprep normalisation of non-ASCII names is out of scope: those bytes
// are kept as given, so such a name must be typed exactly as added. SIP
// clients must use the lowercase username: HA1 is computed over it.
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace confab::store {

struct AccountName {
  std::string localpart;  // "alice": the SIP digest username
  std::string domain;     // "example.org": lowercase; the SIP digest realm

  // RFC 7622 §3.1: a JID is at most 3071 bytes, each part at most 1023.
  static constexpr std::size_t max_part_bytes = 1023;

  // "alice@example.org" → {alice, example.org}; errors say what is wrong,
  // e.g. "\"alice\" has no domain (expected localpart@domain)".
  static Result<AccountName, std::string> parse(std::string_view text);

  std::string str() const { return localpart + "@" + domain; }
  friend bool operator==(const AccountName&, const AccountName&) = default;
};

}  // namespace confab::store
