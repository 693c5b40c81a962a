#include "server/logging.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/formatter.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include <chrono>

namespace confab::server {

namespace {

// One JSON object per line: {"ts":..., "level":..., "logger":..., "msg":...}.
// The message is escaped by nlohmann::json, so any text is safe to log.
class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(msg.time.time_since_epoch()).count();
    nlohmann::json j{{"ts_ms", ms},
                     {"level", spdlog::level::to_string_view(msg.level).data()},
                     {"logger", std::string(msg.logger_name.data(), msg.logger_name.size())},
                     {"msg", std::string(msg.payload.data(), msg.payload.size())}};
    auto s = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    s.push_back('\n');
    dest.append(s.data(), s.data() + s.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<JsonFormatter>(); }
};

}  // namespace

std::shared_ptr<spdlog::logger> make_logger(const LogConfig& config, const std::string& name) {
  // stderr: stdout stays free for output a user might pipe (--print-default-config, status).
  auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  auto logger = std::make_shared<spdlog::logger>(name, sink);
  if (config.format == "json")
    logger->set_formatter(std::make_unique<JsonFormatter>());
  else
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ %n: %v");
  logger->set_level(spdlog::level::from_str(config.level));
  logger->flush_on(spdlog::level::info);
  return logger;
}

}  // namespace confab::server
