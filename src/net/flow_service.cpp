#include "net/flow_service.hpp"

#include <openssl/ssl.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ip/udp.hpp>
#include <asio/ip/v6_only.hpp>
#include <asio/redirect_error.hpp>
#include <asio/ssl.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <atomic>
#include <future>
#include <deque>
#include <map>
#include <thread>
#include <unordered_map>

#include "net/asio_address.hpp"

namespace confab::net {

namespace {
using asio::awaitable;
using asio::use_awaitable;
using tcp = asio::ip::tcp;
using udp = asio::ip::udp;
}  // namespace

// One TCP or TLS connection.
struct Flow {
  Flow(FlowId i, Transport t, asio::io_context& io) : id(i), transport(t), wake(io), idle(io) {}
  FlowId id;
  Transport transport;
  std::optional<tcp::socket> plain;
  std::optional<asio::ssl::stream<tcp::socket>> tls;
  SocketAddress local, remote;
  std::deque<Bytes> queue;
  asio::steady_timer wake;  // the writer sleeps on it while the queue is empty
  asio::steady_timer idle;
  Instant deadline;
  bool closed = false;

  tcp::socket& lowest() { return tls ? tls->next_layer() : *plain; }
  void close() {
    if (closed) return;
    closed = true;
    std::error_code ec;
    lowest().close(ec);
    wake.cancel();
    idle.cancel();
  }
};

struct FlowService::Impl {
  FlowServiceConfig config;
  std::unique_ptr<FlowCore> core;
  asio::io_context io{1};
  std::optional<asio::ssl::context> tls_context;
  std::vector<udp::socket> udp_sockets;
  std::vector<SocketAddress> udp_bound;
  std::vector<std::pair<tcp::acceptor, Transport>> acceptors;
  std::unordered_map<FlowId, std::shared_ptr<Flow>> flows;
  std::map<std::pair<Transport, SocketAddress>, FlowId> flow_by_remote;  // for reuse by address
  FlowId next_flow = 1;
  asio::steady_timer core_timer{io};
  std::thread thread;
  struct Counters {
    std::atomic<std::uint64_t> datagrams_in{0}, datagrams_out{0}, open{0}, accepted{0}, refused{0}, invalid{0},
        idle{0}, tls_failures{0}, send_failures{0};
  } counters;

  // After the core was fed: send what it wants sent, and make sure its timer
  // fires by its next deadline. Re-arming costs a timer cancel and a kernel
  // timerfd update, so the timer is only moved *earlier*; firing early is
  // harmless (the core finds nothing due and the timer is armed again).
  void pump() {
    while (auto t = core->poll_transmit()) dispatch(std::move(*t));
    auto deadline = core->poll_timeout();
    if (!deadline || (armed && *armed <= *deadline)) return;
    armed = *deadline;
    core_timer.expires_at(*deadline);
    core_timer.async_wait([this](std::error_code ec) {
      if (ec) return;  // moved earlier: a newer wait is pending
      armed.reset();
      core->handle_timeout(Clock::now());
      pump();
    });
  }
  std::optional<Instant> armed;  // when core_timer will fire, if it is waiting

  void dispatch(FlowTransmit t) {
    if (t.flow != no_flow) {
      if (auto it = flows.find(t.flow); it != flows.end() && !it->second->closed) {
        enqueue(*it->second, std::move(t.transmit.bytes));
        return;
      }
    }
    if (t.transmit.transport == Transport::udp) {
      send_udp(t.transmit);
      return;
    }
    auto key = std::make_pair(t.transmit.transport, t.transmit.remote);
    if (auto it = flow_by_remote.find(key); it != flow_by_remote.end()) {
      if (auto f = flows.find(it->second); f != flows.end() && !f->second->closed) {
        enqueue(*f->second, std::move(t.transmit.bytes));
        return;
      }
    }
    if (t.transmit.transport == Transport::tcp) {
      connect(t.transmit.remote, std::move(t.transmit.bytes));
      return;
    }
    ++counters.send_failures;  // TLS towards a peer with no open connection: not supported
  }

