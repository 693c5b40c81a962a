// bench_xmpp_load — one XMPP load tool for confabd, Prosody and ejabberd
// (bench/xmpp_bench.sh, bench/README.md).
//
//   idle      open N client sessions (TLS, SCRAM login, bind, initial
//             presence), report when all are up, and hold them idle; with
//             --steps 1000,10000 it grows in steps and waits for SIGUSR1
//             between steps, so a script can measure the server at each.
//   messages  P pairs of sessions; in each, A keeps W chat messages in
//             flight to B's full JID (closed loop: B's receipt releases
//             A's next send). Reports delivered messages per second and
//             the send→receive latency (p50/p90/p99/max) over a bounded
//             window after a warm-up.
//
// The XMPP client is confab's own (xmpp::ClientSession, sans-I/O: stream,
// STARTTLS, SCRAM, bind, XML parsing of what arrives), so every server is
// measured by the same client code. The I/O around it is here: one thread,
// epoll over non-blocking sockets, OpenSSL on each socket. The server's
// certificate is NOT checked (self-signed, loopback only: a benchmark).
// Messages are written as text (the same bytes ClientSession::send would
// produce) to keep the generator's CPU per message low; everything received
// goes through the session's parser.
//
// Loopback only: the target must be in 127.0.0.0/8. Every phase is bounded in
// time, and the message phase also in count.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/rng.hpp"
#include "xmpp/client_session.hpp"
#include "xmpp/jid.hpp"
#include "xmpp/xml_element.hpp"

using namespace confab;

namespace {

std::int64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}
std::int64_t seconds_ns(double s) { return static_cast<std::int64_t>(s * 1e9); }

volatile std::sig_atomic_t g_next = 0;  // SIGUSR1: go on to the next step / end the hold
volatile std::sig_atomic_t g_quit = 0;  // SIGTERM, SIGINT

void on_signal(int sig) {
  if (sig == SIGUSR1)
    g_next = 1;
  else
    g_quit = 1;
}

struct Options {
  std::string mode;
  sockaddr_in target{};
  std::string target_text;
  std::string domain = "example.org";
  std::string prefix = "user";
  std::string password;
  std::string resource = "bench";
  std::size_t first = 0;             // first account number
  std::vector<std::size_t> steps;    // idle: cumulative session counts
  std::size_t concurrency = 64;      // logins in progress at once
  double login_timeout = 60;         // per connection, until bound
  double setup_timeout = 900;        // per step / for the message phase's logins
  double hold = 600;                 // idle: longest wait for SIGUSR1 after a step
  std::size_t pairs = 100;
  std::size_t in_flight = 10;
  double duration = 10;
  double warmup = 2;
  double drain = 3;
  std::uint64_t max_messages = 100'000'000;
  std::size_t body_bytes = 64;
  bool direct_tls = false;
  bool channel_binding = true;
  std::vector<int> server_pids;
  std::string name;
};

[[noreturn]] void usage(int code) {
  std::fprintf(code ? stderr : stdout, R"(usage:
  bench_xmpp_load idle --target 127.0.0.1:PORT --password-file F --steps 1000,10000 [options]
  bench_xmpp_load messages --target 127.0.0.1:PORT --password-file F --pairs 100 --in-flight 10 --duration 10 [options]
options:
  --domain D           the XMPP domain (default example.org)
  --prefix P           accounts are P<n>@D (default user)
  --first N            first account number (default 0)
  --password-file F    the accounts' one password (first line)
  --resource R         resource asked for when binding (default bench)
  --concurrency C      logins in progress at once (default 64)
  --login-timeout S    one login's deadline (default 60)
  --setup-timeout S    deadline for all logins of a step (default 900)
  --direct-tls         TLS from the first byte (XEP-0368) instead of STARTTLS
  --no-channel-binding never use SCRAM-*-PLUS
  --name NAME          a label copied into the JSON output
  --server-pid PID     read this process's CPU time over the measured window (repeatable)
idle:
  --steps LIST         cumulative session counts (default 1000)
  --hold S             after each step, wait at most S seconds for SIGUSR1 (default 600)
messages:
  --pairs P --in-flight W --duration S --warmup S --drain S --max-messages N --body-bytes B
Output: one JSON object per line on stdout; progress on stderr.
)");
  std::exit(code);
}

bool parse_target(const std::string& text, sockaddr_in& out) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos) return false;
  std::string host = text.substr(0, colon);
  if (host == "localhost") host = "127.0.0.1";
  int port = std::atoi(text.c_str() + colon + 1);
  if (port <= 0 || port > 65535) return false;
  out = {};
  out.sin_family = AF_INET;
  out.sin_port = htons(static_cast<std::uint16_t>(port));
  if (inet_pton(AF_INET, host.c_str(), &out.sin_addr) != 1) return false;
  // Loopback only.
  return (ntohl(out.sin_addr.s_addr) >> 24) == 127;
}

