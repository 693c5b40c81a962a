#pragma once
// confabd's lifecycle: start every enabled service, serve the control socket,
// log counters, and shut down cleanly on SIGINT/SIGTERM.
#include <spdlog/logger.h>

#include <memory>

#include "server/config.hpp"

namespace confab::server {

// Exit codes of confabd.
inline constexpr int exit_ok = 0;
inline constexpr int exit_runtime_error = 1;  // a port is taken, the data dir is unwritable, ...
inline constexpr int exit_config_error = 2;   // bad command line or config file

// Runs until a signal arrives; returns the process exit code.
int run_daemon(const Config& config, std::shared_ptr<spdlog::logger> log);

}  // namespace confab::server
