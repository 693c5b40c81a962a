#include "net/tcp_service.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ip/v6_only.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include <thread>

#include "net/asio_address.hpp"

namespace confab::net {

namespace {

using asio::awaitable;
using asio::use_awaitable;
using tcp = asio::ip::tcp;

}  // namespace

struct TcpService::Impl {
  TcpServiceConfig config;
  std::unique_ptr<DatagramHandler> handler;
  asio::io_context io{1};
  std::vector<tcp::acceptor> acceptors;
  std::thread thread;
  std::atomic<std::uint64_t> accepted{0}, refused{0}, invalid{0}, idle{0}, open{0};

  awaitable<void> accept_loop(tcp::acceptor& acceptor) {
    for (;;) {
      std::error_code ec;
      tcp::socket socket = co_await acceptor.async_accept(asio::redirect_error(use_awaitable, ec));
      if (ec == asio::error::operation_aborted) co_return;
      if (ec) continue;  // e.g. EMFILE: keep serving the connections we have
      if (open.load() >= config.max_connections) {
        ++refused;
        socket.close(ec);
        continue;
      }
      ++accepted;
      ++open;
      asio::co_spawn(io, session(std::move(socket)), asio::detached);
    }
  }

  awaitable<void> session(tcp::socket socket) {
    auto state = std::make_shared<SessionState>(std::move(socket), io);
    state->deadline = Clock::now() + config.idle_timeout;
    asio::co_spawn(io, watchdog(state), asio::detached);
    co_await reader(state);
    state->closed = true;
    std::error_code ec;
    state->socket.close(ec);
    state->timer.cancel();
    --open;
  }

  struct SessionState {
    SessionState(tcp::socket s, asio::io_context& io) : socket(std::move(s)), timer(io) {}
    tcp::socket socket;
    asio::steady_timer timer;
    Instant deadline;
    bool closed = false;
  };

  // Closes the connection once it has been silent for idle_timeout.
  awaitable<void> watchdog(std::shared_ptr<SessionState> s) {
    while (!s->closed) {
      s->timer.expires_at(s->deadline);
      std::error_code ec;
      co_await s->timer.async_wait(asio::redirect_error(use_awaitable, ec));
      if (s->closed) co_return;
      if (Clock::now() >= s->deadline) {
        ++idle;
        s->socket.close(ec);
        co_return;
      }
    }
  }

  awaitable<void> reader(std::shared_ptr<SessionState> s) {
    std::error_code ec;
    SocketAddress local = from_tcp_endpoint(s->socket.local_endpoint(ec));
    SocketAddress remote = from_tcp_endpoint(s->socket.remote_endpoint(ec));
    if (ec) co_return;
    Bytes buffer;
    buffer.reserve(config.max_message_size);
    std::array<std::uint8_t, 4096> chunk;
    for (;;) {
      std::size_t n = co_await s->socket.async_read_some(asio::buffer(chunk), asio::redirect_error(use_awaitable, ec));
      if (ec || n == 0) co_return;
      s->deadline = Clock::now() + config.idle_timeout;
      buffer.insert(buffer.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(n));
      for (;;) {
        StreamFrame f = config.framer(buffer);
        if (f.state == StreamFrame::State::incomplete) {
          if (buffer.size() >= config.max_message_size) f.state = StreamFrame::State::invalid;
          else break;
        }
        if (f.state == StreamFrame::State::invalid || f.size > config.max_message_size || f.size == 0) {
          // A byte stream cannot be resynchronised after garbage: close it.
          ++invalid;
          co_return;
        }
        if (f.size > buffer.size()) break;
        auto answer = handler->handle_datagram(
            Clock::now(), Datagram{Transport::tcp, local, remote, ByteView(buffer.data(), f.size)});
        handler->publish();
        buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(f.size));
        if (answer) {
          co_await asio::async_write(s->socket, asio::buffer(answer->bytes), asio::redirect_error(use_awaitable, ec));
          if (ec) co_return;
        }
      }
    }
  }
};

std::unique_ptr<TcpService> TcpService::start(const TcpServiceConfig& config, std::unique_ptr<DatagramHandler> handler,
                                              BindError& error) {
  std::unique_ptr<TcpService> service(new TcpService);
  service->impl_ = std::make_unique<Impl>();
  Impl& impl = *service->impl_;
  impl.config = config;
  impl.handler = std::move(handler);
  for (const auto& a : config.addresses) {
    tcp::acceptor acceptor(impl.io);
    std::error_code ec;
    auto endpoint = to_tcp_endpoint(a);
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec && endpoint.address().is_v6()) acceptor.set_option(asio::ip::v6_only(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      error = {a, ec};
      return nullptr;
    }
    service->bound_.push_back(from_tcp_endpoint(acceptor.local_endpoint()));
    impl.acceptors.push_back(std::move(acceptor));
  }
  for (auto& acceptor : impl.acceptors) asio::co_spawn(impl.io, impl.accept_loop(acceptor), asio::detached);
  impl.thread = std::thread([&impl] { impl.io.run(); });
  return service;
}

void TcpService::stop() {
  if (!impl_) return;
  impl_->io.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

TcpService::~TcpService() { stop(); }

TcpStats TcpService::stats() const {
  return {impl_->accepted.load(), impl_->refused.load(), impl_->invalid.load(), impl_->idle.load(),
          impl_->open.load()};
}

}  // namespace confab::net
