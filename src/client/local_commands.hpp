#pragma once
// `confab local`: iChat's Bonjour mode. Who is on the local link and their
// status (`local`, live or `--json` once), chatting (`local chat NAME`,
// `local send NAME TEXT`), and being visible with a status (`local status
// away "at lunch"`). mDNS/DNS-SD + XEP-0174; no server, no account.
// Exit codes: 0 done, 1 internal error (sockets), 2 usage, 3 the person is
// not on the link or could not be reached.
#include <cstdint>
#include <string>

namespace confab::client {

struct LocalCliOptions {
  std::string name;            // our instance name (default: $USER@hostname)
  std::uint16_t port = 5298;   // TCP for XEP-0174 streams
  std::string interface;       // only this interface (default: every suitable one)
  bool json = false;
  double wait = 3.0;           // list --json: how long to look; send: how long to wait for the person
  int duration = 0;            // seconds to stay (0: until Ctrl-C)
  std::string first, last, nick, email;  // XEP-0174 TXT keys 1st, last, nick, email
  std::string status = "avail";
  std::string message;         // msg
};

int run_local_list(const LocalCliOptions& o);
int run_local_chat(const LocalCliOptions& o, const std::string& with);
int run_local_send(const LocalCliOptions& o, const std::string& to, const std::string& text);
int run_local_status(const LocalCliOptions& o);

}  // namespace confab::client
