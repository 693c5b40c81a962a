// Lookups and typed accessors of attribute lists, media sections and the
// session (values at media level override the session level).
#include <algorithm>

#include "sdp/lex.hpp"
#include "sdp/session.hpp"

namespace confab::sdp {
namespace {

template <class T, Result<T, DecodeError> (*Parse)(std::string_view)>
std::vector<T> all(const AttributeList& list, std::string_view name) {
  std::vector<T> out;
  for (const Attribute& a : list.attributes) {
    if (a.name != name || !a.value) continue;
    if (auto v = Parse(*a.value)) out.push_back(std::move(*v));
  }
  return out;
}

template <class T, Result<T, DecodeError> (*Parse)(std::string_view)>
std::optional<T> first(const AttributeList& list, std::string_view name) {
  for (const Attribute& a : list.attributes) {
    if (a.name != name || !a.value) continue;
    if (auto v = Parse(*a.value)) return std::move(*v);
  }
  return std::nullopt;
}

}  // namespace

std::uint64_t TypedTime::seconds() const {
  switch (unit) {
    case 'd': return value * 86400;
    case 'h': return value * 3600;
    case 'm': return value * 60;
    default: return value;
  }
}

// --- AttributeList -----------------------------------------------------------

const Attribute* AttributeList::find(std::string_view name) const {
  for (const Attribute& a : attributes)
    if (a.name == name) return &a;
  return nullptr;
}

std::vector<std::string_view> AttributeList::values(std::string_view name) const {
  std::vector<std::string_view> out;
  for (const Attribute& a : attributes)
    if (a.name == name && a.value) out.emplace_back(*a.value);
  return out;
}

void AttributeList::add(std::string name, std::optional<std::string> value) {
  attributes.push_back(Attribute{std::move(name), std::move(value)});
}

std::size_t AttributeList::remove(std::string_view name) {
  const auto before = attributes.size();
  std::erase_if(attributes, [&](const Attribute& a) { return a.name == name; });
  return before - attributes.size();
}

std::optional<Direction> AttributeList::direction() const {
  for (const Attribute& a : attributes)
    if (auto d = direction_from(a.name); d && !a.value) return d;
  return std::nullopt;
}

void AttributeList::set_direction(Direction d) {
  std::erase_if(attributes, [](const Attribute& a) { return direction_from(a.name).has_value(); });
  add(to_string(d));
}

std::optional<std::string> AttributeList::ice_ufrag() const {
  if (const Attribute* a = find("ice-ufrag"); a && a->value) return *a->value;
  return std::nullopt;
}

std::optional<std::string> AttributeList::ice_pwd() const {
  if (const Attribute* a = find("ice-pwd"); a && a->value) return *a->value;
  return std::nullopt;
}

std::vector<std::string> AttributeList::ice_options() const {
  if (const Attribute* a = find("ice-options"); a && a->value)
    if (auto v = parse_ice_options(*a->value)) return *v;
  return {};
}

std::vector<Group> AttributeList::groups() const { return all<Group, parse_group>(*this, "group"); }

std::optional<Group> AttributeList::group(std::string_view semantics) const {
  for (Group& g : groups())
    if (g.semantics == semantics) return std::move(g);
  return std::nullopt;
}

std::vector<Extmap> AttributeList::extmaps() const { return all<Extmap, parse_extmap>(*this, "extmap"); }

// --- MediaDescription ----------------------------------------------------------

bool MediaDescription::is_rtp() const {
  return proto.starts_with("RTP/") || proto.find("/RTP/") != std::string::npos;
}

bool MediaDescription::is_secure() const {
  return is_rtp() && (proto.ends_with("/SAVP") || proto.ends_with("/SAVPF"));
}

bool MediaDescription::has_feedback() const { return is_rtp() && proto.ends_with("AVPF"); }

std::vector<std::uint8_t> MediaDescription::payload_types() const {
  std::vector<std::uint8_t> out;
  for (const auto& f : formats)
    if (f.size() <= 3)
      if (auto n = lex::number(f, 127)) out.push_back(static_cast<std::uint8_t>(*n));
  return out;
}

std::optional<Rtpmap> MediaDescription::rtpmap(std::uint8_t pt) const {
  for (Rtpmap& r : rtpmaps())
    if (r.payload_type == pt) return std::move(r);
  return static_rtpmap(pt);
}

std::vector<Rtpmap> MediaDescription::rtpmaps() const { return all<Rtpmap, parse_rtpmap>(*this, "rtpmap"); }

std::optional<Fmtp> MediaDescription::fmtp(std::string_view format) const {
  for (Fmtp& f : fmtps())
    if (f.format == format) return std::move(f);
  return std::nullopt;
}

std::vector<Fmtp> MediaDescription::fmtps() const { return all<Fmtp, parse_fmtp>(*this, "fmtp"); }

std::vector<RtcpFb> MediaDescription::rtcp_fbs() const { return all<RtcpFb, parse_rtcp_fb>(*this, "rtcp-fb"); }

std::vector<RtcpFb> MediaDescription::rtcp_fbs(std::uint8_t pt) const {
  auto v = rtcp_fbs();
  std::erase_if(v, [pt](const RtcpFb& f) { return !f.applies_to(pt); });
  return v;
}

std::optional<Rtcp> MediaDescription::rtcp() const { return first<Rtcp, parse_rtcp>(*this, "rtcp"); }

std::optional<std::string> MediaDescription::mid() const {
  if (const Attribute* a = find("mid"); a && a->value) return *a->value;
  return std::nullopt;
}

std::vector<Candidate> MediaDescription::candidates() const {
  return all<Candidate, parse_candidate>(*this, "candidate");
}

std::vector<Crypto> MediaDescription::cryptos() const { return all<Crypto, parse_crypto>(*this, "crypto"); }

std::vector<Ssrc> MediaDescription::ssrcs() const { return all<Ssrc, parse_ssrc>(*this, "ssrc"); }

std::optional<double> MediaDescription::ptime() const { return first<double, parse_ptime>(*this, "ptime"); }

std::optional<double> MediaDescription::maxptime() const { return first<double, parse_ptime>(*this, "maxptime"); }

// --- SessionDescription ----------------------------------------------------------

const Connection* SessionDescription::connection_for(const MediaDescription& m) const {
  if (!m.connections.empty()) return &m.connections.front();
  return connection ? &*connection : nullptr;
}

Direction SessionDescription::direction_of(const MediaDescription& m) const {
  if (auto d = m.direction()) return *d;
  return direction().value_or(Direction::sendrecv);
}

std::optional<std::string> SessionDescription::ice_ufrag_for(const MediaDescription& m) const {
  if (auto v = m.ice_ufrag()) return v;
  return ice_ufrag();
}

std::optional<std::string> SessionDescription::ice_pwd_for(const MediaDescription& m) const {
  if (auto v = m.ice_pwd()) return v;
  return ice_pwd();
}

}  // namespace confab::sdp