  void send_udp(const Transmit& t) {
    std::size_t best = udp_sockets.size();
    for (std::size_t i = 0; i < udp_bound.size(); ++i) {
      if (udp_bound[i].ip.family() != t.remote.ip.family()) continue;
      if (best == udp_sockets.size()) best = i;
      if (udp_bound[i] == t.local) {
        best = i;
        break;
      }
    }
    if (best == udp_sockets.size()) {
      ++counters.send_failures;
      return;
    }
    std::error_code ec;
    udp_sockets[best].send_to(asio::buffer(t.bytes), to_udp_endpoint(t.remote), 0, ec);
    if (ec)
      ++counters.send_failures;
    else
      ++counters.datagrams_out;
  }

  void enqueue(Flow& f, Bytes bytes) {
    f.queue.push_back(std::move(bytes));
    f.wake.cancel_one();
  }

  std::shared_ptr<Flow> new_flow(Transport t) {
    auto f = std::make_shared<Flow>(next_flow++, t, io);
    flows.emplace(f->id, f);
    ++counters.open;
    return f;
  }

  void connect(const SocketAddress& remote, Bytes first) {
    auto f = new_flow(Transport::tcp);
    f->plain.emplace(io);
    f->remote = remote;
    f->queue.push_back(std::move(first));
    flow_by_remote[{Transport::tcp, remote}] = f->id;
    asio::co_spawn(io, run_outbound(f), asio::detached);
  }

  awaitable<void> run_outbound(std::shared_ptr<Flow> f) {
    std::error_code ec;
    co_await f->plain->async_connect(to_tcp_endpoint(f->remote), asio::redirect_error(use_awaitable, ec));
    if (ec) {
      ++counters.send_failures;
      finish(f);
      co_return;
    }
    f->local = from_tcp_endpoint(f->plain->local_endpoint(ec));
    co_await run_flow(f);
  }

  awaitable<void> accept_loop(tcp::acceptor& acceptor, Transport transport) {
    for (;;) {
      std::error_code ec;
      tcp::socket socket = co_await acceptor.async_accept(asio::redirect_error(use_awaitable, ec));
      if (ec == asio::error::operation_aborted) co_return;
      if (ec) continue;
      if (flows.size() >= config.max_connections) {
        ++counters.refused;
        socket.close(ec);
        continue;
      }
      ++counters.accepted;
      auto f = new_flow(transport);
      f->remote = from_tcp_endpoint(socket.remote_endpoint(ec));
      f->local = from_tcp_endpoint(socket.local_endpoint(ec));
      if (transport == Transport::tls)
        f->tls.emplace(std::move(socket), *tls_context);
      else
        f->plain.emplace(std::move(socket));
      flow_by_remote[{transport, f->remote}] = f->id;
      asio::co_spawn(io, run_inbound(f), asio::detached);
    }
  }

  awaitable<void> run_inbound(std::shared_ptr<Flow> f) {
    if (f->tls) {
      std::error_code ec;
      f->deadline = Clock::now() + std::chrono::seconds(10);  // a handshake may not dawdle
      asio::co_spawn(io, watchdog(f), asio::detached);
      co_await f->tls->async_handshake(asio::ssl::stream_base::server, asio::redirect_error(use_awaitable, ec));
      if (ec) {
        ++counters.tls_failures;
        finish(f);
        co_return;
      }
      co_await run_flow(f, false);
      co_return;
    }
    co_await run_flow(f);
  }

  // Reader in this coroutine, writer and idle watchdog beside it.
  awaitable<void> run_flow(std::shared_ptr<Flow> f, bool start_watchdog = true) {
    f->deadline = Clock::now() + config.idle_timeout;
    if (start_watchdog) asio::co_spawn(io, watchdog(f), asio::detached);
    asio::co_spawn(io, writer(f), asio::detached);
    Bytes buffer;
    std::array<std::uint8_t, 8192> chunk;
    while (!f->closed) {
      std::error_code ec;
      std::size_t n = f->tls ? co_await f->tls->async_read_some(asio::buffer(chunk), asio::redirect_error(use_awaitable, ec))
                             : co_await f->plain->async_read_some(asio::buffer(chunk), asio::redirect_error(use_awaitable, ec));
      if (ec || n == 0) break;
      f->deadline = Clock::now() + config.idle_timeout;
      buffer.insert(buffer.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(n));
      if (!deliver_frames(*f, buffer)) {
        ++counters.invalid;
        break;
      }
    }
    finish(f);
  }

