#include "diag/port_catalog.hpp"

namespace confab::diag {

const char* to_string(Proto p) { return p == Proto::udp ? "udp" : "tcp"; }

std::string CatalogEntry::ports() const {
  return single() ? std::to_string(first) : std::to_string(first) + "-" + std::to_string(last);
}

std::vector<CatalogEntry> port_catalog(const PortSettings& s) {
  std::vector<CatalogEntry> out;
  auto add = [&](std::string service, std::uint16_t first, std::uint16_t last, Proto proto, Direction d,
                 bool local, std::string purpose, std::string breaks) {
    if (first == 0) return;
    out.push_back({std::move(service), first, last, proto, d, local, std::move(purpose), std::move(breaks)});
  };
  const auto to_server = Direction::to_server;
  for (std::uint16_t p : s.reflector_ports) {
    // The reflector answers CHANGE-REQUEST (RFC 5780) from port + 1.
    const auto last = static_cast<std::uint16_t>(p == 65535 ? p : p + 1);
    add("reflector", p, last, Proto::udp, to_server, false, "address reflector (SNATMAP/STUN): your public address",
        "calls through NAT: no server-reflexive candidates, NAT type unknown");
    add("reflector-tcp", p, p, Proto::tcp, to_server, false, "address reflector over TCP",
        "NAT discovery from UDP-blocking networks");
  }
  add("sip", s.sip_port, s.sip_port, Proto::udp, to_server, false, "SIP signalling: registration and call setup",
      "audio/video calls cannot be placed or received");
  add("sip-tcp", s.sip_port, s.sip_port, Proto::tcp, to_server, false, "SIP over TCP (large messages)",
      "calls from SIP phones that use TCP");
  add("sip-tls", s.sip_tls_port, s.sip_tls_port, Proto::tcp, to_server, false, "SIP over TLS (and SRTP keys)",
      "encrypted call setup (--transport tls)");
  add("xmpp", s.xmpp_port, s.xmpp_port, Proto::tcp, to_server, false, "XMPP client connections (STARTTLS)",
      "chat and presence (buddy list)");
  add("xmpp-tls", s.xmpp_tls_port, s.xmpp_tls_port, Proto::tcp, to_server, false, "XMPP over direct TLS",
      "chat from clients that use port 5223 (iChat's SSL option)");
  add("media", s.media_first, s.media_last, Proto::udp, Direction::peer_to_peer, false,
      "audio/video RTP and RTCP, 4 ports per call (fewer with rtcp-mux/BUNDLE)",
      "calls connect but carry no audio or video");
  if (s.bonjour) {
    add("mdns", 5353, 5353, Proto::udp, Direction::peer_to_peer, true, "Bonjour (mDNS) discovery on the local link",
        "serverless chat cannot find anyone nearby");
    add("bonjour-chat", 5298, 5298, Proto::tcp, Direction::peer_to_peer, true, "serverless (link-local) chat",
        "serverless chat with people nearby");
    add("bonjour-chat-udp", 5297, 5298, Proto::udp, Direction::peer_to_peer, true,
        "iChat's link-local presence ports", "old iChat clients nearby do not see you");
  }
  return out;
}

}  // namespace confab::diag
