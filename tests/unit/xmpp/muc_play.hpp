#pragma once
// The router play with a MUC service on conference.example.com (and a
// fourth user, dave): rooms are joined, spoken in and moderated by clients
// sending XML through the router, as confabd's sessions do.
#include <algorithm>
#include <chrono>

#include "router_play.hpp"
#include "xmpp/muc_service.hpp"

namespace confab::xmpp::test {

// Every test's wall clock: 2024-01-01T00:00:00Z when `now` is Instant{}.
inline WallTime test_wall_clock(Instant now) {
  return WallTime(std::chrono::seconds(1704067200)) +
         std::chrono::duration_cast<std::chrono::system_clock::duration>(now - Instant{});
}

class MucPlay : public RouterPlay {
 protected:
  static MucConfig muc_config() {
    MucConfig c;
    c.domain = "conference.example.com";
    c.name = "Chatrooms";
    return c;
  }

  MucPlay() {
    store.add_account(Jid::parse("dave@example.com").value());
    EXPECT_TRUE(router.add_component(muc));
  }

  // <presence to='room@conference.example.com/nick'><x xmlns=muc>{inner}</x></presence>
  void join(const Client& c, std::string_view room, std::string_view nick, std::string_view inner = "") {
    send(c, "<presence to='" + std::string(room) + "@conference.example.com/" + std::string(nick) +
                "'><x xmlns='http://jabber.org/protocol/muc'>" + std::string(inner) + "</x></presence>");
  }

  // `owner` creates `room` as an instant room (XEP-0045 §10.1.2) and joins it as `nick`.
  void create_instant(const Client& owner, std::string_view room, std::string_view nick) {
    join(owner, room, nick);
    send(owner, "<iq to='" + std::string(room) + "@conference.example.com' type='set' id='create'>"
                "<query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'/></query></iq>");
    forget();
  }

  // The owner submits room configuration fields: {{var, value}...}.
  void configure(const Client& owner, std::string_view room,
                 std::vector<std::pair<std::string, std::string>> fields) {
    std::string form = "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>"
                       "http://jabber.org/protocol/muc#roomconfig</value></field>";
    for (const auto& [var, value] : fields) form += "<field var='" + var + "'><value>" + value + "</value></field>";
    form += "</x>";
    send(owner, "<iq to='" + std::string(room) + "@conference.example.com' type='set' id='config'>"
                "<query xmlns='http://jabber.org/protocol/muc#owner'>" + form + "</query></iq>");
  }

  void admin(const Client& c, std::string_view room, std::string_view items, std::string_view type = "set") {
    send(c, "<iq to='" + std::string(room) + "@conference.example.com' type='" + std::string(type) +
                "' id='admin'><query xmlns='http://jabber.org/protocol/muc#admin'>" + std::string(items) +
                "</query></iq>");
  }

  static bool has(const std::vector<std::string>& lines, std::string_view needle) {
    return std::any_of(lines.begin(), lines.end(),
                       [&](const std::string& l) { return l.find(needle) != std::string::npos; });
  }
  static std::size_t count(const std::vector<std::string>& lines, std::string_view needle) {
    return static_cast<std::size_t>(std::count_if(
        lines.begin(), lines.end(), [&](const std::string& l) { return l.find(needle) != std::string::npos; }));
  }

  MucService muc{muc_config(), &test_wall_clock};
};

}  // namespace confab::xmpp::test