  // Hands every complete message in `buffer` to the core; false when the
  // stream is garbage or a message is over the limit.
  bool deliver_frames(Flow& f, Bytes& buffer) {
    std::size_t consumed = 0;
    bool ok = true;
    while (consumed < buffer.size()) {
      ByteView rest(buffer.data() + consumed, buffer.size() - consumed);
      StreamFrame frame = config.framer(rest);
      if (frame.state == StreamFrame::State::incomplete) {
        if (rest.size() > config.max_message_size) ok = false;
        break;
      }
      if (frame.state == StreamFrame::State::invalid || frame.size == 0 || frame.size > config.max_message_size) {
        ok = false;
        break;
      }
      if (frame.size > rest.size()) break;
      core->handle_datagram(Clock::now(), Datagram{f.transport, f.local, f.remote, rest.first(frame.size)}, f.id);
      consumed += frame.size;
    }
    buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(consumed));
    pump();
    return ok;
  }

  awaitable<void> writer(std::shared_ptr<Flow> f) {
    while (!f->closed) {
      if (f->queue.empty()) {
        std::error_code ec;
        f->wake.expires_at(Instant::max());
        co_await f->wake.async_wait(asio::redirect_error(use_awaitable, ec));
        continue;
      }
      std::error_code ec;
      Bytes& next = f->queue.front();
      if (f->tls)
        co_await asio::async_write(*f->tls, asio::buffer(next), asio::redirect_error(use_awaitable, ec));
      else
        co_await asio::async_write(*f->plain, asio::buffer(next), asio::redirect_error(use_awaitable, ec));
      if (ec) {
        ++counters.send_failures;
        f->close();
        co_return;
      }
      f->queue.pop_front();
    }
  }

  awaitable<void> watchdog(std::shared_ptr<Flow> f) {
    while (!f->closed) {
      f->idle.expires_at(f->deadline);
      std::error_code ec;
      co_await f->idle.async_wait(asio::redirect_error(use_awaitable, ec));
      if (f->closed) co_return;
      if (Clock::now() >= f->deadline) {
        ++counters.idle;
        f->close();
        co_return;
      }
    }
  }

  void finish(const std::shared_ptr<Flow>& f) {
    f->close();
    if (flows.erase(f->id) == 0) return;
    --counters.open;
    if (auto it = flow_by_remote.find({f->transport, f->remote}); it != flow_by_remote.end() && it->second == f->id)
      flow_by_remote.erase(it);
    core->handle_flow_closed(Clock::now(), f->id);
    pump();
  }

  awaitable<void> udp_loop(std::size_t index) {
    std::vector<std::uint8_t> buffer(config.max_message_size + 1);
    udp::socket& socket = udp_sockets[index];
    for (;;) {
      udp::endpoint sender;
      std::error_code ec;
      std::size_t n = co_await socket.async_receive_from(asio::buffer(buffer), sender,
                                                         asio::redirect_error(use_awaitable, ec));
      if (ec == asio::error::operation_aborted) co_return;
      if (ec) continue;  // e.g. ICMP port unreachable reported on the socket
      ++counters.datagrams_in;
      core->handle_datagram(Clock::now(),
                            Datagram{Transport::udp, udp_bound[index], from_udp_endpoint(sender), ByteView(buffer.data(), n)},
                            no_flow);
      pump();
    }
  }
};

