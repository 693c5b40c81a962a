#include "net/flow_service.hpp"

#include <openssl/ssl.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ip/udp.hpp>
#include <asio/ip/v6_only.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/post.hpp>
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
#include "net/udp_socket.hpp"
#include <unistd.h>

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
  bool writing = false;            // the writer is in the middle of a write
  bool upgrade = false;            // STARTTLS asked for: handshake once the queue is written
  bool handshaking = false;        // the writer holds back until the TLS handshake is done
  bool close_after_flush = false;  // the core asked to close once the queue is written

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
  // UDP moves in batches (recvmmsg/sendmmsg): at thousands of calls a
  // second a syscall per datagram is a large share of the server's time.
  std::vector<UdpSocket> udp_sockets;
  std::vector<SocketAddress> udp_bound;
  std::vector<std::unique_ptr<asio::posix::stream_descriptor>> udp_waiters;  // readiness of each (a dup'd fd)
  std::vector<std::vector<Transmit>> udp_out;  // per socket, sent at the end of each pump()
  std::optional<RecvBatch> udp_batch;
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
    flush_udp();
    while (auto c = core->poll_command()) command(*c);
    auto deadline = core->poll_timeout();
    if (!deadline) return;
    // Timer slack: a timer already due within `slack` after this deadline
    // stays; otherwise it fires `slack` late. Under load, deadlines arrive
    // continuously (one per transaction), and this turns a wakeup and a
    // timerfd update per transaction into at most one per `slack`.
    if (armed && *armed <= *deadline + config.timer_slack) return;
    armed = *deadline + config.timer_slack;
    core_timer.expires_at(*armed);
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
      send_udp(std::move(t.transmit));
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

  void command(const FlowCommand& c) {
    auto it = flows.find(c.flow);
    if (it == flows.end() || it->second->closed) return;
    Flow& f = *it->second;
    if (c.kind == FlowCommand::Kind::start_tls) {
      // Only a plain TCP connection can be upgraded, and only with a certificate.
      if (f.transport == Transport::tcp && !f.tls && tls_context) f.upgrade = true;
      else f.close_after_flush = true;
    } else {
      f.close_after_flush = true;
    }
    f.wake.cancel_one();
  }

  // RFC 9266 tls-exporter and RFC 5929 tls-server-end-point for this connection.
  TlsInfo tls_info(SSL* ssl) {
    TlsInfo info;
    info.version = SSL_get_version(ssl);
    // The exporter binds the channel only with TLS 1.3, or 1.2 with the
    // extended master secret (RFC 9266 §3); otherwise offer no binding.
    if (SSL_version(ssl) >= TLS1_3_VERSION || SSL_get_extms_support(ssl) == 1) {
      static constexpr char label[] = "EXPORTER-Channel-Binding";
      info.exporter.resize(32);
      if (SSL_export_keying_material(ssl, info.exporter.data(), info.exporter.size(), label, sizeof label - 1,
                                     nullptr, 0, 0) != 1)
        info.exporter.clear();
    }
    if (X509* cert = SSL_get_certificate(ssl)) {
      // RFC 5929 §4.1: the certificate's signature hash, SHA-256 for MD5 and SHA-1.
      int md = NID_undef;
      X509_get_signature_info(cert, &md, nullptr, nullptr, nullptr);
      if (md == NID_undef || md == NID_md5 || md == NID_sha1) md = NID_sha256;
      const EVP_MD* type = EVP_get_digestbynid(md);
      unsigned char hash[EVP_MAX_MD_SIZE];
      unsigned len = 0;
      if (type && X509_digest(cert, type, hash, &len) == 1) info.server_end_point.assign(hash, hash + len);
    }
    return info;
  }

  void send_udp(Transmit t) {
    std::size_t best = udp_sockets.size();
    for (std::size_t i = 0; i < udp_bound.size(); ++i) {
      if (udp_bound[i].ip.family() != t.remote.ip.family()) continue;
      if (best == udp_sockets.size()) best = i;
      if (udp_bound[i].port == t.local.port && (udp_bound[i].ip == t.local.ip || udp_bound[i].ip.is_unspecified())) {
        best = i;
        break;
      }
    }
    if (best == udp_sockets.size()) {
      ++counters.send_failures;
      return;
    }
    udp_out[best].push_back(std::move(t));
  }

  void flush_udp() {
    for (std::size_t i = 0; i < udp_out.size(); ++i) {
      auto& queue = udp_out[i];
      if (queue.empty()) continue;
      std::vector<const Transmit*> pointers;
      pointers.reserve(queue.size());
      for (const auto& t : queue) pointers.push_back(&t);
      std::error_code ec;
      std::size_t sent = udp_sockets[i].send(pointers, ec);
      // What the kernel did not take (buffer full) is lost, as a datagram
      // may be; SIP's retransmissions recover it.
      counters.datagrams_out += sent;
      counters.send_failures += queue.size() - sent;
      queue.clear();
    }
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
    f->plain->set_option(tcp::no_delay(true), ec);
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
      // Small request/response messages: without TCP_NODELAY a peer that
      // only reads delays its ACKs and Nagle holds our next write ~40 ms.
      socket.set_option(tcp::no_delay(true), ec);
      auto f = new_flow(transport);
      f->remote = from_tcp_endpoint(socket.remote_endpoint(ec));
      f->local = from_tcp_endpoint(socket.local_endpoint(ec));
      if (transport == Transport::tls)
        f->tls.emplace(std::move(socket), *tls_context);
      else
        f->plain.emplace(std::move(socket));
      flow_by_remote[{transport, f->remote}] = f->id;
      core->handle_flow_opened(Clock::now(), f->id, transport, f->local, f->remote);
      pump();
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
      core->handle_flow_secured(Clock::now(), f->id, tls_info(f->tls->native_handle()));
      pump();
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
      if (f->upgrade && !co_await upgrade_to_tls(f)) break;
    }
    finish(f);
  }

  // STARTTLS: once the writer has sent what was queued (the protocol's
  // "proceed"), the same TCP connection carries a TLS server handshake;
  // reading and writing then go through TLS. Bytes the peer sent after its
  // STARTTLS request were handed to the core in plaintext already: the
  // protocol decides what to do with them (XMPP closes the stream).
  awaitable<bool> upgrade_to_tls(std::shared_ptr<Flow> f) {
    f->upgrade = false;
    asio::steady_timer wait(io);
    while (!f->closed && (!f->queue.empty() || f->writing)) {
      wait.expires_after(std::chrono::milliseconds(1));
      std::error_code ec;
      co_await wait.async_wait(asio::redirect_error(use_awaitable, ec));
    }
    if (f->closed) co_return false;
    f->handshaking = true;
    f->tls.emplace(std::move(*f->plain), *tls_context);
    f->plain.reset();
    f->deadline = Clock::now() + std::chrono::seconds(10);  // a handshake may not dawdle
    std::error_code ec;
    co_await f->tls->async_handshake(asio::ssl::stream_base::server, asio::redirect_error(use_awaitable, ec));
    f->handshaking = false;
    f->wake.cancel_one();
    if (ec || f->closed) {
      ++counters.tls_failures;
      co_return false;
    }
    f->deadline = Clock::now() + config.idle_timeout;
    core->handle_flow_secured(Clock::now(), f->id, tls_info(f->tls->native_handle()));
    pump();
    co_return true;
  }

  // Hands every complete message in `buffer` to the core; false when the
  // stream is garbage or a message is over the limit.
  bool deliver_frames(Flow& f, Bytes& buffer) {
    if (!config.framer) {  // the core parses the stream itself (XMPP)
      core->handle_datagram(Clock::now(), Datagram{f.transport, f.local, f.remote, ByteView(buffer)}, f.id);
      buffer.clear();
      pump();
      return true;
    }
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
      if (f->queue.empty() && f->close_after_flush) {
        // Closing the socket ends the reader too, which then reports it.
        f->close();
        co_return;
      }
      if (f->queue.empty() || f->handshaking) {
        std::error_code ec;
        f->wake.expires_at(Instant::max());
        co_await f->wake.async_wait(asio::redirect_error(use_awaitable, ec));
        continue;
      }
      // Everything queued goes out in one write (one TLS record batch, one
      // syscall): deque elements stay put while more are appended.
      std::error_code ec;
      std::vector<asio::const_buffer> batch;
      const std::size_t n = std::min<std::size_t>(f->queue.size(), 64);
      batch.reserve(n);
      for (std::size_t i = 0; i < n; ++i) batch.push_back(asio::buffer(f->queue[i]));
      f->writing = true;
      if (f->tls)
        co_await asio::async_write(*f->tls, batch, asio::redirect_error(use_awaitable, ec));
      else
        co_await asio::async_write(*f->plain, batch, asio::redirect_error(use_awaitable, ec));
      f->writing = false;
      if (ec) {
        ++counters.send_failures;
        f->close();
        co_return;
      }
      f->queue.erase(f->queue.begin(), f->queue.begin() + static_cast<std::ptrdiff_t>(n));
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

  // Waits for the socket to be readable, then takes what is queued in
  // batches; after a budget of batches it yields to the other work (TCP,
  // timers) and comes back without waiting, as data may still be queued.
  awaitable<void> udp_loop(std::size_t index) {
    auto& waiter = *udp_waiters[index];
    for (;;) {
      bool more = false;
      for (int round = 0; round < 16; ++round) {
        std::error_code ec;
        std::size_t n = udp_sockets[index].receive(*udp_batch, ec);
        if (n == 0) break;
        const Instant now = Clock::now();
        for (const Received& r : udp_batch->received()) {
          if (r.truncated) {
            ++counters.invalid;  // over max_message_size: dropped
            continue;
          }
          ++counters.datagrams_in;
          core->handle_datagram(now, Datagram{Transport::udp, r.local, r.remote, r.bytes}, no_flow);
        }
        pump();
        if (n < 32) break;
        more = round == 15;
      }
      std::error_code ec;
      if (more)
        co_await asio::post(io, asio::redirect_error(use_awaitable, ec));
      else
        co_await waiter.async_wait(asio::posix::stream_descriptor::wait_read, asio::redirect_error(use_awaitable, ec));
      if (ec == asio::error::operation_aborted) co_return;
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

  if (!config.tls.empty() || config.starttls) {
    if (!config.tls_files) {
      tls_error = "TLS listeners and STARTTLS need a certificate and key";
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
    // Bursts of signalling (thousands of calls a second) overflow the
    // kernel's default ~200 KB socket buffers; every drop costs a 500 ms
    // retransmission and a duplicate downstream. 4 MB, as SIP servers use.
    UdpSocketOptions options;
    options.receive_buffer = 4 << 20;
    options.send_buffer = 4 << 20;
    std::error_code ec;
    UdpSocket socket = UdpSocket::bind(a, options, ec);
    if (ec) {
      error = {a, ec};
      return nullptr;
    }
    int fd = ::dup(socket.native_handle());
    if (fd < 0) {
      error = {a, std::error_code(errno, std::system_category())};
      return nullptr;
    }
    impl.udp_waiters.push_back(std::make_unique<asio::posix::stream_descriptor>(impl.io, fd));
    impl.udp_bound.push_back(socket.local_address());
    s->listening_.push_back("udp " + impl.udp_bound.back().to_string());
    impl.udp_sockets.push_back(std::move(socket));
    impl.udp_out.emplace_back();
  }
  if (!config.udp.empty()) impl.udp_batch.emplace(32, config.max_message_size + 1);
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
