// bench_udp_echo: a bare single-thread UDP echo server, recvmmsg/sendmmsg in
// batches of 64. It does nothing per datagram but send it back, so its rate is
// the ceiling this machine's kernel gives a one-core UDP request/response
// server; the reflector benchmark reports confabd as a fraction of it.
//
//   bench_udp_echo --bind 127.0.0.1:PORT [--duration S]
//
// Port 0 picks a free port. Prints "listening ADDR:PORT" on stdout once bound
// and a one-line JSON summary on stdout when it stops (after --duration
// seconds, default 60, or on SIGINT/SIGTERM).

#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "bench_common.hpp"

namespace {

constexpr unsigned kBatch = 64;
constexpr std::size_t kMaxDatagram = 2048;

volatile std::sig_atomic_t g_stop = 0;
extern "C" void on_signal(int) { g_stop = 1; }

void usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s --bind IP:PORT [--duration SECONDS]\n"
               "  bare UDP echo (recvmmsg/sendmmsg, batch %u); loopback addresses only\n",
               argv0, kBatch);
}

}  // namespace

int main(int argc, char** argv) {
  std::optional<bench::Endpoint> bind_ep;
  double duration = 60.0;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--bind" && has_value) {
      bind_ep = bench::parse_endpoint(argv[++i]);
      if (!bind_ep) {
        std::fprintf(stderr, "bad --bind address: %s\n", argv[i]);
        return 2;
      }
    } else if (a == "--duration" && has_value) {
      const auto d = bench::parse_seconds(argv[++i]);
      if (!d || *d <= 0.0) {
        std::fprintf(stderr, "bad --duration: %s\n", argv[i]);
        return 2;
      }
      duration = *d;
    } else if (a == "-h" || a == "--help") {
      usage(argv[0]);
      return 0;
    } else {
      usage(argv[0]);
      return 2;
    }
  }
  if (!bind_ep) {
    usage(argv[0]);
    return 2;
  }
  if (!bind_ep->is_loopback()) {
    std::fprintf(stderr, "refusing to bind %s: loopback only (127.0.0.0/8, ::1)\n",
                 bind_ep->to_string().c_str());
    return 2;
  }

  struct sigaction sa {};
  sa.sa_handler = on_signal;  // no SA_RESTART: recvmmsg returns EINTR
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  const int fd = socket(bind_ep->family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    std::perror("socket");
    return 1;
  }
  const int buf = 4 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
  // Wake up regularly so --duration and signals are honoured while idle.
  timeval tv{0, 100'000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (bind(fd, bind_ep->sa(), bind_ep->len) != 0) {
    std::fprintf(stderr, "bind %s: %s\n", bind_ep->to_string().c_str(), std::strerror(errno));
    return 1;
  }
  bench::Endpoint local = *bind_ep;
  local.len = sizeof local.ss;
  getsockname(fd, local.sa(), &local.len);
  std::printf("listening %s\n", local.to_string().c_str());
  std::fflush(stdout);

  static std::array<std::array<char, kMaxDatagram>, kBatch> data{};
  std::array<iovec, kBatch> iov{};
  std::array<sockaddr_storage, kBatch> peers{};
  std::array<mmsghdr, kBatch> msgs{};

  const std::int64_t deadline = bench::now_ns() + bench::seconds_to_ns(duration);
  std::uint64_t echoed = 0;
  std::uint64_t dropped = 0;
  std::uint64_t batches = 0;
  // Bounded: ends at the deadline (checked every batch; recv wakes at least
  // every 100 ms) or on a signal.
  while (g_stop == 0 && bench::now_ns() < deadline) {
    for (unsigned i = 0; i < kBatch; ++i) {
      iov[i] = {data[i].data(), data[i].size()};
      msgs[i].msg_hdr = {};
      msgs[i].msg_hdr.msg_name = &peers[i];
      msgs[i].msg_hdr.msg_namelen = sizeof peers[i];
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
      msgs[i].msg_len = 0;
    }
    const int n = recvmmsg(fd, msgs.data(), kBatch, MSG_WAITFORONE, nullptr);
    if (n <= 0) {
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        std::perror("recvmmsg");
        break;
      }
      continue;
    }
    ++batches;
    const auto count = static_cast<unsigned>(n);
    for (unsigned i = 0; i < count; ++i) iov[i].iov_len = msgs[i].msg_len;
    unsigned off = 0;
    // At most kBatch attempts: each either sends >= 1 or drops the rest.
    for (unsigned attempt = 0; off < count && attempt < kBatch; ++attempt) {
      const int s = sendmmsg(fd, msgs.data() + off, count - off, 0);
      if (s <= 0) {
        if (s < 0 && errno == EINTR) continue;
        break;  // buffer full or peer gone: drop the rest, like any UDP server
      }
      off += static_cast<unsigned>(s);
    }
    echoed += off;
    dropped += count - off;
  }
  close(fd);
  std::printf(
      "{\"echoed\":%llu,\"dropped\":%llu,\"avg_batch\":%.2f}\n",
      static_cast<unsigned long long>(echoed), static_cast<unsigned long long>(dropped),
      batches != 0 ? static_cast<double>(echoed + dropped) / static_cast<double>(batches) : 0.0);
  return 0;
}
