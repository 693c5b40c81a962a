#pragma once
// URIs in SIP messages: sip:, sips: (RFC 3261 §19.1), tel: (RFC 3966), and
// any other absoluteURI kept as opaque text (RFC 4475 §3.3.2-§3.3.4 send
// those; the codec must carry them, the application decides).
//
// A Uri is a *view*: its fields point into the text given to parse_uri(),
// which must outlive it (inside a Message, they point into its storage).
// Fields hold the text as on the wire, escapes included; unescape() decodes.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "sip/decode_error.hpp"

namespace confab::sip {

enum class Scheme : std::uint8_t { sip, sips, tel, other };
enum class HostKind : std::uint8_t { none, hostname, ipv4, ipv6 };

// A `;name=value` or `;name` parameter (URI, header or Via parameter).
struct Param {
  std::string_view name;
  std::string_view value;  // empty when absent or empty; see has_value
  bool has_value = false;
  bool operator==(const Param&) const = default;
};
using Params = std::vector<Param>;

// The first parameter named `name` (case-insensitive), if any.
const Param* find_param(const Params& params, std::string_view name);

struct Uri {
  Scheme scheme = Scheme::sip;
  std::string_view scheme_text;  // as written ("sip", "SIP", "isbn"...)
  std::string_view user;         // escaped; for tel: the number
  std::string_view password;     // escaped; see has_password
  bool has_password = false;
  std::string_view host;         // IPv6 without its brackets
  HostKind host_kind = HostKind::none;
  std::optional<std::uint16_t> port;
  Params params;                 // uri-parameters, wire order
  Params headers;                // ?name=value&..., wire order (has_value always true)
  std::string_view opaque;       // Scheme::other: everything after "scheme:"
  std::string_view text;         // the whole URI as parsed

  bool is_sip() const { return scheme == Scheme::sip || scheme == Scheme::sips; }
  const Param* param(std::string_view name) const { return find_param(params, name); }
  std::optional<std::string_view> param_value(std::string_view name) const;
  std::optional<std::string_view> transport() const { return param_value("transport"); }
  bool lr() const { return param("lr") != nullptr; }
};

// Strict parse of one URI. Errors carry offsets relative to `text`.
// sip:/sips: follow RFC 3261 §25.1 (userinfo, hostname/IPv4/[IPv6], port
// 0..65535, parameters, headers, %HH escapes); tel: follows RFC 3966 loosely
// (digits, visual separators, parameters); other schemes must be
// scheme ":" followed by visible characters.
Result<Uri, DecodeError> parse_uri(std::string_view text);

// The canonical text of a URI: scheme in lower case, components as stored
// (escapes kept), IPv6 in brackets.
std::string to_string(const Uri& uri);

// RFC 3261 §19.1.4 for sip:/sips: (user and password case-sensitive after
// unescaping; host case-insensitive; an explicit port never equals an absent
// one; user, ttl, method, maddr and transport must match when in either;
// other parameters only when in both; headers must all match). tel: per
// RFC 3966 §4 (visual separators ignored, parameters as a set). Other
// schemes: the text, scheme case-insensitive.
bool equivalent(const Uri& a, const Uri& b);

// %HH decoding. Invalid escapes (which parse_uri rejects) are kept as is.
std::string unescape(std::string_view s);

// Which characters may stay unescaped when building a URI component.
enum class UriPart : std::uint8_t { user, password, param, header };
std::string escape(std::string_view raw, UriPart part);

}  // namespace confab::sip
