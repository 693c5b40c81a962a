#pragma once
// XEP-0174 §6.1: a person's presence on the local link is the TXT record
// of their `_presence._tcp` service. This is that record's meaning both
// ways: txtvers=1 first, then 1st, last, nick, email, jid, msg, status
// (avail | away | dnd), port.p2pj (the port the SRV also gives), and node /
// ver / hash (XEP-0115 capabilities) for those who send them.
#include <cstdint>
#include <string>
#include <string_view>

#include "mdns/txt.hpp"

namespace confab::mdns {

inline constexpr std::string_view presence_service = "_presence._tcp.local";
inline constexpr std::uint16_t default_link_local_port = 5298;

struct LinkPresence {
  std::string first;        // 1st
  std::string last;         // last
  std::string nick;         // nick
  std::string email;        // email
  std::string jid;          // jid (a server account, if any)
  std::string status = "avail";  // avail | away | dnd (anything else reads as avail)
  std::string message;      // msg: free text
  std::uint16_t port = default_link_local_port;  // port.p2pj
  bool operator==(const LinkPresence&) const = default;
};

TxtAttributes to_txt(const LinkPresence& p);
// Missing keys keep their defaults; an unknown status is "avail" (§6.1).
LinkPresence presence_from_txt(const TxtAttributes& txt);
// "avail", "away", "dnd" accepted as is; "available"/"online" → avail,
// "busy" → dnd, "xa" → away, in place; false (unchanged) for anything else.
bool normalize_status(std::string& status);
// What a person is called: nick, else "1st last", else the instance name.
std::string display_name(const LinkPresence& p, std::string_view instance);

}  // namespace confab::mdns