std::vector<std::size_t> parse_list(const std::string& s) {
  std::vector<std::size_t> v;
  std::size_t pos = 0;
  while (pos < s.size()) {
    auto comma = s.find(',', pos);
    if (comma == std::string::npos) comma = s.size();
    v.push_back(static_cast<std::size_t>(std::strtoull(s.substr(pos, comma - pos).c_str(), nullptr, 10)));
    pos = comma + 1;
  }
  return v;
}

Options parse_options(int argc, char** argv) {
  if (argc < 2) usage(2);
  Options o;
  o.mode = argv[1];
  if (o.mode == "-h" || o.mode == "--help") usage(0);
  if (o.mode != "idle" && o.mode != "messages") usage(2);
  std::string password_file;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    auto val = [&]() -> std::string {
      if (i + 1 >= argc) usage(2);
      return argv[++i];
    };
    auto num = [&]() { return std::strtod(val().c_str(), nullptr); };
    auto count = [&]() { return static_cast<std::size_t>(std::strtoull(val().c_str(), nullptr, 10)); };
    if (a == "--target") {
      o.target_text = val();
      if (!parse_target(o.target_text, o.target)) {
        std::fprintf(stderr, "bench_xmpp_load: --target must be 127.x.x.x:PORT (loopback only)\n");
        std::exit(2);
      }
    } else if (a == "--domain") o.domain = val();
    else if (a == "--prefix") o.prefix = val();
    else if (a == "--first") o.first = count();
    else if (a == "--password-file") password_file = val();
    else if (a == "--resource") o.resource = val();
    else if (a == "--steps") o.steps = parse_list(val());
    else if (a == "--concurrency") o.concurrency = std::max<std::size_t>(1, count());
    else if (a == "--login-timeout") o.login_timeout = num();
    else if (a == "--setup-timeout") o.setup_timeout = num();
    else if (a == "--hold") o.hold = num();
    else if (a == "--pairs") o.pairs = count();
    else if (a == "--in-flight") o.in_flight = std::max<std::size_t>(1, count());
    else if (a == "--duration") o.duration = num();
    else if (a == "--warmup") o.warmup = num();
    else if (a == "--drain") o.drain = num();
    else if (a == "--max-messages") o.max_messages = count();
    else if (a == "--body-bytes") o.body_bytes = count();
    else if (a == "--direct-tls") o.direct_tls = true;
    else if (a == "--no-channel-binding") o.channel_binding = false;
    else if (a == "--name") o.name = val();
    else if (a == "--server-pid") o.server_pids.push_back(std::atoi(val().c_str()));
    else if (a == "-h" || a == "--help") usage(0);
    else {
      std::fprintf(stderr, "bench_xmpp_load: unknown option %s\n", a.c_str());
      usage(2);
    }
  }
  if (o.target_text.empty() || password_file.empty()) usage(2);
  std::ifstream pf(password_file);
  if (!std::getline(pf, o.password) || o.password.empty()) {
    std::fprintf(stderr, "bench_xmpp_load: cannot read a password from %s\n", password_file.c_str());
    std::exit(2);
  }
  if (o.steps.empty()) o.steps = {1000};
  if (!std::is_sorted(o.steps.begin(), o.steps.end()) || o.steps.front() == 0) {
    std::fprintf(stderr, "bench_xmpp_load: --steps must be increasing and positive\n");
    std::exit(2);
  }
  if (o.duration <= 0 || o.duration > 3600 || o.warmup < 0 || o.warmup > 600 || o.hold < 0 || o.drain < 0 ||
      o.drain > 60) {
    std::fprintf(stderr, "bench_xmpp_load: durations out of range\n");
    std::exit(2);
  }
  return o;
}

std::string json_escape(std::string_view s) {
  std::string r;
  for (char c : s) {
    if (c == '"' || c == '\\') {
      r.push_back('\\');
      r.push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      r += ' ';
    } else {
      r.push_back(c);
    }
  }
  return r;
}

std::string map_json(const std::map<std::string, std::size_t>& m) {
  std::string s = "{";
  bool first = true;
  for (const auto& [k, v] : m) {
    if (!first) s += ',';
    first = false;
    s += '"';
    s += json_escape(k);
    s += "\":";
    s += std::to_string(v);
  }
  s += '}';
  return s;
}

