// The upload service's lifecycle: the component, the store, the HTTPS
// listener and its thread, admission (connection caps), idle timeouts,
// status. What a connection says is upload_http.cpp's.
#include "server/upload_service.hpp"

#include <openssl/ssl.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/ip/v6_only.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "net/self_signed.hpp"
#include "server/secret_file.hpp"
#include "server/upload_service_impl.hpp"

namespace confab::server {

using asio::awaitable;
using asio::use_awaitable;
using tcp = asio::ip::tcp;

UploadService::Impl::Impl(UploadSettings s, xmpp::UploadConfig component_config, Bytes key,
                          std::unique_ptr<UploadStore> st, std::shared_ptr<spdlog::logger> l)
    : settings(std::move(s)),
      secret(key),
      store(std::move(st)),
      component(std::move(component_config), std::move(key), *store, rng,
                [](Instant) { return std::chrono::system_clock::now(); }),
      log(std::move(l)) {}

Result<std::unique_ptr<UploadService>, std::string> UploadService::start(const Config& config,
                                                                         std::shared_ptr<spdlog::logger> log) {
  const auto& x = config.xmpp;
  const auto& up = x.upload;
  SystemRng rng;
  auto secret = load_or_create_secret(config.server.data_dir / "upload.key", 32, rng);
  if (!secret) return unexpected("upload: " + secret.error());
  auto store = UploadStore::open(config.server.data_dir / "uploads");
  if (!store) return unexpected("upload: " + store.error());

  xmpp::UploadConfig cc;
  cc.domain = up.domain;
  cc.base_url = up.url;
  cc.max_file_size = up.max_file_size;
  cc.quota_per_user = up.quota_per_user;
  cc.max_total_size = up.max_total_size;
  cc.slot_lifetime = up.slot_lifetime;
  cc.slots_per_minute = up.slots_per_minute;
  cc.slot_burst = up.slot_burst;
  if (auto bad = xmpp::validate(cc)) return unexpected("upload: xmpp.upload: " + *bad);

  std::unique_ptr<UploadService> s(new UploadService);
  s->impl_ = std::make_unique<Impl>(up, std::move(cc), std::move(*secret), std::move(*store), log);
  Impl& impl = *s->impl_;

  // The XMPP service's certificate (the same files: made once, by whoever starts first).
  net::TlsFiles files;
  if (!x.tls_certificate.empty()) {
    files = {x.tls_certificate, x.tls_private_key};
  } else {
    auto made = net::ensure_self_signed(config.server.data_dir / "tls", x.domains.front());
    if (!made) return unexpected("upload: " + made.error());
    files = *made;
  }
  try {
    SSL_CTX_set_min_proto_version(impl.tls.native_handle(), TLS1_2_VERSION);  // TLS 1.2+ only
    impl.tls.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_compression);
    SSL_CTX_set_options(impl.tls.native_handle(), SSL_OP_NO_RENEGOTIATION);
    impl.tls.use_certificate_chain_file(files.certificate.string());
    impl.tls.use_private_key_file(files.private_key.string(), asio::ssl::context::pem);
  } catch (const std::system_error& e) {
    return unexpected("upload: cannot load " + files.certificate.string() + " / " + files.private_key.string() + ": " +
                      e.what() + " (xmpp.tls_certificate, xmpp.tls_private_key)");
  }

  std::error_code ec;
  const tcp::endpoint ep(asio::ip::make_address(up.address.to_string(), ec), up.port);
  if (!ec) impl.acceptor.open(ep.protocol(), ec);
  if (!ec) impl.acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec && ep.address().is_v6()) impl.acceptor.set_option(asio::ip::v6_only(true), ec);
  if (!ec) impl.acceptor.bind(ep, ec);
  if (!ec) impl.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    std::string why = ec.message();
    if (ec == std::errc::address_in_use) why += " (another program has this port; change xmpp.upload.port or stop it)";
    return unexpected("upload: cannot listen on " + SocketAddress{up.address, up.port}.to_string() + ": " + why);
  }
  asio::co_spawn(impl.io, impl.accept_loop(), asio::detached);
  impl.thread = std::thread([&impl] { impl.io.run(); });
  log->info("upload: HTTPS on {} for {} (URLs {}/upload/...; {} files, {} bytes stored)",
            SocketAddress{up.address, impl.acceptor.local_endpoint().port()}.to_string(), up.domain, up.url,
            impl.store->file_count(), impl.store->total_stored_bytes());
  return s;
}

