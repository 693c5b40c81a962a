#include "net/flow_service.hpp"

#include <utility>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ip/v6_only.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/post.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <atomic>
#include <future>
#include <map>
#include <thread>
#include <unordered_map>

#include "net/asio_address.hpp"
#include "tls/records.hpp"
#include "net/tls_socket.hpp"
#include "net/udp_socket.hpp"
#include <malloc.h>
#include <unistd.h>

namespace confab::net {

namespace {
using asio::awaitable;
using asio::use_awaitable;
using tcp = asio::ip::tcp;

// A TLS handshake (or an outgoing connect) may not dawdle.
constexpr Duration setup_timeout = std::chrono::seconds(10);
// Reads of one connection before the others get a turn.
constexpr int read_rounds = 16;

struct SslCtxDeleter {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};

// The application traffic secrets OpenSSL reports through its key log
// callback while a TLS 1.3 handshake runs (see Tls13Records).
struct CapturedSecrets {
  Bytes client, server;
};

std::optional<Bytes> from_hex(std::string_view hex) {
  if (hex.size() % 2) return std::nullopt;
  Bytes out(hex.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    auto nibble = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    const int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return out;
}

std::string openssl_error() {
  const unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "unknown error";
  char text[256];
  ERR_error_string_n(e, text, sizeof text);
  return text;
}
}  // namespace

// One TCP or TLS connection. Reactor style, because a server holds many
// idle ones: no coroutine frame, no buffer and no TLS record buffer per
// connection while nothing moves — reads land in the service's one read
// buffer, and the socket is only watched for readiness.
struct Flow {
  Flow(FlowId i, Transport t, tcp::socket s) : id(i), transport(t), socket(std::move(s)) {}
  FlowId id;
  Transport transport;
  tcp::socket socket;
  SslPtr ssl;  // set once TLS starts (direct TLS, or STARTTLS)
  SocketAddress local, remote;
  Bytes out;                  // what the core queued and the socket has not taken yet
  std::size_t out_sent = 0;   // bytes of `out` already written
  Bytes framed;               // framed protocols: an unfinished message
  Instant deadline;           // idle (or setup) deadline
  bool connecting = false;    // an outgoing connect is in progress
  bool handshaking = false;   // the TLS handshake is in progress: output waits
  bool closed = false;
  bool read_armed = false, write_armed = false;  // a readiness wait is pending
  bool read_needs_write = false;   // TLS: a read must wait for writability
  bool write_needs_read = false;   // TLS: a write must wait for readability
  bool upgrade = false;            // STARTTLS asked for: handshake once `out` is written
  bool upgrade_as_client = false;  // ...as the client (start_tls_client)
  bool close_after_flush = false;  // the core asked to close once `out` is written
  bool dirty = false;              // listed for the end-of-pump flush
  // TLS 1.3 after the handshake: our own record layer, and no SSL object.
  std::unique_ptr<tls::Tls13Records> records;
  std::unique_ptr<CapturedSecrets> secrets;  // during the handshake only
  Bytes rx;                  // records: an unfinished record
  Bytes wire;                // records: protected bytes not yet written
  std::size_t wire_sent = 0;