// utime+stime of a process (all its threads), in seconds; -1 if gone.
double process_cpu_seconds(int pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(f, line)) return -1;
  auto close = line.rfind(')');
  if (close == std::string::npos) return -1;
  std::vector<std::string> fields;
  std::size_t pos = close + 2;
  while (pos < line.size()) {
    auto sp = line.find(' ', pos);
    if (sp == std::string::npos) sp = line.size();
    fields.push_back(line.substr(pos, sp - pos));
    pos = sp + 1;
  }
  // fields[0] is field 3 (state); utime is field 14, stime 15.
  if (fields.size() < 13) return -1;
  double ticks = std::strtod(fields[11].c_str(), nullptr) + std::strtod(fields[12].c_str(), nullptr);
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double self_cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

std::string ssl_error_text() {
  unsigned long e = ERR_get_error();
  if (e == 0) return "TLS error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return buf;
}

// ---------------------------------------------------------------------------
// One client connection: socket, optional TLS, and confab's ClientSession.

enum class Phase : std::uint8_t { connecting, plain, handshake, tls, dead };

struct Conn {
  std::size_t index = 0;  // in Engine::conns
  std::size_t account = 0;
  int fd = -1;
  SSL* ssl = nullptr;
  Phase phase = Phase::connecting;
  std::unique_ptr<xmpp::ClientSession> session;
  std::string out;  // plaintext waiting to be written (TLS encrypts it on the way)
  std::size_t out_off = 0;
  bool epoll_out = false;
  bool dirty = false;
  bool established = false;
  bool closed_counted = false;
  std::int64_t started = 0;
  std::int64_t deadline = 0;
  // messages mode
  std::size_t pair = 0;
  bool sender = false;
};

