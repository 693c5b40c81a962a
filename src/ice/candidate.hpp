#pragma once
// ICE candidates (RFC 8445 §5.1): types, the priority formula (§5.1.2.1)
// and foundations (§5.1.1.3).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>

#include "core/address.hpp"
#include "core/transmit.hpp"

namespace confab::ice {

enum class CandidateType : std::uint8_t { host, server_reflexive, peer_reflexive, relayed };
// The SDP names (RFC 8839 §5.1): "host", "srflx", "prflx", "relay".
const char* to_string(CandidateType t);

// Type preferences (§5.1.2.2): host 126, prflx 110, srflx 100, relay 0.
struct TypePreferences {
  std::uint8_t host = 126;
  std::uint8_t peer_reflexive = 110;
  std::uint8_t server_reflexive = 100;
  std::uint8_t relayed = 0;
  std::uint8_t of(CandidateType t) const;
};

// §5.1.2.1: 2^24 * type preference + 2^8 * local preference + (256 - component).
std::uint32_t candidate_priority(std::uint8_t type_preference, std::uint16_t local_preference,
                                 std::uint16_t component);

struct Candidate {
  std::string foundation;      // 1..32 ice-chars
  std::uint16_t component = 1;  // 1 = RTP, 2 = RTCP
  Transport transport = Transport::udp;
  std::uint32_t priority = 0;
  SocketAddress address;
  CandidateType type = CandidateType::host;
  // raddr/rport: a reflexive candidate's base, a relayed one's mapped address.
  std::optional<SocketAddress> related;
  // Local candidates: the address checks are sent from (§5.1.1.1): the
  // host socket for host/srflx/prflx, the relayed address itself for relay.
  // For remote candidates it equals `address`.
  SocketAddress base;
  // Local candidates: the local preference the priority was computed with.
  std::uint16_t local_preference = 0;

  bool operator==(const Candidate&) const = default;
};

// Hands out foundations (§5.1.1.3): candidates share one when they have the
// same type, bases with the same IP, the same STUN/TURN server IP (for
// reflexive and relayed ones) and the same transport. Foundations are short
// decimal strings ("1", "2", ...), stable for the life of the table.
class FoundationTable {
 public:
  std::string get(CandidateType type, const IpAddress& base, const std::optional<IpAddress>& server,
                  Transport transport = Transport::udp);

 private:
  using Key = std::tuple<CandidateType, IpAddress, std::optional<IpAddress>, Transport>;
  std::map<Key, std::string> table_;
};

}  // namespace confab::ice
