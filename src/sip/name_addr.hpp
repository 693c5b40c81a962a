#pragma once
// name-addr / addr-spec with header parameters (RFC 3261 §20.10, §25.1):
// the value of From, To, Contact, Route, Record-Route, Path, Reply-To...
//
//   "Alice" <sip:alice@example.org>;tag=1928   (name-addr, quoted name)
//   Alice <sip:alice@example.org>              (name-addr, token name)
//   sip:alice@example.org;tag=1928             (addr-spec: the ;tag belongs to the header)
//
// Views into the parsed text, like Uri.
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "sip/decode_error.hpp"
#include "sip/uri.hpp"

namespace confab::sip {

struct NameAddr {
  std::string_view display_name;  // as on the wire: quotes and quoted-pairs kept; empty if none
  bool angle = false;             // the URI was in <> (name-addr form)
  Uri uri;
  Params params;                  // header parameters (tag, expires, q, lr...); quoted values keep their quotes

  // The display name as text: quotes removed, quoted-pairs resolved.
  std::string display() const;
  const Param* param(std::string_view name) const { return find_param(params, name); }
  std::optional<std::string_view> tag() const;
};

// Parses one name-addr or addr-spec with its parameters. In addr-spec form
// the URI ends at the first ";" (RFC 3261 §20: a URI holding ",", ";" or
// "?" must be in <>), so a "?" there is an error (RFC 4475 §3.1.2.13).
// Offsets in errors are relative to `value`.
Result<NameAddr, DecodeError> parse_name_addr(std::string_view value);

// Canonical text: a display name is written quoted, the URI always in <>.
std::string to_string(const NameAddr& na);

// *( SEMI generic-param ) from value[i] (SEMI and EQUAL may have LWS around
// them; gen-value = token / host / quoted-string). Returns the index after
// the last parameter; an empty name or value is an error.
Result<std::size_t, DecodeError> parse_header_params(std::string_view value, std::size_t i, Params& out);

// A quoted-string's content with quoted-pairs resolved, or the text itself
// when it is not quoted.
std::string unquote(std::string_view s);
// `s` as a quoted-string, escaping '"' and '\'.
std::string quote(std::string_view s);

}  // namespace confab::sip