class Engine {
 public:
  explicit Engine(const Options& o) : opt_(o) {
    ep_ = epoll_create1(EPOLL_CLOEXEC);
    ctx_ = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_NONE, nullptr);  // self-signed on loopback: a benchmark
    SSL_CTX_set_mode(ctx_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                               SSL_MODE_RELEASE_BUFFERS);
    SSL_CTX_set_session_cache_mode(ctx_, SSL_SESS_CACHE_OFF);
  }
  ~Engine() {
    for (auto& c : conns_)
      if (c) drop(*c);
    SSL_CTX_free(ctx_);
    ::close(ep_);
  }
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Hooks set by the modes.
  std::function<void(Conn&)> on_established;
  std::function<void(Conn&, const xmpp::Element&)> on_stanza;

  Conn& open(std::size_t account) {
    auto c = std::make_unique<Conn>();
    c->index = conns_.size();
    c->account = account;
    c->started = now_ns();
    c->deadline = c->started + seconds_ns(opt_.login_timeout);
    Conn& conn = *c;
    conns_.push_back(std::move(c));
    ++attempted_;
    ++in_progress_;  // until established or failed
    auto jid = xmpp::Jid::parse(opt_.prefix + std::to_string(account) + "@" + opt_.domain);
    if (!jid) {
      fail(conn, "bad account name");
      return conn;
    }
    xmpp::ClientConfig cc{.account = *jid,
                          .password = opt_.password,
                          .resource = opt_.resource,
                          .direct_tls = opt_.direct_tls,
                          .allow_plain = false};
    conn.session = std::make_unique<xmpp::ClientSession>(std::move(cc), rng_);
    conn.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (conn.fd < 0) {
      fail(conn, std::string("socket: ") + std::strerror(errno));
      return conn;
    }
    int one = 1;
    ::setsockopt(conn.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    int r = ::connect(conn.fd, reinterpret_cast<const sockaddr*>(&opt_.target), sizeof opt_.target);
    if (r != 0 && errno != EINPROGRESS) {
      fail(conn, std::string("connect: ") + std::strerror(errno));
      return conn;
    }
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT;
    ev.data.u64 = conn.index;
    conn.epoll_out = true;
    epoll_ctl(ep_, EPOLL_CTL_ADD, conn.fd, &ev);
    return conn;
  }

  // One round: wait up to `timeout_ms` for events, handle them, flush.
  void poll_once(int timeout_ms) {
    epoll_event events[512];
    int n = epoll_wait(ep_, events, 512, timeout_ms);
    for (int i = 0; i < n; ++i) {
      Conn* c = conn_at(events[i].data.u64);
      if (!c || c->phase == Phase::dead) continue;
      handle(*c, events[i].events);
    }
    flush_dirty();
  }

  // Fail connections still negotiating past their deadline.
  void check_deadlines() {
    std::int64_t t = now_ns();
    for (auto& c : conns_)
      if (c && !c->established && c->phase != Phase::dead && t > c->deadline) fail(*c, "login timed out");
  }

  // Queues text on an established connection (flushed at the end of the round).
  void write(Conn& c, std::string_view text) {
    if (c.phase == Phase::dead) return;
    c.out.append(text);
    mark_dirty(c);
  }

  void flush_dirty() {
    // flush() may fail a connection, which never adds to dirty_.
    for (std::size_t i = 0; i < dirty_.size(); ++i) {
      Conn* c = dirty_[i];
      c->dirty = false;
      if (c->phase != Phase::dead) flush(*c);
    }
    dirty_.clear();
  }

  void close_all() {
    for (auto& c : conns_)
      if (c) drop(*c);
  }

  std::size_t attempted() const { return attempted_; }
  std::size_t in_progress() const { return in_progress_; }
  std::size_t established() const { return established_; }
  std::size_t failed() const { return failed_; }
  std::size_t dropped() const { return dropped_; }
  const std::map<std::string, std::size_t>& failures() const { return failure_counts_; }
  Conn* conn_at(std::uint64_t i) { return i < conns_.size() ? conns_[i].get() : nullptr; }
  std::string mechanisms_json() const { return map_json(mechanisms_); }
  std::string failures_json() const { return map_json(failure_counts_); }

 private:
  void mark_dirty(Conn& c) {
    if (!c.dirty) {
      c.dirty = true;
      dirty_.push_back(&c);
    }
  }

  void set_epoll_out(Conn& c, bool on) {
    if (c.epoll_out == on || c.fd < 0) return;
    epoll_event ev{};
    ev.events = EPOLLIN | (on ? EPOLLOUT : 0u);
    ev.data.u64 = c.index;
    epoll_ctl(ep_, EPOLL_CTL_MOD, c.fd, &ev);
    c.epoll_out = on;
  }

  void handle(Conn& c, std::uint32_t events) {
    if (c.phase == Phase::connecting) {
      if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) return;
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) return fail(c, std::string("connect: ") + std::strerror(err));
      if (opt_.direct_tls) {
        start_tls(c);
      } else {
        c.phase = Phase::plain;
        c.session->start();
        drive(c);
      }
      return;
    }
    if (c.phase == Phase::handshake) return handshake(c);
    if (events & EPOLLIN || events & EPOLLERR || events & EPOLLHUP) read(c);
    if (c.phase != Phase::dead && (events & EPOLLOUT)) flush(c);
  }

  void start_tls(Conn& c) {
    c.ssl = SSL_new(ctx_);
    if (!c.ssl) return fail(c, "SSL_new: " + ssl_error_text());
    SSL_set_fd(c.ssl, c.fd);
    // SSL_set_tlsext_host_name is a macro with an old-style cast: call what it expands to.
    SSL_ctrl(c.ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, const_cast<char*>(opt_.domain.c_str()));
    SSL_set_connect_state(c.ssl);
    c.phase = Phase::handshake;
    handshake(c);
  }

  void handshake(Conn& c) {
    int r = SSL_do_handshake(c.ssl);
    if (r != 1) {
      int err = SSL_get_error(c.ssl, r);
      if (err == SSL_ERROR_WANT_READ) return set_epoll_out(c, false);
      if (err == SSL_ERROR_WANT_WRITE) return set_epoll_out(c, true);
      return fail(c, "TLS handshake: " + ssl_error_text());
    }
    set_epoll_out(c, false);
    c.phase = Phase::tls;
    xmpp::ClientTlsInfo info;
    if (opt_.channel_binding && (SSL_version(c.ssl) >= TLS1_3_VERSION || SSL_get_extms_support(c.ssl) == 1)) {
      static constexpr char label[] = "EXPORTER-Channel-Binding";
      info.exporter.resize(32);
      if (SSL_export_keying_material(c.ssl, info.exporter.data(), info.exporter.size(), label, sizeof label - 1,
                                     nullptr, 0, 0) != 1)
        info.exporter.clear();
    }
    c.session->tls_established(info);
    if (opt_.direct_tls) c.session->start();
    drive(c);
    // TLS may already hold decrypted application data.
    if (c.phase == Phase::tls && SSL_pending(c.ssl) > 0) read(c);
  }

  void read(Conn& c) {
    static std::uint8_t buf[65536];
    // Bounded: a fast server cannot keep us on one connection forever.
    for (int rounds = 0; rounds < 16 && c.phase != Phase::dead; ++rounds) {
      if (c.phase == Phase::plain) {
        ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
        if (n > 0) {
          c.session->handle_bytes(ByteView(buf, static_cast<std::size_t>(n)));
          drive(c);
          if (c.phase != Phase::plain) return;
          continue;
        }
        if (n == 0) return closed_by_peer(c);
        if (errno == EAGAIN || errno == EINTR) return;
        return fail(c, std::string("recv: ") + std::strerror(errno));
      }
      if (c.phase != Phase::tls) return;
      int n = SSL_read(c.ssl, buf, sizeof buf);
      if (n > 0) {
        c.session->handle_bytes(ByteView(buf, static_cast<std::size_t>(n)));
        drive(c);
        continue;
      }
      int err = SSL_get_error(c.ssl, n);
      if (err == SSL_ERROR_WANT_READ) return;
      if (err == SSL_ERROR_WANT_WRITE) return set_epoll_out(c, true);
      if (err == SSL_ERROR_ZERO_RETURN || (err == SSL_ERROR_SYSCALL && ERR_peek_error() == 0))
        return closed_by_peer(c);
      return fail(c, "TLS read: " + ssl_error_text());
    }
  }

  // After input: collect the session's output and stanzas, follow its state.
  void drive(Conn& c) {
    xmpp::ClientSession& s = *c.session;
    while (auto o = s.poll_output()) c.out += *o;
    if (!c.out.empty()) mark_dirty(c);
    if (c.phase == Phase::plain && s.wants_tls()) {
      // flush() starts the handshake once the last plaintext is out.
      if (c.dirty) {
        c.dirty = false;
        std::erase(dirty_, &c);
      }
      return flush(c);
    }
    auto state = s.state();
    if (state == xmpp::ClientState::established && !c.established) {
      c.established = true;
      --in_progress_;
      ++established_;
      ++mechanisms_[s.mechanism()];
      if (on_established) on_established(c);
    }
    if (c.established && on_stanza) {
      while (auto st = s.poll_stanza()) on_stanza(c, *st);
    } else {
      while (s.poll_stanza()) {
      }
    }
    if (state == xmpp::ClientState::failed) return fail(c, s.failure());
    if (state == xmpp::ClientState::closed) return closed_by_peer(c);
  }

  void flush(Conn& c) {
    while (c.out_off < c.out.size()) {
      const char* p = c.out.data() + c.out_off;
      std::size_t left = c.out.size() - c.out_off;
      if (c.phase == Phase::plain) {
        ssize_t n = ::send(c.fd, p, left, MSG_NOSIGNAL);
        if (n > 0) {
          c.out_off += static_cast<std::size_t>(n);
          continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) return set_epoll_out(c, true);
        return fail(c, std::string("send: ") + std::strerror(errno));
      }
      if (c.phase != Phase::tls) return;
      int n = SSL_write(c.ssl, p, static_cast<int>(std::min<std::size_t>(left, 1 << 20)));
      if (n > 0) {
        c.out_off += static_cast<std::size_t>(n);
        continue;
      }
      int err = SSL_get_error(c.ssl, n);
      if (err == SSL_ERROR_WANT_WRITE) return set_epoll_out(c, true);
      if (err == SSL_ERROR_WANT_READ) return;
      return fail(c, "TLS write: " + ssl_error_text());
    }
    c.out.clear();
    c.out_off = 0;
    if (c.phase == Phase::plain && c.session->wants_tls()) return start_tls(c);
    set_epoll_out(c, c.phase == Phase::connecting);
  }

  void closed_by_peer(Conn& c) {
    if (c.established) {
      ++dropped_;
      ++failure_counts_["closed by the server after login: " + std::string(c.session->failure())];
      drop(c);
      return;
    }
    fail(c, c.session && !c.session->failure().empty() ? c.session->failure() : "connection closed during login");
  }

  void fail(Conn& c, std::string why) {
    if (c.phase == Phase::dead) return;
    if (c.established) {
      ++dropped_;
      ++failure_counts_["after login: " + why];
    } else {
      ++failed_;
      --in_progress_;
      ++failure_counts_[why];
    }
    drop(c);
  }

  void drop(Conn& c) {
    if (c.ssl) {
      SSL_free(c.ssl);
      c.ssl = nullptr;
    }
    if (c.fd >= 0) {
      ::close(c.fd);  // also leaves epoll
      c.fd = -1;
    }
    c.phase = Phase::dead;
    c.session.reset();
    std::string().swap(c.out);
    c.out_off = 0;
  }

  const Options& opt_;
  int ep_ = -1;
  SSL_CTX* ctx_ = nullptr;
  SystemRng rng_;
  std::vector<std::unique_ptr<Conn>> conns_;
  std::vector<Conn*> dirty_;
  std::size_t attempted_ = 0, in_progress_ = 0, established_ = 0, failed_ = 0, dropped_ = 0;
  std::map<std::string, std::size_t> failure_counts_;
  std::map<std::string, std::size_t> mechanisms_;
};

