#pragma once
// `confab send`, `chat`, `roster` and `presence`: XMPP from the command line.
// Exit codes: 0 done, 2 usage, 3 server unreachable (or the connection
// broke), 4 the server refused (login, a bounced message, a roster error).
#include <string>

#include "client/xmpp_connection.hpp"

namespace confab::client {

struct SendOptions {
  XmppAccountOptions account;
  std::string to;          // JID
  std::string text;
  std::string type = "chat";
};
// Sends one message; success means the server accepted it: a ping sent after
// it was answered (the server handles a session's stanzas in order) and no
// error bounced first.
int run_xmpp_send(const SendOptions& o);

struct ChatOptions {
  XmppAccountOptions account;
  std::string with;        // JID
};
// Interactive: lines typed are sent, messages and presence changes printed
// with their time; Ctrl-D or Ctrl-C ends it.
int run_xmpp_chat(const ChatOptions& o);

struct RosterOptions {
  XmppAccountOptions account;
  std::string action = "list";  // list, add, remove
  std::string contact;          // for add/remove
  std::string name;             // for add
  bool subscribe = true;        // add: also ask to see their presence
};
int run_xmpp_roster(const RosterOptions& o);

struct PresenceOptions {
  XmppAccountOptions account;
  std::string show = "available";  // available, away, dnd, xa, chat
  std::string status;
  int duration = 0;                // seconds to stay online (0: until Ctrl-C)
};
int run_xmpp_presence(const PresenceOptions& o);

}  // namespace confab::client
