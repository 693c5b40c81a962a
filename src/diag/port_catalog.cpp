#include "diag/port_catalog.hpp"

#include <algorithm>

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
    // The reflector answers CHANGE-REQUEST (RFC 5780) from port + offset;
    // with the default offset 1 that is one range, else a row of its own.
    const auto alt = static_cast<std::uint16_t>(std::min(65535, p + s.reflector_alternate_offset));
    if (s.reflector_udp) {
      add("reflector", p, alt == p + 1 ? alt : p, Proto::udp, to_server, false,
          "address reflector (SNATMAP/STUN): your public address",
          "calls through NAT: no server-reflexive candidates, NAT type unknown");
      if (alt != p + 1 && alt != p)
        add("reflector", alt, alt, Proto::udp, to_server, false, "address reflector: RFC 5780 change-port answers",
            "NAT filtering behaviour cannot be measured");
    }
    if (s.reflector_tcp) {  // TCP listens on the alternate port too
      add("reflector-tcp", p, alt == p + 1 ? alt : p, Proto::tcp, to_server, false, "address reflector over TCP",
          "NAT discovery from UDP-blocking networks");
      if (alt != p + 1 && alt != p)
        add("reflector-tcp", alt, alt, Proto::tcp, to_server, false,
            "address reflector over TCP: RFC 5780 change-port answers", "NAT discovery over TCP is incomplete");
    }
  }
  if (s.sip_udp)
    add("sip", s.sip_port, s.sip_port, Proto::udp, to_server, false, "SIP signalling: registration and call setup",
        "audio/video calls cannot be placed or received");
  if (s.sip_tcp)
    add("sip-tcp", s.sip_port, s.sip_port, Proto::tcp, to_server, false, "SIP over TCP (large messages)",
        "calls from SIP phones that use TCP");
  add("sip-tls", s.sip_tls_port, s.sip_tls_port, Proto::tcp, to_server, false, "SIP over TLS (and SRTP keys)",
      "encrypted call setup (--transport tls)");
  add("xmpp", s.xmpp_port, s.xmpp_port, Proto::tcp, to_server, false, "XMPP client connections (STARTTLS)",
      "chat and presence (buddy list)");
  add("xmpp-tls", s.xmpp_tls_port, s.xmpp_tls_port, Proto::tcp, to_server, false, "XMPP over direct TLS",
      "chat from clients that use port 5223 (iChat's SSL option)");
  add("upload", s.upload_port, s.upload_port, Proto::tcp, to_server, false,
      "HTTP file upload (XEP-0363, HTTPS): sending and fetching files and pictures",
      "file transfer and pictures in chats");
  // Components authenticate with a shared secret over plain TCP: for
  // gateways and bots on trusted hosts, so never opened to the internet.
  add("xmpp-component", s.component_port, s.component_port, Proto::tcp, to_server, true,
      "XMPP external components (XEP-0114): gateways and bots on trusted hosts",
      "external components (gateways, bots) cannot connect");
  // Federation: other servers connect here, and we connect to theirs (5269
  // unless their DNS says otherwise): a firewall must let both through.
  add("xmpp-server", s.s2s_port, s.s2s_port, Proto::tcp, to_server, false,
      "XMPP federation (RFC 6120 server-to-server): inbound from other servers, and outbound to theirs on 5269",
      "chat with users of other XMPP servers");
  add("portcheck", s.portcheck_port, s.portcheck_port, Proto::tcp, to_server, false,
      "port-check control (confab portcheck)", "confab portcheck cannot test this network");
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