  int fd() { return socket.native_handle(); }
  bool pending_output() const { return out_sent < out.size(); }
};

namespace {
// OpenSSL's key log callback: keeps the two application traffic secrets of
// a connection whose records we may take over.
void capture_secret(const SSL* ssl, const char* line) {
  auto* flow = static_cast<Flow*>(SSL_get_app_data(ssl));
  if (!flow || !flow->secrets) return;
  std::string_view text(line);
  const auto label_end = text.find(' ');
  const auto random_end = text.find(' ', label_end + 1);
  if (label_end == std::string_view::npos || random_end == std::string_view::npos) return;
  const std::string_view label = text.substr(0, label_end);
  Bytes* slot = label == "CLIENT_TRAFFIC_SECRET_0" ? &flow->secrets->client
                : label == "SERVER_TRAFFIC_SECRET_0" ? &flow->secrets->server
                                                     : nullptr;
  if (!slot) return;
  if (auto secret = from_hex(text.substr(random_end + 1))) *slot = std::move(*secret);
}
}  // namespace

struct FlowService::Impl {
  FlowServiceConfig config;
  std::unique_ptr<FlowCore> core;
  asio::io_context io{1};
  std::unique_ptr<SSL_CTX, SslCtxDeleter> tls_context;
  std::unique_ptr<SSL_CTX, SslCtxDeleter> client_context;  // outgoing STARTTLS (start_tls_client)
  SocketBioMethod bio_method;
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
  std::vector<std::shared_ptr<Flow>> dirty;  // output queued during this pump
  std::vector<std::uint8_t> read_buffer = std::vector<std::uint8_t>(64 * 1024);  // every connection reads here
  Bytes plain_buffer;  // records: what one read decrypts to
  FlowId next_flow = 1;
  asio::steady_timer core_timer{io};
  asio::steady_timer sweep_timer{io};  // idle and setup deadlines of all connections
  std::thread thread;
  bool pumping = false, repump = false;
  bool round_end_posted = false;  // a handle_round_end() is queued (FlowCore::holding)
  std::uint64_t handshakes_since_trim = 0;  // TLS handshakes leave free heap behind (see arm_sweep)
  Instant last_trim{}, last_handshake{};
  struct Counters {
    std::atomic<std::uint64_t> datagrams_in{0}, datagrams_out{0}, open{0}, accepted{0}, refused{0}, invalid{0},
        idle{0}, tls_failures{0}, send_failures{0}, tls_offloaded{0};
  } counters;

  // After the core was fed: send what it wants sent, and make sure its timer
  // fires by its next deadline. Output to connections is written once per
  // pump, so a burst of stanzas to one client is one write (one TLS record
  // batch, one syscall). Re-entrant calls (a connection closing inside a
  // flush tells the core, which may queue more) just go round again.
  void pump() {
    if (pumping) {
      repump = true;
      return;
    }
    pumping = true;
    do {
      repump = false;
      if (core->holding()) {
        // Output waits for the end of this round of reads (see FlowCore):
        // posted now, it runs after the handlers epoll already made ready.
        if (!round_end_posted) {
          round_end_posted = true;
          asio::post(io, [this] {
            round_end_posted = false;
            core->handle_round_end(Clock::now());
            pump();
          });
        }
        break;
      }
      while (auto t = core->poll_transmit()) dispatch(std::move(*t));
      flush_udp();
      while (auto c = core->poll_command()) command(*c);
      while (!dirty.empty()) {
        auto list = std::move(dirty);
        dirty.clear();
        for (auto& f : list) {
          f->dirty = false;
          if (!f->closed) flush(f);
        }
      }
    } while (repump);
    pumping = false;
    arm_core_timer();
  }

  // Re-arming costs a timer cancel and a kernel timerfd update, so the timer
  // is only moved *earlier*; firing early is harmless (the core finds
  // nothing due and the timer is armed again). Timer slack: a timer already
  // due within `slack` after this deadline stays; otherwise it fires `slack`
  // late. Under load, deadlines arrive continuously (one per transaction),
  // and this turns a wakeup and a timerfd update per transaction into at
  // most one per `slack`.
  void arm_core_timer() {
    auto deadline = core->poll_timeout();
    if (!deadline) return;
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
        enqueue(it->second, std::move(t.transmit.bytes));
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
        enqueue(f->second, std::move(t.transmit.bytes));
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
      if (f.transport == Transport::tcp && !f.ssl && tls_context) f.upgrade = true;
      else f.close_after_flush = true;
    } else if (c.kind == FlowCommand::Kind::start_tls_client) {
      if (f.transport == Transport::tcp && !f.ssl && client_context) f.upgrade = f.upgrade_as_client = true;
      else f.close_after_flush = true;
    } else {
      f.close_after_flush = true;
    }
    mark_dirty(it->second);
  }