UploadService::~UploadService() { stop(); }

void UploadService::stop() {
  if (!impl_ || !impl_->thread.joinable()) return;
  impl_->io.stop();
  impl_->thread.join();
}

xmpp::Component& UploadService::component() { return impl_->component; }

awaitable<void> UploadService::Impl::accept_loop() {
  for (;;) {
    std::error_code ec;
    tcp::socket socket = co_await acceptor.async_accept(asio::redirect_error(use_awaitable, ec));
    if (ec == asio::error::operation_aborted) co_return;
    if (ec) continue;
    auto remote = socket.remote_endpoint(ec);
    const IpAddress peer = IpAddress::parse(ec ? "0.0.0.0" : remote.address().to_string()).value_or(IpAddress{});
    if (counters.connections_open >= settings.connections || per_address[peer] >= settings.connections_per_address) {
      ++counters.connections_refused;
      if (per_address[peer] == 0) per_address.erase(peer);
      socket.close(ec);
      continue;
    }
    ++counters.connections_accepted;
    ++counters.connections_open;
    ++per_address[peer];
    socket.set_option(tcp::no_delay(true), ec);
    auto c = std::make_shared<UploadConnection>(std::move(socket), tls);
    c->peer = peer;
    touch(*c);
    asio::co_spawn(io, watchdog(c), asio::detached);
    asio::co_spawn(io, serve(c), [this, c](std::exception_ptr) {
      c->close();
      --counters.connections_open;
      if (--per_address[c->peer] == 0) per_address.erase(c->peer);
    });
  }
}

awaitable<void> UploadService::Impl::watchdog(std::shared_ptr<UploadConnection> c) {
  while (!c->closed) {
    c->timer.expires_at(c->deadline);
    std::error_code ec;
    co_await c->timer.async_wait(asio::redirect_error(use_awaitable, ec));
    if (c->closed) co_return;
    if (Clock::now() >= c->deadline) {
      ++counters.idle_closed;
      c->close();
    }
  }
}

std::string UploadService::status_json() const {
  const auto& h = impl_->counters;
  const auto& x = impl_->component.counters();
  nlohmann::json j{
      {"domain", impl_->settings.domain},
      {"url", impl_->settings.url},
      {"listening", SocketAddress{impl_->settings.address, impl_->settings.port}.to_string()},
      {"files", impl_->store->file_count()},
      {"bytes_stored", impl_->store->total_stored_bytes()},
      {"slots", {{"requests", x.requests.load()}, {"issued", x.slots_issued.load()}, {"too_large", x.too_large.load()},
                 {"quota_exceeded", x.quota_exceeded.load()}, {"rate_limited", x.rate_limited.load()},
                 {"bad_requests", x.bad_requests.load()}}},
      {"http", {{"connections_open", h.connections_open.load()}, {"connections_accepted", h.connections_accepted.load()},
                {"connections_refused", h.connections_refused.load()}, {"tls_failures", h.tls_failures.load()},
                {"idle_closed", h.idle_closed.load()}, {"bad_requests", h.bad_requests.load()},
                {"puts_stored", h.puts_stored.load()}, {"puts_refused", h.puts_refused.load()},
                {"puts_failed", h.puts_failed.load()}, {"gets", h.gets.load()}, {"not_found", h.not_found.load()},
                {"bytes_in", h.bytes_in.load()}, {"bytes_out", h.bytes_out.load()}}}};
  return j.dump();
}

std::string UploadService::counters_line() const {
  const auto& h = impl_->counters;
  return fmt::format("upload counters: slots={} stored={} refused={} gets={} not_found={} bad_requests={} files={} "
                     "bytes_stored={}",
                     impl_->component.counters().slots_issued.load(), h.puts_stored.load(), h.puts_refused.load(),
                     h.gets.load(), h.not_found.load(), h.bad_requests.load(), impl_->store->file_count(),
                     impl_->store->total_stored_bytes());
}

}  // namespace confab::server
