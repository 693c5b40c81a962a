#pragma once
// confabd's XEP-0363 HTTP file upload: the upload component (slots, on the
// XMPP router, which the XMPP service drives) and the HTTPS server that
// takes the PUTs and serves the GETs on its own port (5443), on its own
// thread: asio C++20 coroutines, one per connection (HTTP/1.1 keep-alive,
// http::RequestParser), TLS 1.2+ with the XMPP certificate. The two share
// the slot secret (<data_dir>/upload.key) and the store (upload_store.hpp).
#include <spdlog/logger.h>

#include <memory>
#include <string>

#include "core/result.hpp"
#include "server/config.hpp"

namespace confab::xmpp {
class Component;
}

namespace confab::server {

class UploadService {
 public:
  // Binds the port (the error names it) and starts the thread.
  static Result<std::unique_ptr<UploadService>, std::string> start(const Config& config,
                                                                   std::shared_ptr<spdlog::logger> log);
  ~UploadService();
  // For the XMPP router; called there only (its thread). Outlives the XMPP service.
  xmpp::Component& component();
  void stop();
  std::string status_json() const;
  std::string counters_line() const;

  struct Impl;

 private:
  UploadService() = default;
  std::unique_ptr<Impl> impl_;
};

}  // namespace confab::server