  void enqueue(const std::shared_ptr<Flow>& f, Bytes bytes) {
    if (f->out.empty()) f->out = std::move(bytes);
    else f->out.insert(f->out.end(), bytes.begin(), bytes.end());
    mark_dirty(f);
  }

  void mark_dirty(const std::shared_ptr<Flow>& f) {
    if (f->dirty) return;
    f->dirty = true;
    dirty.push_back(f);
  }

  std::shared_ptr<Flow> new_flow(Transport t, tcp::socket socket) {
    auto f = std::make_shared<Flow>(next_flow++, t, std::move(socket));
    flows.emplace(f->id, f);
    ++counters.open;
    return f;
  }

  // ---- readiness ----------------------------------------------------------

  void arm_read(const std::shared_ptr<Flow>& f) {
    if (f->read_armed || f->closed) return;
    f->read_armed = true;
    f->socket.async_wait(tcp::socket::wait_read, [this, f](std::error_code ec) {
      f->read_armed = false;
      if (ec || f->closed) return;
      on_readable(f);
    });
  }

  void arm_write(const std::shared_ptr<Flow>& f) {
    if (f->write_armed || f->closed) return;
    f->write_armed = true;
    f->socket.async_wait(tcp::socket::wait_write, [this, f](std::error_code ec) {
      f->write_armed = false;
      if (ec || f->closed) return;
      on_writable(f);
    });
  }

  void on_readable(const std::shared_ptr<Flow>& f) {
    if (f->handshaking) return drive_handshake(f);
    if (f->write_needs_read) {
      f->write_needs_read = false;
      flush(f);
      if (f->closed) return;
    }
    read(f);
  }

  void on_writable(const std::shared_ptr<Flow>& f) {
    if (f->handshaking) return drive_handshake(f);
    if (f->read_needs_write) {
      f->read_needs_write = false;
      read(f);
      if (f->closed) return;
    }
    flush(f);
  }

  // ---- reading ------------------------------------------------------------

  // Reads until the socket has nothing more (then waits for readability), or
  // for a few rounds (then lets the other connections have a turn).
  void read(const std::shared_ptr<Flow>& f) {
    for (int round = 0; round < read_rounds; ++round) {
      if (f->closed || f->upgrade || f->handshaking) return;  // STARTTLS: no plaintext read past the request
      const IoOutcome o = f->ssl ? tls_read(f->ssl.get(), read_buffer.data(), read_buffer.size())
                                 : plain_read(f->fd(), read_buffer.data(), read_buffer.size());
      switch (o.result) {
        case IoResult::done:
          f->deadline = Clock::now() + config.idle_timeout;
          if (f->records) {
            if (!open_records(f, ByteView(read_buffer.data(), o.bytes))) return;
            continue;
          }
          if (!deliver(f, ByteView(read_buffer.data(), o.bytes))) {
            ++counters.invalid;
            return close_flow(f);
          }
          continue;
        case IoResult::want_read: return arm_read(f);
        case IoResult::want_write:
          f->read_needs_write = true;
          return arm_write(f);
        case IoResult::closed:
        case IoResult::failed: return close_flow(f);
      }
    }
    asio::post(io, [this, f] {
      if (!f->closed) read(f);
    });
  }

  // Records: decrypts what arrived (keeping an unfinished record), answers
  // a KeyUpdate, hands the plaintext on. False when the connection ended.
  bool open_records(const std::shared_ptr<Flow>& f, ByteView bytes) {
    ByteView wire = bytes;
    if (!f->rx.empty()) {
      f->rx.insert(f->rx.end(), bytes.begin(), bytes.end());
      wire = f->rx;
    }
    plain_buffer.clear();
    Bytes reply;
    const auto opened = f->records->open(wire, plain_buffer, reply);
    if (opened.status == tls::Tls13Records::Status::failed) {
      ++counters.invalid;
      close_flow(f);
      return false;
    }
    if (f->rx.empty()) f->rx.assign(wire.begin() + static_cast<std::ptrdiff_t>(opened.consumed), wire.end());
    else f->rx.erase(f->rx.begin(), f->rx.begin() + static_cast<std::ptrdiff_t>(opened.consumed));
    if (f->rx.empty()) Bytes().swap(f->rx);
    if (!reply.empty()) {
      f->wire.insert(f->wire.end(), reply.begin(), reply.end());
      mark_dirty(f);
    }
    if (!plain_buffer.empty() && !deliver(f, plain_buffer)) {
      ++counters.invalid;
      close_flow(f);
      return false;
    }
    if (opened.status == tls::Tls13Records::Status::closed) {
      close_flow(f);
      return false;
    }
    if (!reply.empty() && !f->closed) flush(f);
    return !f->closed;
  }

