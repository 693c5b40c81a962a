// bench_stun_load: closed-loop load generator for STUN Binding (RFC 8489).
//
// N UDP sockets on loopback (distinct source ports), each keeping a window of
// W outstanding Binding requests: 20-byte header, magic cookie, random 96-bit
// transaction ID, no attributes. Sends with sendmmsg, receives with recvmmsg,
// one thread. A request unanswered after --timeout-ms is counted lost and its
// slot re-sent with a fresh transaction ID, so losses never stall the loop.
//
// Valid responses:
//   --expect stun  Binding success response (0x0101), magic cookie, sane
//                  length, transaction ID of a request still outstanding.
//   --expect echo  the request itself echoed back (bare echo ceiling).
//
// Runs --warmup seconds (not counted), then --duration seconds (counted), and
// stops early once --count requests have been sent. Prints one JSON line:
//   {"target":..., "responses_per_second":..., "sent":..., "received":..., "lost":..., ...}
// Only ever sends to loopback (127.0.0.0/8 or ::1).

#include <dirent.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "bench_common.hpp"

namespace {

constexpr unsigned kRecvBatch = 64;
constexpr unsigned kMaxWindow = 1024;
constexpr unsigned kMaxSockets = 1024;
constexpr std::size_t kRecvBuf = 1500;
constexpr std::size_t kReqLen = 20;
constexpr std::uint32_t kMagicCookie = 0x2112A442;
constexpr std::int64_t kScanIntervalNs = 5'000'000;  // timeout scan every 5 ms
constexpr std::int64_t kIdleWaitMaxMs = 5;           // epoll wait when idle
constexpr std::size_t kHistBuckets = 100'000;        // 1 us buckets up to 100 ms

volatile std::sig_atomic_t g_stop = 0;
extern "C" void on_signal(int) { g_stop = 1; }

// xoshiro256** seeded from getrandom: fast, good enough for transaction IDs.
class Rng {
 public:
  Rng() {
    if (getrandom(s_.data(), sizeof s_, 0) != static_cast<ssize_t>(sizeof s_)) {
      std::uint64_t x = static_cast<std::uint64_t>(bench::now_ns()) ^ 0x9E3779B97F4A7C15ULL;
      for (auto& v : s_) {  // splitmix64 fallback
        x += 0x9E3779B97F4A7C15ULL;
        std::uint64_t z = x;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        v = z ^ (z >> 31);
      }
    }
  }
  std::uint64_t next() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::array<std::uint64_t, 4> s_{};
};

// One socket's outstanding window. keys[i] == 0 means slot i is free; the
// transaction ID of slot i is keys[i] (8 bytes) followed by tails[i] (4 bytes).
struct Flow {
  int fd = -1;
  std::vector<std::uint64_t> keys;
  std::vector<std::uint32_t> tails;
  std::vector<std::int64_t> sent_ns;
  std::vector<std::array<unsigned char, kReqLen>> req;
  unsigned busy = 0;
};

struct Stats {
  std::uint64_t sent = 0;
  std::uint64_t received = 0;
  std::uint64_t lost = 0;     // timed out (then re-sent with a new ID)
  std::uint64_t stale = 0;    // well-formed, but ID not outstanding (late/dup)
  std::uint64_t invalid = 0;  // not a valid response at all
  std::uint64_t send_errors = 0;
};

enum class Expect { stun, echo };

struct Options {
  std::optional<bench::Endpoint> target;
  std::string label;
  Expect expect = Expect::stun;
  unsigned sockets = 16;
  unsigned window = 32;
  double duration = 5.0;
  double warmup = 1.0;
  double timeout_ms = 200.0;
  std::uint64_t count = 100'000'000;  // max requests sent in the whole run
  int server_pid = 0;                 // if set, report its CPU use while measuring
};

void usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s --target IP:PORT [options]\n"
               "  --expect stun|echo   what a valid answer is (default stun)\n"
               "  --sockets N          UDP sockets / source ports (default 16, max %u)\n"
               "  --window W           outstanding requests per socket (default 32, max %u)\n"
               "  --duration S         measured seconds (default 5)\n"
               "  --warmup S           unmeasured seconds first (default 1)\n"
               "  --timeout-ms MS      re-send after this long unanswered (default 200)\n"
               "  --count N            stop after sending N requests (default 100000000)\n"
               "  --server-pid PID     also report that process's CPU time while measuring\n"
               "  --label NAME         \"target\" field of the JSON (default: the address)\n"
               "Loopback targets only (127.0.0.0/8, ::1).\n",
               argv0, kMaxSockets, kMaxWindow);
}

