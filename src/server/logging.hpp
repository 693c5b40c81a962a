#pragma once
// Structured logs: a logger is made once from the config and passed to every
// service (no global registry). Text for people, JSON lines for machines.
#include <spdlog/logger.h>

#include <memory>

#include "server/config.hpp"

namespace confab::server {

std::shared_ptr<spdlog::logger> make_logger(const LogConfig& config, const std::string& name = "confabd");

}  // namespace confab::server
