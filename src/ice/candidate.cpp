#include "ice/candidate.hpp"

namespace confab::ice {

const char* to_string(CandidateType t) {
  switch (t) {
    case CandidateType::host: return "host";
    case CandidateType::server_reflexive: return "srflx";
    case CandidateType::peer_reflexive: return "prflx";
    case CandidateType::relayed: return "relay";
  }
  return "host";
}

std::uint8_t TypePreferences::of(CandidateType t) const {
  switch (t) {
    case CandidateType::host: return host;
    case CandidateType::server_reflexive: return server_reflexive;
    case CandidateType::peer_reflexive: return peer_reflexive;
    case CandidateType::relayed: return relayed;
  }
  return 0;
}

std::uint32_t candidate_priority(std::uint8_t type_preference, std::uint16_t local_preference,
                                 std::uint16_t component) {
  // Components are 1..256, so the last term stays within its byte.
  const std::uint32_t c = component < 1 ? 1u : (component > 256 ? 256u : component);
  return (std::uint32_t{type_preference} << 24) | (std::uint32_t{local_preference} << 8) | (256u - c);
}

std::string FoundationTable::get(CandidateType type, const IpAddress& base, const std::optional<IpAddress>& server,
                                  Transport transport) {
  Key key{type, base, server, transport};
  auto it = table_.find(key);
  if (it != table_.end()) return it->second;
  std::string f = std::to_string(table_.size() + 1);
  table_.emplace(key, f);
  return f;
}

}  // namespace confab::ice
