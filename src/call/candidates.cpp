#include "call/candidates.hpp"

namespace confab::call {

namespace {

sdp::CandidateType sdp_type(ice::CandidateType t) {
  switch (t) {
    case ice::CandidateType::host: return sdp::CandidateType::host;
    case ice::CandidateType::server_reflexive: return sdp::CandidateType::srflx;
    case ice::CandidateType::peer_reflexive: return sdp::CandidateType::prflx;
    case ice::CandidateType::relayed: return sdp::CandidateType::relay;
  }
  return sdp::CandidateType::host;
}

std::optional<ice::CandidateType> ice_type(sdp::CandidateType t) {
  switch (t) {
    case sdp::CandidateType::host: return ice::CandidateType::host;
    case sdp::CandidateType::srflx: return ice::CandidateType::server_reflexive;
    case sdp::CandidateType::prflx: return ice::CandidateType::peer_reflexive;
    case sdp::CandidateType::relay: return ice::CandidateType::relayed;
    case sdp::CandidateType::other: return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace

sdp::Candidate to_sdp(const ice::Candidate& c) {
  sdp::Candidate s;
  s.foundation = c.foundation;
  s.component = c.component;
  s.transport = "UDP";
  s.priority = c.priority;
  s.address = c.address.ip.to_string();
  s.port = c.address.port;
  s.type = sdp_type(c.type);
  s.type_name = ice::to_string(c.type);
  if (c.related) {
    s.related_address = c.related->ip.to_string();
    s.related_port = c.related->port;
  }
  return s;
}

std::optional<ice::Candidate> from_sdp(const sdp::Candidate& s) {
  if (!s.is_udp()) return std::nullopt;
  auto ip = IpAddress::parse(s.address);
  auto type = ice_type(s.type);
  if (!ip || !type) return std::nullopt;
  ice::Candidate c;
  c.foundation = s.foundation;
  c.component = s.component;
  c.priority = s.priority;
  c.address = SocketAddress{*ip, s.port};
  c.base = c.address;
  c.type = *type;
  if (s.related_address && s.related_port)
    if (auto rip = IpAddress::parse(*s.related_address)) c.related = SocketAddress{*rip, *s.related_port};
  return c;
}

}  // namespace confab::call
