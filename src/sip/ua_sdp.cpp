// The placeholder session description (RFC 8866 §5): one PCMU audio stream,
// enough for a valid offer/answer (RFC 3264) until real media arrives.
#include "sip/user_agent.hpp"

namespace confab::sip {

std::string placeholder_sdp(const IpAddress& address, std::uint16_t port, std::uint64_t session_id) {
  const std::string family = address.is_v6() ? "IP6" : "IP4";
  const std::string ip = address.to_string();
  return "v=0\r\n"
         "o=- " + std::to_string(session_id) + " 1 IN " + family + " " + ip + "\r\n"
         "s=confab\r\n"
         "c=IN " + family + " " + ip + "\r\n"
         "t=0 0\r\n"
         "m=audio " + std::to_string(port) + " RTP/AVP 0\r\n"
         "a=rtpmap:0 PCMU/8000\r\n"
         "a=sendrecv\r\n";
}

}  // namespace confab::sip