std::unique_ptr<FlowService> FlowService::start(const FlowServiceConfig& config, std::unique_ptr<FlowCore> core,
                                                BindError& error, std::string& tls_error) {
  std::unique_ptr<FlowService> s(new FlowService);
  s->impl_ = std::make_unique<Impl>();
  Impl& impl = *s->impl_;
  impl.config = config;
  impl.core = std::move(core);

  if (!config.tls.empty()) {
    if (!config.tls_files) {
      tls_error = "TLS listeners need a certificate and key";
      return nullptr;
    }
    try {
      impl.tls_context.emplace(asio::ssl::context::tls_server);
      SSL_CTX_set_min_proto_version(impl.tls_context->native_handle(), TLS1_2_VERSION);  // TLS 1.2+ only
      impl.tls_context->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_compression |
                                    asio::ssl::context::single_dh_use);
      impl.tls_context->use_certificate_chain_file(config.tls_files->certificate.string());
      impl.tls_context->use_private_key_file(config.tls_files->private_key.string(), asio::ssl::context::pem);
    } catch (const std::system_error& e) {
      tls_error = "cannot load " + config.tls_files->certificate.string() + " / " +
                  config.tls_files->private_key.string() + ": " + e.code().message();
      return nullptr;
    }
  }
  for (const auto& a : config.udp) {
    udp::socket socket(impl.io);
    std::error_code ec;
    auto ep = to_udp_endpoint(a);
    socket.open(ep.protocol(), ec);
    if (!ec && a.ip.is_v6()) socket.set_option(asio::ip::v6_only(true), ec);
    if (!ec) socket.bind(ep, ec);
    if (!ec) socket.non_blocking(true, ec);
    // Bursts of signalling (thousands of calls a second) overflow the
    // kernel's default ~200 KB socket buffers; every drop costs a 500 ms
    // retransmission and a duplicate downstream. 4 MB, as SIP servers use.
    std::error_code ignored;
    socket.set_option(asio::socket_base::receive_buffer_size(4 << 20), ignored);
    socket.set_option(asio::socket_base::send_buffer_size(4 << 20), ignored);
    if (ec) {
      error = {a, ec};
      return nullptr;
    }
    impl.udp_bound.push_back(from_udp_endpoint(socket.local_endpoint()));
    s->listening_.push_back("udp " + impl.udp_bound.back().to_string());
    impl.udp_sockets.push_back(std::move(socket));
  }
  for (auto [list, transport] : {std::pair{&config.tcp, Transport::tcp}, std::pair{&config.tls, Transport::tls}}) {
    for (const auto& a : *list) {
      tcp::acceptor acceptor(impl.io);
      std::error_code ec;
      auto ep = to_tcp_endpoint(a);
      acceptor.open(ep.protocol(), ec);
      if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
      if (!ec && a.ip.is_v6()) acceptor.set_option(asio::ip::v6_only(true), ec);
      if (!ec) acceptor.bind(ep, ec);
      if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
      if (ec) {
        error = {a, ec};
        return nullptr;
      }
      s->listening_.push_back(std::string(to_string(transport)) + " " +
                              from_tcp_endpoint(acceptor.local_endpoint()).to_string());
      impl.acceptors.emplace_back(std::move(acceptor), transport);
    }
  }
  for (std::size_t i = 0; i < impl.udp_sockets.size(); ++i) asio::co_spawn(impl.io, impl.udp_loop(i), asio::detached);
  for (auto& [acceptor, transport] : impl.acceptors)
    asio::co_spawn(impl.io, impl.accept_loop(acceptor, transport), asio::detached);
  asio::post(impl.io, [&impl] { impl.pump(); });
  impl.thread = std::thread([&impl] { impl.io.run(); });
  return s;
}

void FlowService::stop() {
  if (!impl_ || !impl_->thread.joinable()) return;
  impl_->io.stop();
  impl_->thread.join();
}

FlowService::~FlowService() { stop(); }

FlowStats FlowService::stats() const {
  const auto& c = impl_->counters;
  return {c.datagrams_in.load(), c.datagrams_out.load(), c.open.load(),    c.accepted.load(),    c.refused.load(),
          c.invalid.load(),      c.idle.load(),          c.tls_failures.load(), c.send_failures.load()};
}

void FlowService::with_core(const std::function<void(FlowCore&)>& fn) {
  std::promise<void> done;
  asio::post(impl_->io, [&] {
    fn(*impl_->core);
    impl_->pump();
    done.set_value();
  });
  done.get_future().wait();
}

}  // namespace confab::net
