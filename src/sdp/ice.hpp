#pragma once
// ICE attributes in SDP (RFC 8839 §5): candidate lines fully parsed,
// ice-ufrag / ice-pwd with their length and character rules, ice-options.
// ice-lite and end-of-candidates are flags (see the registry).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "sdp/decode_error.hpp"

namespace confab::sdp {

enum class CandidateType : std::uint8_t { host, srflx, prflx, relay, other };
const char* to_string(CandidateType t);

// a=candidate:<foundation> <component-id> <transport> <priority>
//             <connection-address> <port> typ <cand-type>
//             [raddr <connection-address>] [rport <port>] *(<name> <value>)
struct Candidate {
  std::string foundation;       // 1*32 ice-char
  std::uint16_t component = 1;  // 1 RTP, 2 RTCP; 1..256
  std::string transport = "UDP";  // "UDP" (case-insensitive on the wire), or another token ("TCP")
  std::uint32_t priority = 0;   // 1..2^31-1 (RFC 8445 §5.1.2)
  std::string address;          // IPv4, IPv6 or an FQDN (mDNS ".local" names)
  std::uint16_t port = 0;
  CandidateType type = CandidateType::host;
  std::string type_name = "host";  // as written; for CandidateType::other the token
  std::optional<std::string> related_address;  // raddr
  std::optional<std::uint16_t> related_port;   // rport
  // Extension pairs in order: ("generation","0"), ("tcptype","passive"),
  // ("network-id","1")...
  std::vector<std::pair<std::string, std::string>> extensions;

  bool is_udp() const;
  bool operator==(const Candidate&) const = default;
};
Result<Candidate, DecodeError> parse_candidate(std::string_view value);
std::string to_value(const Candidate& c);

// ice-ufrag: 4..256 ice-chars; ice-pwd: 22..256 ice-chars (RFC 8839 §5.4).
std::optional<DecodeError> validate_ice_ufrag(std::string_view value);
std::optional<DecodeError> validate_ice_pwd(std::string_view value);
// ice-options: 1*(token) separated by SP, e.g. "trickle ice2".
Result<std::vector<std::string>, DecodeError> parse_ice_options(std::string_view value);

}  // namespace confab::sdp
