#include "mdns/link_presence.hpp"

#include <charconv>

#include "core/text.hpp"

namespace confab::mdns {

TxtAttributes to_txt(const LinkPresence& p) {
  TxtAttributes t;
  t.set("txtvers", "1");  // §6.1: must be first
  if (!p.first.empty()) t.set("1st", p.first);
  if (!p.last.empty()) t.set("last", p.last);
  if (!p.nick.empty()) t.set("nick", p.nick);
  if (!p.email.empty()) t.set("email", p.email);
  if (!p.jid.empty()) t.set("jid", p.jid);
  t.set("status", p.status);
  if (!p.message.empty()) t.set("msg", p.message);
  t.set("port.p2pj", std::to_string(p.port));
  return t;
}

LinkPresence presence_from_txt(const TxtAttributes& t) {
  LinkPresence p;
  p.first = t.get("1st").value_or("");
  p.last = t.get("last").value_or("");
  p.nick = t.get("nick").value_or("");
  p.email = t.get("email").value_or("");
  p.jid = t.get("jid").value_or("");
  p.message = t.get("msg").value_or("");
  p.status = ascii_lower(t.get("status").value_or("avail"));
  if (p.status != "away" && p.status != "dnd") p.status = "avail";
  if (auto port = t.get("port.p2pj")) {
    unsigned v = 0;
    auto [end, ec] = std::from_chars(port->data(), port->data() + port->size(), v);
    if (ec == std::errc() && end == port->data() + port->size() && v > 0 && v < 65536)
      p.port = static_cast<std::uint16_t>(v);
  }
  return p;
}

bool normalize_status(std::string& status) {
  const std::string s = ascii_lower(status);
  if (s == "avail" || s == "available" || s == "online" || s == "chat") status = "avail";
  else if (s == "away" || s == "xa") status = "away";
  else if (s == "dnd" || s == "busy") status = "dnd";
  else return false;
  return true;
}

std::string display_name(const LinkPresence& p, std::string_view instance) {
  if (!p.nick.empty()) return p.nick;
  std::string full = p.first;
  if (!p.last.empty()) full += (full.empty() ? "" : " ") + p.last;
  return full.empty() ? std::string(instance) : full;
}

}  // namespace confab::mdns
