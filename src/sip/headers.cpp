// The header registry as data. Compact forms: RFC 3261 §7.3.3 (c e f i k l
// m s t v), RFC 3515 (r), RFC 3892 (b), RFC 3265 (o u), RFC 3841 (a d j),
// RFC 4028 (x), RFC 4474 (y n).
#include "sip/headers.hpp"

#include <array>

#include "sip/lex.hpp"

namespace confab::sip {
namespace {

using H = HeaderId;

constexpr std::array<HeaderInfo, static_cast<std::size_t>(H::count_)> rows{{
    {H::other, "", '\0', false},
    {H::accept, "Accept", '\0', true},
    {H::accept_contact, "Accept-Contact", 'a', true},
    {H::accept_encoding, "Accept-Encoding", '\0', true},
    {H::accept_language, "Accept-Language", '\0', true},
    {H::alert_info, "Alert-Info", '\0', true},
    {H::allow, "Allow", '\0', true},
    {H::allow_events, "Allow-Events", 'u', true},
    {H::authentication_info, "Authentication-Info", '\0', false},
    {H::authorization, "Authorization", '\0', false},
    {H::call_id, "Call-ID", 'i', false},
    {H::call_info, "Call-Info", '\0', true},
    {H::contact, "Contact", 'm', true},
    {H::content_disposition, "Content-Disposition", '\0', false},
    {H::content_encoding, "Content-Encoding", 'e', true},
    {H::content_language, "Content-Language", '\0', true},
    {H::content_length, "Content-Length", 'l', false},
    {H::content_type, "Content-Type", 'c', false},
    {H::cseq, "CSeq", '\0', false},
    {H::date, "Date", '\0', false},
    {H::error_info, "Error-Info", '\0', true},
    {H::event, "Event", 'o', false},
    {H::expires, "Expires", '\0', false},
    {H::from, "From", 'f', false},
    {H::identity, "Identity", 'y', false},
    {H::identity_info, "Identity-Info", 'n', false},
    {H::in_reply_to, "In-Reply-To", '\0', true},
    {H::max_forwards, "Max-Forwards", '\0', false},
    {H::min_expires, "Min-Expires", '\0', false},
    {H::min_se, "Min-SE", '\0', false},
    {H::mime_version, "MIME-Version", '\0', false},
    {H::organization, "Organization", '\0', false},
    {H::path, "Path", '\0', true},
    {H::priority, "Priority", '\0', false},
    {H::privacy, "Privacy", '\0', false},
    {H::proxy_authenticate, "Proxy-Authenticate", '\0', false},
    {H::proxy_authorization, "Proxy-Authorization", '\0', false},
    {H::proxy_require, "Proxy-Require", '\0', true},
    {H::rack, "RAck", '\0', false},
    {H::reason, "Reason", '\0', true},
    {H::record_route, "Record-Route", '\0', true},
    {H::refer_to, "Refer-To", 'r', false},
    {H::referred_by, "Referred-By", 'b', false},
    {H::reject_contact, "Reject-Contact", 'j', true},
    {H::reply_to, "Reply-To", '\0', false},
    {H::request_disposition, "Request-Disposition", 'd', true},
    {H::require, "Require", '\0', true},
    {H::retry_after, "Retry-After", '\0', false},
    {H::route, "Route", '\0', true},
    {H::rseq, "RSeq", '\0', false},
    {H::server, "Server", '\0', false},
    {H::service_route, "Service-Route", '\0', true},
    {H::session_expires, "Session-Expires", 'x', false},
    {H::sip_etag, "SIP-ETag", '\0', false},
    {H::sip_if_match, "SIP-If-Match", '\0', false},
    {H::subject, "Subject", 's', false},
    {H::subscription_state, "Subscription-State", '\0', false},
    {H::supported, "Supported", 'k', true},
    {H::timestamp, "Timestamp", '\0', false},
    {H::to, "To", 't', false},
    {H::unsupported, "Unsupported", '\0', true},
    {H::user_agent, "User-Agent", '\0', false},
    {H::via, "Via", 'v', true},
    {H::warning, "Warning", '\0', true},
    {H::www_authenticate, "WWW-Authenticate", '\0', false},
}};

constexpr bool rows_in_id_order() {
  for (std::size_t i = 0; i < rows.size(); ++i)
    if (static_cast<std::size_t>(rows[i].id) != i) return false;
  return true;
}
static_assert(rows_in_id_order(), "header rows must be in HeaderId order");

// Compact forms by letter, built from the rows.
constexpr std::array<HeaderId, 26> make_compact() {
  std::array<HeaderId, 26> t{};
  for (const HeaderInfo& r : rows)
    if (r.compact != '\0') t[static_cast<std::size_t>(r.compact - 'a')] = r.id;
  return t;
}
constexpr std::array<HeaderId, 26> compact = make_compact();

}  // namespace

const HeaderInfo& header_info(HeaderId id) {
  const auto i = static_cast<std::size_t>(id);
  return rows[i < rows.size() ? i : 0];
}

namespace {

// header_id() runs for every header line of every message: instead of
// comparing against all ~65 names, look in the bucket for the name's length
// and first letter (a handful of rows at most), built at compile time.
constexpr std::size_t max_name = 24;
constexpr std::size_t bucket_of(std::size_t size, char first) {
  return size * 26 + static_cast<std::size_t>(lex::lower(first) - 'a');
}
struct NameIndex {
  // For each bucket, the first row and the number of rows in `order`.
  std::array<std::uint8_t, (max_name + 1) * 26 + 1> start{};
  std::array<std::uint8_t, rows.size()> order{};
};
constexpr NameIndex make_index() {
  NameIndex ix;
  std::array<std::uint8_t, (max_name + 1) * 26 + 1> count{};
  for (std::size_t i = 1; i < rows.size(); ++i) ++count[bucket_of(rows[i].name.size(), rows[i].name[0]) + 1];
  for (std::size_t b = 1; b < count.size(); ++b) ix.start[b] = static_cast<std::uint8_t>(ix.start[b - 1] + count[b]);
  std::array<std::uint8_t, (max_name + 1) * 26 + 1> fill = ix.start;
  for (std::size_t i = 1; i < rows.size(); ++i)
    ix.order[fill[bucket_of(rows[i].name.size(), rows[i].name[0])]++] = static_cast<std::uint8_t>(i);
  return ix;
}
constexpr NameIndex name_index = make_index();
static_assert([] {
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const auto& n = rows[i].name;
    if (n.size() > max_name || lex::lower(n[0]) < 'a' || lex::lower(n[0]) > 'z') return false;
  }
  return true;
}(), "every registered header name starts with a letter and fits the index");

}  // namespace

HeaderId header_id(std::string_view name) {
  if (name.empty()) return H::other;
  const char first = lex::lower(name[0]);
  if (first < 'a' || first > 'z') return H::other;
  if (name.size() == 1) return compact[static_cast<std::size_t>(first - 'a')];
  if (name.size() > max_name) return H::other;
  const std::size_t b = bucket_of(name.size(), first);
  for (std::size_t k = name_index.start[b]; k < name_index.start[b + 1]; ++k)
    if (lex::iequals(rows[name_index.order[k]].name, name)) return rows[name_index.order[k]].id;
  return H::other;
}

}  // namespace confab::sip