  // Hands every complete message to the core; false when the stream is
  // garbage or a message is over the limit.
  bool deliver(const std::shared_ptr<Flow>& f, ByteView bytes) {
    if (!config.framer) {  // the core parses the stream itself (XMPP)
      core->handle_datagram(Clock::now(), Datagram{f->transport, f->local, f->remote, bytes}, f->id);
      pump();
      return true;
    }
    f->framed.insert(f->framed.end(), bytes.begin(), bytes.end());
    std::size_t consumed = 0;
    bool ok = true;
    while (consumed < f->framed.size() && !f->closed) {
      ByteView rest(f->framed.data() + consumed, f->framed.size() - consumed);
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
      core->handle_datagram(Clock::now(), Datagram{f->transport, f->local, f->remote, rest.first(frame.size)}, f->id);
      consumed += frame.size;
    }
    if (consumed == f->framed.size()) Bytes().swap(f->framed);  // idle connections hold no buffer
    else f->framed.erase(f->framed.begin(), f->framed.begin() + static_cast<std::ptrdiff_t>(consumed));
    pump();
    return ok;
  }

  // ---- writing ------------------------------------------------------------

  void flush(const std::shared_ptr<Flow>& f) {
    if (f->closed || f->connecting || f->handshaking || f->write_needs_read) return;
    if (f->records && f->pending_output()) {
      f->records->seal(ByteView(f->out).subspan(f->out_sent), f->wire);
      Bytes().swap(f->out);
      f->out_sent = 0;
    }
    Bytes& buffer = f->records ? f->wire : f->out;
    std::size_t& sent = f->records ? f->wire_sent : f->out_sent;
    while (sent < buffer.size()) {
      const std::uint8_t* data = buffer.data() + sent;
      const std::size_t size = buffer.size() - sent;
      const IoOutcome o = f->ssl ? tls_write(f->ssl.get(), data, size) : plain_write(f->fd(), data, size);
      switch (o.result) {
        case IoResult::done: sent += o.bytes; continue;
        case IoResult::want_write: return arm_write(f);
        case IoResult::want_read:
          f->write_needs_read = true;
          return arm_read(f);
        case IoResult::closed:
        case IoResult::failed:
          ++counters.send_failures;
          return close_flow(f);
      }
    }
    Bytes().swap(buffer);  // idle connections hold no buffer
    sent = 0;
    if (f->close_after_flush) return close_flow(f);
    if (f->upgrade) start_tls(f);
  }

  // ---- TLS ----------------------------------------------------------------

  // Direct TLS at accept, or STARTTLS once the core's "proceed" is written.
  // Bytes the peer sent after its STARTTLS request were handed to the core
  // in plaintext already: the protocol decides what to do with them (XMPP
  // closes the stream).
  void start_tls(const std::shared_ptr<Flow>& f) {
    f->upgrade = false;
    const bool as_client = std::exchange(f->upgrade_as_client, false);
    f->ssl = as_client ? bio_method.new_client(client_context.get(), f->fd())
                       : bio_method.new_server(tls_context.get(), f->fd());
    if (!f->ssl) {
      ++counters.tls_failures;
      return close_flow(f);
    }
    if (config.tls_offload && !as_client) {  // the record layer takes over server sides only
      f->secrets = std::make_unique<CapturedSecrets>();
      SSL_set_app_data(f->ssl.get(), f.get());
    }
    f->handshaking = true;
    f->deadline = Clock::now() + setup_timeout;
    drive_handshake(f);
  }

