#pragma once
// The control socket: a unix stream socket on which a running confabd answers
// one command per connection ("status\n" → one JSON object, then close).
// This is how `confabd status` reads the live counters, and how `confab
// ports`/`confab firewall` read the running port catalog ("ports\n").
#include <filesystem>
#include <string>

#include "core/result.hpp"

namespace confab::server {

// Sends `command` to the daemon listening on `path` and returns its answer.
// Errors are one line: "no confabd is running (nothing listens on confab-data/confabd.sock)".
Result<std::string, std::string> query_control_socket(const std::filesystem::path& path, const std::string& command);

// True when a daemon answers on `path` (used to refuse starting a second one).
bool control_socket_alive(const std::filesystem::path& path);

}  // namespace confab::server
