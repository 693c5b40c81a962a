#pragma once
// Typed header values (RFC 3261 §20, §25.1). Each parser takes one header
// value (after the colon, folds already turned to spaces) and returns views
// into it; error offsets are relative to the value. parse() runs
// validate_header() on every registered header it has a grammar for, so
// on a parsed Message these parsers only fail for headers added later.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "sip/decode_error.hpp"
#include "sip/headers.hpp"
#include "sip/name_addr.hpp"
#include "sip/uri.hpp"

namespace confab::sip {

// One element of a comma-separated list, trimmed; offset within the value.
struct ListItem {
  std::size_t offset = 0;
  std::string_view text;
};
// Splits at commas outside quoted strings and <...>; an empty element is an error.
Result<std::vector<ListItem>, DecodeError> split_list(std::string_view value);

// Via: sent-protocol sent-by *(;via-params) (RFC 3261 §20.42, RFC 3581 rport).
struct Via {
  std::string_view protocol_name;     // "SIP"
  std::string_view protocol_version;  // "2.0"
  std::string_view transport;         // "UDP", "TCP", "TLS", "SCTP", "WS"... as written
  std::string_view host;              // IPv6 without brackets
  HostKind host_kind = HostKind::hostname;
  std::optional<std::uint16_t> port;
  Params params;

  const Param* param(std::string_view name) const { return find_param(params, name); }
  std::optional<std::string_view> branch() const;
  std::optional<std::string_view> received() const;  // brackets (RFC 5118 §4.5) removed
  std::optional<std::string_view> maddr() const;
  std::optional<std::uint8_t> ttl() const;
  bool has_rport() const { return param("rport") != nullptr; }
  std::optional<std::uint16_t> rport() const;  // the value, when the parameter has one
  // RFC 3261 §17.2.3: a branch starting with the magic cookie "z9hG4bK".
  bool rfc3261_branch() const;
};
// All Via values in one header value (a comma-separated list).
Result<std::vector<Via>, DecodeError> parse_via(std::string_view value);
// "SIP/2.0/UDP host:port;params" (canonical spacing).
std::string to_string(const Via& via);

struct CSeq {
  std::uint32_t number = 0;
  std::string_view method;
};
Result<CSeq, DecodeError> parse_cseq(std::string_view value);

// Contact: "*" or a list of addresses with contact-params.
struct ContactList {
  bool star = false;
  std::vector<NameAddr> contacts;
};
Result<ContactList, DecodeError> parse_contact(std::string_view value);
// The expires parameter of a contact (0..2^32-1), if present.
std::optional<std::uint32_t> contact_expires(const NameAddr& contact);
// The q parameter in thousandths (0..1000), if present.
std::optional<std::uint16_t> contact_q(const NameAddr& contact);

// From, To, Reply-To, Refer-To...: one address.
Result<NameAddr, DecodeError> parse_address(std::string_view value);
// Route, Record-Route, Path, Service-Route: name-addrs (always in <>).
Result<std::vector<NameAddr>, DecodeError> parse_route(std::string_view value);

// 1*DIGIT no larger than `max` (Max-Forwards: 255, Expires: 2^32-1, ...).
Result<std::uint64_t, DecodeError> parse_number(std::string_view value, std::uint64_t max);
// Require, Supported, Proxy-Require, Unsupported, Allow: tokens (may be empty).
Result<std::vector<std::string_view>, DecodeError> parse_token_list(std::string_view value);
// Call-ID: word ["@" word].
Result<std::string_view, DecodeError> parse_call_id(std::string_view value);

struct MediaType {
  std::string_view type;
  std::string_view subtype;
  Params params;
};
Result<MediaType, DecodeError> parse_media_type(std::string_view value);

// Checks a value against the grammar of its header; headers without one
// here (unknown ones, Accept, Date, Authorization...) always pass.
std::optional<DecodeError> validate_header(HeaderId id, std::string_view value);

}  // namespace confab::sip