  // A finished TLS 1.3 handshake hands its record layer to Tls13Records and
  // frees the SSL object (see tls13_records.hpp for why). Only when nothing
  // is buffered inside OpenSSL: without read-ahead it reads record by
  // record, so the client's first data is still in the socket.
  void offload_records(Flow& f) {
    auto secrets = std::move(f.secrets);
    SSL* ssl = f.ssl.get();
    SSL_set_app_data(ssl, nullptr);
    if (!secrets || secrets->client.empty() || secrets->server.empty()) return;
    if (SSL_version(ssl) != TLS1_3_VERSION || SSL_has_pending(ssl)) return;
    const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl);
    auto suite = cipher ? tls::tls13_suite(SSL_CIPHER_get_protocol_id(cipher)) : std::nullopt;
    if (!suite) return;
    auto records = tls::Tls13Records::create(*suite, secrets->client, secrets->server);
    if (!records) return;
    f.records = std::move(records);
    f.ssl.reset();
    ++counters.tls_offloaded;
  }

  void drive_handshake(const std::shared_ptr<Flow>& f) {
    const IoOutcome o = tls_handshake(f->ssl.get());
    switch (o.result) {
      case IoResult::want_read: return arm_read(f);
      case IoResult::want_write: return arm_write(f);
      case IoResult::closed:
      case IoResult::failed:
        ++counters.tls_failures;
        return close_flow(f);
      case IoResult::done: break;
    }
    f->handshaking = false;
    ++handshakes_since_trim;
    last_handshake = Clock::now();
    f->deadline = Clock::now() + config.idle_timeout;
    const TlsInfo info = tls_info(f->ssl.get());
    offload_records(*f);  // before anything is written with the new keys
    core->handle_flow_secured(Clock::now(), f->id, info);
    pump();
    if (f->closed) return;
    flush(f);     // what the core queued during the handshake
    read(f);      // and what the client sent right after it
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

  // ---- connections --------------------------------------------------------

  void connect(const SocketAddress& remote, Bytes first) {
    auto f = new_flow(Transport::tcp, tcp::socket(io));
    f->remote = remote;
    f->out = std::move(first);
    f->connecting = true;
    f->deadline = Clock::now() + setup_timeout;
    flow_by_remote[{Transport::tcp, remote}] = f->id;
    core->handle_flow_connecting(Clock::now(), f->id, remote);
    f->socket.async_connect(to_tcp_endpoint(remote), [this, f](std::error_code ec) {
      f->connecting = false;
      if (f->closed) return;
      if (ec) {
        ++counters.send_failures;
        return close_flow(f);
      }
      f->local = from_tcp_endpoint(f->socket.local_endpoint(ec));
      f->socket.set_option(tcp::no_delay(true), ec);
      f->socket.non_blocking(true, ec);
      f->deadline = Clock::now() + config.idle_timeout;
      flush(f);
      read(f);
    });
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
      socket.non_blocking(true, ec);
      auto f = new_flow(transport, std::move(socket));
      f->remote = from_tcp_endpoint(f->socket.remote_endpoint(ec));
      f->local = from_tcp_endpoint(f->socket.local_endpoint(ec));
      f->deadline = Clock::now() + config.idle_timeout;
      flow_by_remote[{transport, f->remote}] = f->id;
      core->handle_flow_opened(Clock::now(), f->id, transport, f->local, f->remote);
      pump();
      if (f->closed) continue;
      if (transport == Transport::tls) start_tls(f);
      else read(f);
    }
  }

  // Closes the socket (pending waits end with operation_aborted) and tells
  // the core, once.
  void close_flow(const std::shared_ptr<Flow>& f) {
    if (f->closed) return;
    f->closed = true;
    if (f->ssl && !f->handshaking) tls_close_notify(f->ssl.get());
    if (f->records) {  // close_notify, if the socket takes it now
      Bytes alert;
      f->records->seal_close_notify(alert);
      plain_write(f->fd(), alert.data(), alert.size());
    }
    std::error_code ec;
    f->socket.close(ec);
    f->ssl.reset();
    Bytes().swap(f->out);
    if (flows.erase(f->id) == 0) return;
    --counters.open;
    if (auto it = flow_by_remote.find({f->transport, f->remote}); it != flow_by_remote.end() && it->second == f->id)
      flow_by_remote.erase(it);
    core->handle_flow_closed(Clock::now(), f->id);
    pump();
  }

