#pragma once
// `confabd user add|del|passwd|list`: account management against the same
// store (config: server.data_dir, [store]) the daemon uses. It opens the
// SQLite file itself, so it works whether or not confabd is running: WAL
// mode and the busy timeout let both processes share the file.
#include <string>

#include "server/config.hpp"

namespace confab::server {

struct UserCommand {
  enum class Action { add, del, passwd, list };
  Action action = Action::list;
  std::string address;        // "alice@example.org"; empty for list
  std::string password_file;  // first line is the password; "-" = stdin; "" = prompt or stdin
  bool json = false;          // list: a JSON array instead of one address per line
};

// Prints one line on success (add, del, passwd) or the list on stdout, one
// line "confabd user <action>: <problem>" on stderr otherwise. Returns
// exit_ok, exit_runtime_error (user exists / does not exist, store
// unavailable, passwords differ) or exit_config_error (bad address, a
// password the rules refuse).
int run_user_command(const Config& config, const UserCommand& command);

}  // namespace confab::server