std::optional<Options> parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "-h" || a == "--help") {
      usage(argv[0]);
      std::exit(0);
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "missing value or unknown option: %s\n", argv[i]);
      return std::nullopt;
    }
    const std::string_view v = argv[++i];
    bool ok = true;
    if (a == "--target") {
      o.target = bench::parse_endpoint(v);
      ok = o.target.has_value() && o.target->port() != 0;
    } else if (a == "--label") {
      o.label = std::string(v);
    } else if (a == "--expect") {
      if (v == "stun")
        o.expect = Expect::stun;
      else if (v == "echo")
        o.expect = Expect::echo;
      else
        ok = false;
    } else if (a == "--sockets") {
      const auto n = bench::parse_number<unsigned>(v);
      ok = n && *n >= 1 && *n <= kMaxSockets;
      if (ok) o.sockets = *n;
    } else if (a == "--window") {
      const auto n = bench::parse_number<unsigned>(v);
      ok = n && *n >= 1 && *n <= kMaxWindow;
      if (ok) o.window = *n;
    } else if (a == "--duration") {
      const auto d = bench::parse_seconds(v);
      ok = d && *d > 0.0;
      if (ok) o.duration = *d;
    } else if (a == "--warmup") {
      const auto d = bench::parse_seconds(v);
      ok = d.has_value();
      if (ok) o.warmup = *d;
    } else if (a == "--timeout-ms") {
      const auto d = bench::parse_number<double>(v);
      ok = d && *d >= 1.0 && *d <= 60'000.0;
      if (ok) o.timeout_ms = *d;
    } else if (a == "--server-pid") {
      const auto n = bench::parse_number<int>(v);
      ok = n && *n > 0;
      if (ok) o.server_pid = *n;
    } else if (a == "--count") {
      const auto n = bench::parse_number<std::uint64_t>(v);
      ok = n && *n >= 1;
      if (ok) o.count = *n;
    } else {
      std::fprintf(stderr, "unknown option: %s\n", argv[i - 1]);
      return std::nullopt;
    }
    if (!ok) {
      std::fprintf(stderr, "bad value for %s: %s\n", argv[i - 1], argv[i]);
      return std::nullopt;
    }
  }
  if (!o.target) {
    std::fprintf(stderr, "--target IP:PORT is required\n");
    return std::nullopt;
  }
  if (!o.target->is_loopback()) {
    std::fprintf(stderr, "refusing target %s: loopback only (127.0.0.0/8, ::1)\n",
                 o.target->to_string().c_str());
    return std::nullopt;
  }
  if (o.label.empty()) o.label = o.target->to_string();
  return o;
}

inline std::uint32_t load_be32(const unsigned char* p) {
  return (static_cast<std::uint32_t>(p[0]) << 24) | (static_cast<std::uint32_t>(p[1]) << 16) |
         (static_cast<std::uint32_t>(p[2]) << 8) | static_cast<std::uint32_t>(p[3]);
}
inline std::uint16_t load_be16(const unsigned char* p) {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}

// Fills a Binding request with a fresh random transaction ID (bytes 8..19).
void build_request(std::array<unsigned char, kReqLen>& b, Rng& rng) {
  std::uint64_t key = 0;
  while (key == 0) key = rng.next();  // 0 marks a free slot
  const auto tail = static_cast<std::uint32_t>(rng.next());
  b[0] = 0x00;  // Binding request
  b[1] = 0x01;
  b[2] = 0x00;  // message length: no attributes
  b[3] = 0x00;
  b[4] = 0x21;  // magic cookie 0x2112A442
  b[5] = 0x12;
  b[6] = 0xA4;
  b[7] = 0x42;
  std::memcpy(b.data() + 8, &key, sizeof key);
  std::memcpy(b.data() + 16, &tail, sizeof tail);
}

std::string json_escape(std::string_view in) {
  std::string out;
  for (const char c : in) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

// Checks the header; the ID check against the window is done by the caller.
bool valid_header(const unsigned char* p, std::size_t n, Expect expect) {
  if (n < kReqLen || load_be32(p + 4) != kMagicCookie) return false;
  const std::uint16_t type = load_be16(p);
  const std::uint16_t len = load_be16(p + 2);
  if (expect == Expect::echo) return n == kReqLen && type == 0x0001 && len == 0;
  return type == 0x0101 && (len % 4) == 0 && static_cast<std::size_t>(len) + kReqLen == n;
}

std::int64_t cpu_time_ns() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  const auto tv_ns = [](const timeval& tv) {
    return static_cast<std::int64_t>(tv.tv_sec) * 1'000'000'000 +
           static_cast<std::int64_t>(tv.tv_usec) * 1000;
  };
  return tv_ns(ru.ru_utime) + tv_ns(ru.ru_stime);
}

