// The attributes this codec knows, as data: adding one is adding a row.
#include "sdp/registry.hpp"

#include <array>

#include "sdp/session.hpp"
#include "sdp/lex.hpp"

namespace confab::sdp::registry {
namespace {

template <class T, Result<T, DecodeError> (*Parse)(std::string_view)>
std::optional<DecodeError> check(std::string_view v) {
  auto r = Parse(v);
  if (r) return std::nullopt;
  return r.error();
}

std::optional<DecodeError> check_ptime(std::string_view v) {
  auto r = parse_ptime(v);
  if (r) return std::nullopt;
  return r.error();
}

std::optional<DecodeError> check_ice_options(std::string_view v) {
  auto r = parse_ice_options(v);
  if (r) return std::nullopt;
  return r.error();
}

std::optional<DecodeError> check_token(std::string_view v) {
  if (lex::is_token(v)) return std::nullopt;
  return detail::error(DecodeErrorCode::bad_attribute_value, 0, "not a token");
}

constexpr Level S = session_level, M = media_level, A = any_level;
constexpr Kind F = Kind::flag, V = Kind::value;

constexpr std::array<Entry, 31> k_entries{{
    {"rtpmap", M, V, false, &check<Rtpmap, parse_rtpmap>, "RFC 8866 §6.6"},
    {"fmtp", M, V, false, &check<Fmtp, parse_fmtp>, "RFC 8866 §6.15"},
    {"ptime", M, V, true, &check_ptime, "RFC 8866 §6.4"},
    {"maxptime", M, V, true, &check_ptime, "RFC 8866 §6.5"},
    {"sendrecv", A, F, false, nullptr, "RFC 8866 §6.7.1"},
    {"recvonly", A, F, false, nullptr, "RFC 8866 §6.7.2"},
    {"sendonly", A, F, false, nullptr, "RFC 8866 §6.7.3"},
    {"inactive", A, F, false, nullptr, "RFC 8866 §6.7.4"},
    {"rtcp", M, V, true, &check<Rtcp, parse_rtcp>, "RFC 3605 §2.1"},
    {"rtcp-mux", M, F, true, nullptr, "RFC 5761 §5.1.1"},
    {"rtcp-mux-only", M, F, true, nullptr, "RFC 8858"},
    {"rtcp-rsize", M, F, true, nullptr, "RFC 5506"},
    {"rtcp-fb", A, V, false, &check<RtcpFb, parse_rtcp_fb>, "RFC 4585 §4.2"},
    {"mid", M, V, true, &validate_mid, "RFC 5888 §4"},
    {"group", S, V, false, &check<Group, parse_group>, "RFC 5888 §5"},
    {"bundle-only", M, F, true, nullptr, "RFC 9143 §6"},
    {"ice-ufrag", A, V, true, &validate_ice_ufrag, "RFC 8839 §5.4"},
    {"ice-pwd", A, V, true, &validate_ice_pwd, "RFC 8839 §5.4"},
    {"ice-options", A, V, true, &check_ice_options, "RFC 8839 §5.6"},
    {"ice-lite", S, F, true, nullptr, "RFC 8839 §5.3"},
    {"ice-mismatch", M, F, true, nullptr, "RFC 8839 §5.2"},
    {"ice-pacing", S, V, true, nullptr, "RFC 8839 §5.5"},
    {"candidate", M, V, false, &check<Candidate, parse_candidate>, "RFC 8839 §5.1"},
    {"remote-candidates", M, V, true, nullptr, "RFC 8839 §5.2"},
    {"end-of-candidates", A, F, true, nullptr, "RFC 8840 §8.2"},
    {"crypto", M, V, false, &check<Crypto, parse_crypto>, "RFC 4568 §9.1"},
    {"ssrc", M, V, false, &check<Ssrc, parse_ssrc>, "RFC 5576 §4.1"},
    {"extmap", A, V, false, &check<Extmap, parse_extmap>, "RFC 8285 §8"},
    {"extmap-allow-mixed", A, F, true, nullptr, "RFC 8285 §6"},
    {"setup", A, V, true, &check_token, "RFC 4145 §4"},
    {"msid-semantic", S, V, false, nullptr, "WebRTC (pre-RFC 8830)"},
}};

}  // namespace

const Entry* find(std::string_view name) {
  for (const Entry& e : k_entries)
    if (e.name == name) return &e;
  return nullptr;
}

}  // namespace confab::sdp::registry

namespace confab::sdp {

std::optional<DecodeError> validate_attribute(const Attribute& a, bool session_level) {
  using C = DecodeErrorCode;
  if (!lex::is_token(a.name)) return detail::error(C::bad_attribute, 0, "attribute name is not a token");
  const registry::Entry* e = registry::find(a.name);
  if (e == nullptr) return std::nullopt;  // unknown attributes are kept verbatim (RFC 8866 §5.13)
  if (session_level && !(e->level & registry::session_level))
    return detail::error(C::bad_attribute, 0, std::string(e->name) + " is a media-level attribute (" + std::string(e->rfc) + ")");
  if (!session_level && !(e->level & registry::media_level))
    return detail::error(C::bad_attribute, 0, std::string(e->name) + " is a session-level attribute (" + std::string(e->rfc) + ")");
  if (e->kind == registry::Kind::flag && a.value)
    return detail::error(C::bad_attribute, 0, std::string(e->name) + " takes no value");
  if (e->kind == registry::Kind::value && !a.value)
    return detail::error(C::bad_attribute, 0, std::string(e->name) + " needs a value");
  if (e->validate && a.value) return e->validate(*a.value);
  return std::nullopt;
}

}  // namespace confab::sdp