// Opens accounts [from, to) with at most `concurrency` logins in progress;
// returns when every one is established or failed, or at the deadline.
bool open_sessions(Engine& e, const Options& o, std::size_t from, std::size_t to, const char* what,
                   std::int64_t deadline) {
  std::size_t next = from;
  std::int64_t last_progress = now_ns();
  std::int64_t last_deadline_check = 0;
  while (!g_quit) {
    while (next < to && e.in_progress() < o.concurrency) e.open(o.first + next++);
    if (next >= to && e.in_progress() == 0) return true;
    e.poll_once(20);
    std::int64_t t = now_ns();
    if (t - last_deadline_check > 100'000'000) {
      e.check_deadlines();
      last_deadline_check = t;
    }
    if (t - last_progress > 5'000'000'000) {
      std::fprintf(stderr, "bench_xmpp_load: %s: %zu established, %zu failed, %zu logging in, %zu to go\n", what,
                   e.established(), e.failed(), e.in_progress(), to - next);
      last_progress = t;
    }
    if (t > deadline) {
      std::fprintf(stderr, "bench_xmpp_load: %s: setup deadline reached\n", what);
      return false;
    }
  }
  return false;
}

void raise_nofile(std::size_t need) {
  rlimit rl{};
  getrlimit(RLIMIT_NOFILE, &rl);
  if (rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  getrlimit(RLIMIT_NOFILE, &rl);
  if (rl.rlim_cur < need + 64) {
    std::fprintf(stderr, "bench_xmpp_load: RLIMIT_NOFILE is %llu, %zu sessions need more (ulimit -n)\n",
                 static_cast<unsigned long long>(rl.rlim_cur), need);
    std::exit(2);
  }
}

std::string common_json(const Options& o) {
  return "\"name\":\"" + json_escape(o.name) + "\",\"target\":\"" + json_escape(o.target_text) + "\"";
}

// ---------------------------------------------------------------------------

int run_idle(const Options& o) {
  raise_nofile(o.steps.back());
  Engine e(o);
  std::string presence = "<presence/>";
  e.on_established = [&](Conn& c) { e.write(c, presence); };
  e.on_stanza = [](Conn&, const xmpp::Element&) {};
  std::size_t have = 0;
  int rc = 0;
  for (std::size_t step = 0; step < o.steps.size() && !g_quit; ++step) {
    std::size_t want = o.steps[step];
    const std::int64_t t0 = now_ns();
    const double cpu0 = self_cpu_seconds();
    std::string what = "idle step " + std::to_string(want);
    bool done = open_sessions(e, o, have, want, what.c_str(), t0 + seconds_ns(o.setup_timeout));
    // Let the last presences go out and the server settle a moment.
    for (std::int64_t end = now_ns() + 300'000'000; now_ns() < end && !g_quit;) e.poll_once(20);
    const double secs = static_cast<double>(now_ns() - t0) / 1e9;
    const double cpu = self_cpu_seconds() - cpu0;
    std::size_t up = e.established() - e.dropped();
    std::printf("{\"event\":\"up\",%s,\"step\":%zu,\"sessions_target\":%zu,\"sessions_up\":%zu,\"failed\":%zu,"
                "\"dropped\":%zu,\"setup_s\":%.2f,\"logins_per_second\":%.1f,\"load_cpu_s\":%.2f,"
                "\"complete\":%s,\"mechanisms\":%s,\"failures\":%s}\n",
                common_json(o).c_str(), step, want, up, e.failed(), e.dropped(), secs,
                secs > 0 ? static_cast<double>(want - have) / secs : 0.0, cpu, done ? "true" : "false",
                e.mechanisms_json().c_str(), e.failures_json().c_str());
    std::fflush(stdout);
    have = want;
    if (!done) {
      rc = 1;
      break;
    }
    // Hold: keep servicing the sessions until SIGUSR1 (next step, or the end).
    g_next = 0;
    const std::int64_t hold_end = now_ns() + seconds_ns(o.hold);
    while (!g_next && !g_quit && now_ns() < hold_end) e.poll_once(100);
    if (!g_next && !g_quit) {
      std::fprintf(stderr, "bench_xmpp_load: no SIGUSR1 within --hold %.0f s; ending\n", o.hold);
      break;
    }
  }
  std::printf("{\"event\":\"done\",%s,\"sessions_up\":%zu,\"failed\":%zu,\"dropped\":%zu}\n", common_json(o).c_str(),
              e.established() - e.dropped(), e.failed(), e.dropped());
  std::fflush(stdout);
  e.close_all();
  return rc;
}

// ---------------------------------------------------------------------------

struct Pair {
  Conn* a = nullptr;
  Conn* b = nullptr;
  std::string b_jid;
  std::size_t outstanding = 0;
  std::uint64_t next_seq = 0;
  std::uint64_t expect_seq = 0;
};

int run_messages(const Options& o) {
  const std::size_t sessions = 2 * o.pairs;
  raise_nofile(sessions);
  Engine e(o);
  std::vector<Pair> pairs(o.pairs);
  e.on_established = [&](Conn& c) { e.write(c, "<presence/>"); };

  // Account first+2i is A (sender) of pair i, first+2i+1 its B.
  const std::int64_t t_setup = now_ns();
  bool ok = open_sessions(e, o, 0, sessions, "message sessions", t_setup + seconds_ns(o.setup_timeout));
  const double setup_s = static_cast<double>(now_ns() - t_setup) / 1e9;
  if (!ok || e.established() < sessions) {
    std::printf("{\"event\":\"result\",\"mode\":\"messages\",%s,\"status\":\"login failed\",\"established\":%zu,"
                "\"failed\":%zu,\"failures\":%s}\n",
                common_json(o).c_str(), e.established(), e.failed(), e.failures_json().c_str());
    return 1;
  }
  for (std::size_t i = 0; i < sessions; ++i) {
    Conn* c = e.conn_at(i);
    Pair& p = pairs[i / 2];
    c->pair = i / 2;
    c->sender = (i % 2) == 0;
    (c->sender ? p.a : p.b) = c;
    if (!c->sender) p.b_jid = c->session->jid().str();
  }
  // Let presence echoes arrive before the clock starts.
  for (std::int64_t end = now_ns() + 500'000'000; now_ns() < end && !g_quit;) e.poll_once(20);

  const std::int64_t epoch = now_ns();
  const std::int64_t win_start = epoch + seconds_ns(o.warmup);
  const std::int64_t win_end = win_start + seconds_ns(o.duration);
  bool sending = true;
  std::uint64_t sent = 0, received = 0, in_window = 0, errors = 0, out_of_order = 0, unexpected = 0;
  std::vector<std::uint32_t> lat_us;
  lat_us.reserve(static_cast<std::size_t>(std::min<double>(o.duration * 200000.0, 20'000'000.0)));
  const std::string filler(o.body_bytes > 40 ? o.body_bytes - 40 : 0, 'x');

  std::string msg;
  auto send_one = [&](Pair& p) {
    if (!sending || sent >= o.max_messages) return;
    std::uint64_t seq = p.next_seq++;
    std::int64_t t = now_ns() - epoch;
    msg.clear();
    msg += "<message to='";
    msg += p.b_jid;
    msg += "' type='chat' id='m";
    msg += std::to_string(seq);
    msg += "'><body>";
    msg += std::to_string(seq);
    msg += ' ';
    msg += std::to_string(t);
    msg += ' ';
    msg += filler;
    msg += "</body></message>";
    e.write(*p.a, msg);
    ++p.outstanding;
    ++sent;
  };

  e.on_stanza = [&](Conn& c, const xmpp::Element& st) {
    if (!st.is("message", "jabber:client")) return;
    Pair& p = pairs[c.pair];
    if (st.attribute("type") == std::optional<std::string_view>("error")) {
      ++errors;
      if (p.outstanding > 0) --p.outstanding;
      send_one(p);
      return;
    }
    if (c.sender) {
      ++unexpected;
      return;
    }
    const xmpp::Element* body = st.child("body");
    if (!body) {
      ++unexpected;
      return;
    }
    std::string text = body->text();
    std::uint64_t seq = 0;
    std::int64_t ts = 0;
    auto sp = text.find(' ');
    if (sp == std::string::npos) {
      ++unexpected;
      return;
    }
    auto r1 = std::from_chars(text.data(), text.data() + sp, seq);
    auto sp2 = text.find(' ', sp + 1);
    auto r2 = std::from_chars(text.data() + sp + 1, text.data() + (sp2 == std::string::npos ? text.size() : sp2), ts);
    if (r1.ec != std::errc() || r2.ec != std::errc()) {
      ++unexpected;
      return;
    }
    const std::int64_t t = now_ns();
    if (seq != p.expect_seq) ++out_of_order;
    p.expect_seq = seq + 1;
    ++received;
    if (t >= win_start && t < win_end) {
      ++in_window;
      lat_us.push_back(static_cast<std::uint32_t>(std::min<std::int64_t>((t - epoch - ts) / 1000, 0xffffffff)));
    }
    if (p.outstanding > 0) --p.outstanding;
    send_one(p);
  };

  for (auto& p : pairs)
    for (std::size_t k = 0; k < o.in_flight; ++k) send_one(p);
  e.flush_dirty();

  double cpu_self0 = 0, cpu_self1 = 0;
  std::vector<double> srv0(o.server_pids.size()), srv1(o.server_pids.size());
  bool window_open = false, window_closed = false;
  std::int64_t w0 = 0, w1 = 0, drain_end = 0, last_check = 0;
  const std::size_t conns_before = e.established();
  while (!g_quit) {
    e.poll_once(5);
    std::int64_t t = now_ns();
    if (!window_open && t >= win_start) {
      window_open = true;
      w0 = t;
      cpu_self0 = self_cpu_seconds();
      for (std::size_t i = 0; i < o.server_pids.size(); ++i) srv0[i] = process_cpu_seconds(o.server_pids[i]);
    }
    if (window_open && !window_closed && t >= win_end) {
      window_closed = true;
      w1 = t;
      cpu_self1 = self_cpu_seconds();
      for (std::size_t i = 0; i < o.server_pids.size(); ++i) srv1[i] = process_cpu_seconds(o.server_pids[i]);
      sending = false;
      drain_end = t + seconds_ns(o.drain);
    }
    if (window_closed) {
      std::size_t outstanding = 0;
      for (auto& p : pairs) outstanding += p.outstanding;
      if (outstanding == 0 || t > drain_end) break;
    }
    if (t - last_check > 1'000'000'000) {
      last_check = t;
      if (e.dropped() > 0 && e.dropped() >= conns_before) break;  // everything is gone
    }
  }
  std::uint64_t lost = 0;
  for (auto& p : pairs) lost += p.outstanding;

  const double window_s = window_closed ? static_cast<double>(w1 - w0) / 1e9 : 0.0;
  auto pct = [&](double q) -> std::uint32_t {
    if (lat_us.empty()) return 0;
    std::size_t k = std::min(lat_us.size() - 1, static_cast<std::size_t>(q * static_cast<double>(lat_us.size())));
    std::nth_element(lat_us.begin(), lat_us.begin() + static_cast<std::ptrdiff_t>(k), lat_us.end());
    return lat_us[k];
  };
  std::uint32_t p50 = pct(0.50), p90 = pct(0.90), p99 = pct(0.99), p999 = pct(0.999);
  std::uint32_t mx = lat_us.empty() ? 0 : *std::max_element(lat_us.begin(), lat_us.end());
  double mean = 0;
  for (auto v : lat_us) mean += v;
  if (!lat_us.empty()) mean /= static_cast<double>(lat_us.size());
  double srv_cpu = -1;
  if (!o.server_pids.empty() && window_s > 0) {
    srv_cpu = 0;
    for (std::size_t i = 0; i < o.server_pids.size(); ++i)
      if (srv0[i] >= 0 && srv1[i] >= 0) srv_cpu += srv1[i] - srv0[i];
  }
  const double rate = window_s > 0 ? static_cast<double>(in_window) / window_s : 0.0;
  const char* status = !window_closed ? "interrupted" : (e.dropped() > 0 ? "sessions dropped" : "ok");
  std::printf(
      "{\"event\":\"result\",\"mode\":\"messages\",%s,\"status\":\"%s\",\"pairs\":%zu,\"in_flight\":%zu,"
      "\"body_bytes\":%zu,\"setup_s\":%.2f,\"warmup_s\":%.1f,\"window_s\":%.3f,\"delivered\":%llu,"
      "\"messages_per_second\":%.0f,\"latency_us\":{\"p50\":%u,\"p90\":%u,\"p99\":%u,\"p999\":%u,\"max\":%u,"
      "\"mean\":%.0f},\"sent_total\":%llu,\"received_total\":%llu,\"lost\":%llu,\"errors\":%llu,"
      "\"out_of_order\":%llu,\"unexpected\":%llu,\"dropped_sessions\":%zu,\"load_cpu_percent\":%.1f,"
      "\"server_cpu_percent\":%.1f,\"messages_per_server_cpu_second\":%.0f,\"mechanisms\":%s,\"failures\":%s}\n",
      common_json(o).c_str(), status, o.pairs, o.in_flight, o.body_bytes, setup_s, o.warmup, window_s,
      static_cast<unsigned long long>(in_window), rate, p50, p90, p99, p999, mx, mean,
      static_cast<unsigned long long>(sent), static_cast<unsigned long long>(received),
      static_cast<unsigned long long>(lost), static_cast<unsigned long long>(errors),
      static_cast<unsigned long long>(out_of_order), static_cast<unsigned long long>(unexpected), e.dropped(),
      window_s > 0 ? 100.0 * (cpu_self1 - cpu_self0) / window_s : 0.0,
      srv_cpu >= 0 ? 100.0 * srv_cpu / window_s : -1.0,
      srv_cpu > 0 ? static_cast<double>(in_window) / srv_cpu : 0.0, e.mechanisms_json().c_str(),
      e.failures_json().c_str());
  std::fflush(stdout);
  e.close_all();
  return std::string_view(status) == "ok" ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse_options(argc, argv);
  struct sigaction sa{};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGUSR1, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  return o.mode == "idle" ? run_idle(o) : run_messages(o);
}
