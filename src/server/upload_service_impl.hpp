#pragma once
// Internal to upload_service.cpp and upload_http.cpp: the HTTPS server's
// state and one connection.
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ssl.hpp>
#include <asio/steady_timer.hpp>
#include <asio/awaitable.hpp>

#include <atomic>
#include <map>
#include <memory>
#include <thread>

#include "core/address.hpp"
#include "core/rng.hpp"
#include "core/time.hpp"
#include "http/request_parser.hpp"
#include "server/config.hpp"
#include "server/upload_service.hpp"
#include "server/upload_store.hpp"
#include "xmpp/upload_component.hpp"

namespace confab::server {

struct UploadHttpCounters {
  std::atomic<std::uint64_t> connections_open{0}, connections_accepted{0}, connections_refused{0};
  std::atomic<std::uint64_t> tls_failures{0}, idle_closed{0}, bad_requests{0};
  std::atomic<std::uint64_t> puts_stored{0}, puts_refused{0}, puts_failed{0};
  std::atomic<std::uint64_t> gets{0}, not_found{0};
  std::atomic<std::uint64_t> bytes_in{0}, bytes_out{0};
};

using SslStream = asio::ssl::stream<asio::ip::tcp::socket>;

struct UploadConnection {
  UploadConnection(asio::ip::tcp::socket s, asio::ssl::context& ctx)
      : stream(std::move(s), ctx), timer(stream.get_executor()) {}
  SslStream stream;
  asio::steady_timer timer;
  Instant deadline{};
  IpAddress peer;
  bool closed = false;
  http::RequestParser parser;
  std::vector<std::uint8_t> buffer = std::vector<std::uint8_t>(64 * 1024);

  void close() {
    if (closed) return;
    closed = true;
    std::error_code ec;
    stream.lowest_layer().close(ec);
    timer.cancel();
  }
};

struct UploadService::Impl {
  Impl(UploadSettings s, xmpp::UploadConfig component_config, Bytes secret, std::unique_ptr<UploadStore> st,
       std::shared_ptr<spdlog::logger> l);

  // upload_service.cpp: accepting, watchdog
  asio::awaitable<void> accept_loop();
  asio::awaitable<void> watchdog(std::shared_ptr<UploadConnection> c);
  void touch(UploadConnection& c) { c.deadline = Clock::now() + settings.idle_timeout; }

  // upload_http.cpp: one connection's requests
  asio::awaitable<void> serve(std::shared_ptr<UploadConnection> c);
  asio::awaitable<std::optional<http::RequestEvent>> next_event(UploadConnection& c);
  asio::awaitable<bool> write(UploadConnection& c, std::string_view bytes);
  asio::awaitable<bool> handle(UploadConnection& c, http::RequestHead head);
  asio::awaitable<bool> handle_put(UploadConnection& c, const http::RequestHead& head);
  asio::awaitable<bool> handle_get(UploadConnection& c, const http::RequestHead& head);

  UploadSettings settings;
  Bytes secret;
  std::unique_ptr<UploadStore> store;  // before the component, which reads it
  SystemRng rng;                       // the component's; used on the XMPP thread only
  xmpp::UploadComponent component;
  std::shared_ptr<spdlog::logger> log;
  UploadHttpCounters counters;
  asio::ssl::context tls{asio::ssl::context::tls_server};
  asio::io_context io{1};
  asio::ip::tcp::acceptor acceptor{io};
  std::map<IpAddress, std::size_t> per_address;  // open connections; io thread only
  std::thread thread;
};

}  // namespace confab::server