  // One timer for every connection's deadline: a scan of a few thousand
  // flows a second costs less than a timer per connection.
  Duration sweep_interval() const {
    const Duration quarter = config.idle_timeout / 4;
    return std::clamp<Duration>(quarter, std::chrono::milliseconds(10), std::chrono::seconds(1));
  }

  void arm_sweep() {
    sweep_timer.expires_after(sweep_interval());
    sweep_timer.async_wait([this](std::error_code ec) {
      if (ec) return;
      const Instant now = Clock::now();
      std::vector<std::shared_ptr<Flow>> expired;
      for (const auto& [id, f] : flows)
        if (now >= f->deadline) expired.push_back(f);
      for (const auto& f : expired) {
        if (f->handshaking) ++counters.tls_failures;
        else if (f->connecting) ++counters.send_failures;
        else ++counters.idle;
        close_flow(f);
      }
      // A TLS handshake allocates tens of KiB and frees them; after a wave
      // of logins the heap is full of free holes that stay resident. Give
      // them back once things calm down (a second without a handshake),
      // or every 10 s while they do not.
      if (handshakes_since_trim > 0 &&
          (now - last_handshake >= std::chrono::seconds(1) || now - last_trim >= std::chrono::seconds(10))) {
        handshakes_since_trim = 0;
        last_trim = now;
        ::malloc_trim(0);
      }
      arm_sweep();
    });
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
    impl.tls_context.reset(SSL_CTX_new(TLS_server_method()));
    SSL_CTX* ctx = impl.tls_context.get();
    if (!ctx) {
      tls_error = "cannot make a TLS context: " + openssl_error();
      return nullptr;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);  // TLS 1.2+ only
    SSL_CTX_set_options(ctx, SSL_OP_ALL | SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    tune_server_context(ctx);
    if (config.tls_offload) {
      // Our record layer takes over after the handshake, so OpenSSL must
      // not send session tickets then (their sequence numbers would be
      // ours to know); and it reports the traffic secrets to us.
      SSL_CTX_set_num_tickets(ctx, 0);
      SSL_CTX_set_keylog_callback(ctx, capture_secret);
    }
    if (SSL_CTX_use_certificate_chain_file(ctx, config.tls_files->certificate.string().c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, config.tls_files->private_key.string().c_str(), SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
      tls_error = "cannot load " + config.tls_files->certificate.string() + " / " +
                  config.tls_files->private_key.string() + ": " + openssl_error();
      return nullptr;
    }
    if (config.starttls) {
      // Outgoing STARTTLS: encryption only. SSL_VERIFY_NONE because who the
      // peer is gets proven by the protocol above (XMPP dialback, XEP-0220).
      impl.client_context.reset(SSL_CTX_new(TLS_client_method()));
      if (SSL_CTX* cc = impl.client_context.get()) {
        SSL_CTX_set_min_proto_version(cc, TLS1_2_VERSION);
        SSL_CTX_set_options(cc, SSL_OP_ALL | SSL_OP_NO_COMPRESSION);
        SSL_CTX_set_verify(cc, SSL_VERIFY_NONE, nullptr);
        SSL_CTX_set_mode(cc, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
        // Our certificate too, for peers that ask for one (SASL EXTERNAL).
        SSL_CTX_use_certificate_chain_file(cc, config.tls_files->certificate.string().c_str());
        SSL_CTX_use_PrivateKey_file(cc, config.tls_files->private_key.string().c_str(), SSL_FILETYPE_PEM);
      }
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
  impl.arm_sweep();
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
          c.invalid.load(),      c.idle.load(),          c.tls_failures.load(), c.send_failures.load(),
          c.tls_offloaded.load()};
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
