#pragma once
// The header registry (RFC 3261 §20 and extensions): one row per header
// giving its canonical name, its compact form and whether its values are a
// comma-separated list. Lookup, parsing and serialization all read the table.
#include <cstdint>
#include <string_view>

namespace confab::sip {

enum class HeaderId : std::uint8_t {
  other,  // not in the registry: kept verbatim, name as on the wire
  accept, accept_contact, accept_encoding, accept_language, alert_info, allow, allow_events,
  authentication_info, authorization, call_id, call_info, contact, content_disposition,
  content_encoding, content_language, content_length, content_type, cseq, date, error_info,
  event, expires, from, identity, identity_info, in_reply_to, max_forwards, min_expires, min_se,
  mime_version, organization, path, priority, privacy, proxy_authenticate, proxy_authorization,
  proxy_require, rack, reason, record_route, refer_to, referred_by, reject_contact, reply_to,
  request_disposition, require, retry_after, route, rseq, server, service_route, session_expires,
  sip_etag, sip_if_match, subject, subscription_state, supported, timestamp, to, unsupported,
  user_agent, via, warning, www_authenticate,
  count_  // number of ids; not a header
};

struct HeaderInfo {
  HeaderId id;
  std::string_view name;  // canonical spelling
  char compact;           // compact form (RFC 3261 §7.3.3 and extensions), '\0' if none
  bool list;              // values may be comma-separated (RFC 3261 §7.3.1)
};

// The row for an id (HeaderId::other has the empty name).
const HeaderInfo& header_info(HeaderId id);
// The id of a header name as written on the wire: case-insensitive, compact
// forms included; HeaderId::other if not in the registry.
HeaderId header_id(std::string_view name);
inline std::string_view header_name(HeaderId id) { return header_info(id).name; }
inline bool is_list_header(HeaderId id) { return header_info(id).list; }

}  // namespace confab::sip