// CPU time (ns) of every thread of process `pid` so far, from
// /proc/PID/task/*/schedstat (first field: time on CPU); -1 if unreadable.
std::int64_t process_cpu_ns(int pid) {
  const std::string dir = "/proc/" + std::to_string(pid) + "/task";
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return -1;
  std::int64_t total = 0;
  // Bounded by the thread count of the process (readdir ends).
  for (const dirent* e = readdir(d); e != nullptr; e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    std::ifstream in(dir + "/" + e->d_name + "/schedstat");
    std::int64_t ns = 0;
    if (in >> ns) total += ns;
  }
  closedir(d);
  return total;
}

std::uint64_t percentile(const std::vector<std::uint32_t>& hist, std::uint64_t total, double q) {
  if (total == 0) return 0;
  const auto want = static_cast<std::uint64_t>(q * static_cast<double>(total));
  std::uint64_t acc = 0;
  for (std::size_t i = 0; i < hist.size(); ++i) {
    acc += hist[i];
    if (acc > want) return i;
  }
  return hist.size();
}

}  // namespace

int main(int argc, char** argv) {
  const auto opts = parse_args(argc, argv);
  if (!opts) {
    usage(argv[0]);
    return 2;
  }
  const Options& o = *opts;

  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  const int ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) {
    std::perror("epoll_create1");
    return 1;
  }

  // Source sockets: bound to an ephemeral port on the same loopback family,
  // connected to the target (the kernel then drops datagrams from elsewhere).
  bench::Endpoint local_any;
  if (o.target->family == AF_INET6) {
    local_any = *bench::parse_endpoint("[::1]:0");
  } else {
    local_any = *bench::parse_endpoint("127.0.0.1:0");
  }
  std::vector<Flow> flows(o.sockets);
  for (unsigned s = 0; s < o.sockets; ++s) {
    Flow& f = flows[s];
    f.fd = socket(o.target->family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (f.fd < 0) {
      std::perror("socket");
      return 1;
    }
    const int buf = 1 << 20;
    setsockopt(f.fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
    setsockopt(f.fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
    if (bind(f.fd, local_any.sa(), local_any.len) != 0 ||
        connect(f.fd, o.target->sa(), o.target->len) != 0) {
      std::fprintf(stderr, "bind/connect to %s: %s\n", o.target->to_string().c_str(),
                   std::strerror(errno));
      return 1;
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = s;
    epoll_ctl(ep, EPOLL_CTL_ADD, f.fd, &ev);
    f.keys.assign(o.window, 0);
    f.tails.assign(o.window, 0);
    f.sent_ns.assign(o.window, 0);
    f.req.resize(o.window);
  }

  Rng rng;
  Stats st;
  std::vector<std::uint32_t> hist(kHistBuckets + 1, 0);
  std::uint64_t rtt_count = 0;
  double rtt_sum_us = 0.0;

  std::array<std::array<unsigned char, kRecvBuf>, kRecvBatch> rbuf{};
  std::array<iovec, kRecvBatch> riov{};
  std::array<mmsghdr, kRecvBatch> rmsg{};
  std::vector<iovec> siov(o.window);
  std::vector<mmsghdr> smsg(o.window);
  std::vector<unsigned> sslot(o.window);
  std::array<epoll_event, 64> events{};

  const std::int64_t timeout_ns = static_cast<std::int64_t>(o.timeout_ms * 1e6);
  const std::int64_t t0 = bench::now_ns();
  const std::int64_t measure_from = t0 + bench::seconds_to_ns(o.warmup);
  const std::int64_t end = measure_from + bench::seconds_to_ns(o.duration);
  std::int64_t measure_start = measure_from;
  bool measuring = o.warmup <= 0.0;
  std::int64_t cpu_start = cpu_time_ns();
  std::int64_t server_cpu_start = o.server_pid != 0 ? process_cpu_ns(o.server_pid) : -1;
  std::int64_t last_scan = t0;
  std::uint64_t total_sent = 0;  // including warm-up; bounded by --count
  std::uint64_t outstanding = 0;
  std::int64_t now = t0;
  const std::uint64_t capacity = static_cast<std::uint64_t>(o.sockets) * o.window;
  // Hard cap on iterations besides the time bound (each iteration >= 1 syscall).
  const std::uint64_t max_iterations = 2'000'000'000ULL;

  // Drains one socket's answers and frees the matching slots.
  auto receive = [&](Flow& f) {
    // A batch at a time; bounded: at most window + kRecvBatch datagrams.
    for (unsigned round = 0; round <= o.window / kRecvBatch + 1; ++round) {
      for (unsigned i = 0; i < kRecvBatch; ++i) {
        riov[i] = {rbuf[i].data(), rbuf[i].size()};
        rmsg[i].msg_hdr = {};
        rmsg[i].msg_hdr.msg_iov = &riov[i];
        rmsg[i].msg_hdr.msg_iovlen = 1;
        rmsg[i].msg_len = 0;
      }
      const int n = recvmmsg(f.fd, rmsg.data(), kRecvBatch, MSG_DONTWAIT, nullptr);
      if (n <= 0) break;  // EAGAIN, or ECONNREFUSED while the server starts
      const std::int64_t rnow = bench::now_ns();
      for (unsigned i = 0; i < static_cast<unsigned>(n); ++i) {
        const unsigned char* p = rbuf[i].data();
        const std::size_t len = rmsg[i].msg_len;
        if ((rmsg[i].msg_hdr.msg_flags & MSG_TRUNC) != 0 || !valid_header(p, len, o.expect)) {
          ++st.invalid;
          continue;
        }
        std::uint64_t key = 0;
        std::uint32_t tail = 0;
        std::memcpy(&key, p + 8, sizeof key);
        std::memcpy(&tail, p + 16, sizeof tail);
        unsigned slot = o.window;
        for (unsigned k = 0; k < o.window; ++k) {
          if (f.keys[k] == key) {
            slot = k;
            break;
          }
        }
        if (slot == o.window || f.tails[slot] != tail) {
          ++st.stale;
          continue;
        }
        f.keys[slot] = 0;
        --f.busy;
        --outstanding;
        ++st.received;
        const std::int64_t rtt_ns = rnow - f.sent_ns[slot];
        const auto us = static_cast<std::size_t>(std::max<std::int64_t>(rtt_ns, 0) / 1000);
        ++hist[std::min(us, kHistBuckets)];
        rtt_sum_us += static_cast<double>(rtt_ns) / 1000.0;
        ++rtt_count;
      }
      if (static_cast<unsigned>(n) < kRecvBatch) break;
    }
  };

  // Refills one socket's window: every free slot gets a fresh request.
  auto refill = [&](Flow& f) {
    if (f.busy == o.window) return;
    unsigned m = 0;
    for (unsigned k = 0; k < o.window && total_sent + m < o.count; ++k) {
      if (f.keys[k] != 0) continue;
      sslot[m] = k;
      siov[m] = {f.req[k].data(), kReqLen};
      smsg[m].msg_hdr = {};
      smsg[m].msg_hdr.msg_iov = &siov[m];
      smsg[m].msg_hdr.msg_iovlen = 1;
      smsg[m].msg_len = 0;
      ++m;
    }
    // IDs are assigned only to what is about to be sent, so that a slot
    // the kernel refuses (buffer full) stays free and is retried later.
    for (unsigned j = 0; j < m; ++j) build_request(f.req[sslot[j]], rng);
    const int s = m == 0 ? 0 : sendmmsg(f.fd, smsg.data(), m, MSG_DONTWAIT);
    if (s < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ECONNREFUSED) ++st.send_errors;
      return;
    }
    const std::int64_t snow = bench::now_ns();
    for (unsigned j = 0; j < static_cast<unsigned>(s); ++j) {
      const unsigned k = sslot[j];
      std::memcpy(&f.keys[k], f.req[k].data() + 8, sizeof(std::uint64_t));
      std::memcpy(&f.tails[k], f.req[k].data() + 16, sizeof(std::uint32_t));
      f.sent_ns[k] = snow;
    }
    f.busy += static_cast<unsigned>(s);
    outstanding += static_cast<unsigned>(s);
    total_sent += static_cast<unsigned>(s);
    st.sent += static_cast<unsigned>(s);
  };

  for (std::uint64_t iter = 0; iter < max_iterations && g_stop == 0; ++iter) {
    now = bench::now_ns();
    if (now >= end) break;
    if (!measuring && now >= measure_from) {
      measuring = true;
      measure_start = now;
      cpu_start = cpu_time_ns();
      if (o.server_pid != 0) server_cpu_start = process_cpu_ns(o.server_pid);
      st = Stats{};
      std::fill(hist.begin(), hist.end(), 0);
      rtt_count = 0;
      rtt_sum_us = 0.0;
    }
    const bool may_send = total_sent < o.count;
    if (!may_send && outstanding == 0) break;

    // Block (bounded) only when every window is full: then only an answer
    // or a timeout can make progress. Only sockets with data are read.
    const bool can_send = may_send && outstanding < capacity;
    const std::int64_t left_ms = (end - now) / 1'000'000;
    const int wait_ms =
        can_send ? 0 : static_cast<int>(std::clamp<std::int64_t>(left_ms, 0, kIdleWaitMaxMs));
    const int nev = epoll_wait(ep, events.data(), static_cast<int>(events.size()), wait_ms);
    for (int e = 0; e < nev; ++e) receive(flows[events[static_cast<std::size_t>(e)].data.u32]);
    if (may_send) {
      for (Flow& f : flows) refill(f);
    }

    // Timeouts: an unanswered request is lost; freeing its slot makes the
    // next pass send a new request (new ID) in its place.
    now = bench::now_ns();
    if (now - last_scan >= kScanIntervalNs) {
      last_scan = now;
      for (Flow& f : flows) {
        for (unsigned k = 0; k < o.window; ++k) {
          if (f.keys[k] != 0 && now - f.sent_ns[k] > timeout_ns) {
            f.keys[k] = 0;
            --f.busy;
            --outstanding;
            ++st.lost;
          }
        }
      }
    }
  }
  now = bench::now_ns();
  const std::int64_t server_cpu_end = o.server_pid != 0 ? process_cpu_ns(o.server_pid) : -1;
  for (Flow& f : flows) close(f.fd);
  close(ep);

  const double secs = measuring ? static_cast<double>(now - measure_start) / 1e9 : 0.0;
  const double rps = secs > 0.0 ? static_cast<double>(st.received) / secs : 0.0;
  // This process's CPU use while measuring: near 100% means the result may
  // be bounded by the load generator rather than by the server.
  const double load_cpu =
      secs > 0.0 ? 100.0 * static_cast<double>(cpu_time_ns() - cpu_start) / 1e9 / secs : 0.0;
  // The server's CPU use in the same window, and responses per CPU-second
  // of the server: less sensitive than the raw rate to other work sharing
  // the server's core (the kernel's loopback delivery is charged to the
  // sender, so both sides pay part of the network cost).
  std::string server_fields;
  if (server_cpu_start >= 0 && server_cpu_end >= server_cpu_start && secs > 0.0) {
    const double server_cpu_s = static_cast<double>(server_cpu_end - server_cpu_start) / 1e9;
    char buf[160];
    std::snprintf(buf, sizeof buf,
                  ",\"server_cpu_percent\":%.1f,\"responses_per_server_cpu_second\":%.0f",
                  100.0 * server_cpu_s / secs,
                  server_cpu_s > 0.0 ? static_cast<double>(st.received) / server_cpu_s : 0.0);
    server_fields = buf;
  }
  const char* expect = o.expect == Expect::echo ? "echo" : "stun";
  std::printf(
      "{\"target\":\"%s\",\"responses_per_second\":%.0f,\"sent\":%llu,\"received\":%llu,"
      "\"lost\":%llu,\"stale\":%llu,\"invalid\":%llu,\"send_errors\":%llu,"
      "\"outstanding_at_end\":%llu,\"seconds\":%.3f,\"address\":\"%s\",\"expect\":\"%s\","
      "\"sockets\":%u,\"window\":%u,\"rtt_avg_us\":%.1f,\"rtt_p50_us\":%llu,\"rtt_p99_us\":%llu,"
      "\"load_cpu_percent\":%.0f%s%s}\n",
      json_escape(o.label).c_str(), rps, static_cast<unsigned long long>(st.sent),
      static_cast<unsigned long long>(st.received), static_cast<unsigned long long>(st.lost),
      static_cast<unsigned long long>(st.stale), static_cast<unsigned long long>(st.invalid),
      static_cast<unsigned long long>(st.send_errors), static_cast<unsigned long long>(outstanding),
      secs, o.target->to_string().c_str(), expect, o.sockets, o.window,
      rtt_count != 0 ? rtt_sum_us / static_cast<double>(rtt_count) : 0.0,
      static_cast<unsigned long long>(percentile(hist, rtt_count, 0.50)),
      static_cast<unsigned long long>(percentile(hist, rtt_count, 0.99)), load_cpu,
      server_fields.c_str(), g_stop != 0 ? ",\"interrupted\":true" : "");
  if (st.received == 0) {
    std::fprintf(stderr, "bench_stun_load: no valid responses from %s\n",
                 o.target->to_string().c_str());
    return 3;
  }
  return 0;
}
