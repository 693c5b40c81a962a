#pragma once
// `confab room join ROOM@conference.DOMAIN`: XEP-0045 group chat from the
// command line. Joins (creating an instant room if it does not exist and the
// service lets us), prints the room's history with its XEP-0203 stamps, the
// subject, messages with time and nick, who joins and leaves; lines typed
// are groupchat messages, and /topic, /invite (XEP-0249 direct invitation),
// /leave are commands. --send posts one message and leaves.
// Exit codes as the other XMPP commands: 0 done, 2 usage, 3 unreachable,
// 4 the room refused us (nick conflict, banned, members-only, password,
// full, no such room) or put us out (kicked, banned, destroyed).
#include <optional>
#include <string>

#include "client/xmpp_connection.hpp"

namespace confab::client {

struct RoomJoinOptions {
  XmppAccountOptions account;
  std::string room;                 // room@conference.example.org
  std::string nick;                 // "": the account's localpart
  std::string password;             // the room's, if it has one
  int history = -1;                 // messages of history to ask for (-1: what the room gives)
  std::optional<std::string> send;  // post this, then leave
  int duration = 0;                 // seconds to stay (0: until Ctrl-C, Ctrl-D or /leave)
};

int run_room_join(const RoomJoinOptions& o);

}  // namespace confab::client
