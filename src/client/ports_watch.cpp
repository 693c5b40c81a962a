// `confab ports --watch`: polls the watched processes' sockets and prints
// what changed (diag::SocketWatch decides), one timestamped line per event,
// until --duration or Ctrl-C; then every port they touched. Between polls
// the kernel's socket trace events (socket_trace_session.*) report what a
// poll would miss: a socket opened and closed in between.
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>

#include <chrono>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "client/exit_codes.hpp"
#include "client/ports_live.hpp"
#include "client/socket_trace_session.hpp"
#include "core/time.hpp"
#include "diag/socket_watch.hpp"

namespace confab::client {

namespace {

// "12:00:01.200" in local time.
std::string clock_text(diag::WallTime t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  const time_t secs = static_cast<time_t>(ms / 1000);
  tm local{};
  ::localtime_r(&secs, &local);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02d:%02d:%02d.%03d", local.tm_hour, local.tm_min, local.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

long long unix_ms(diag::WallTime t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

void print_event(const diag::WatchEvent& e, bool json) {
  if (json) {
    nlohmann::json j = e.socket ? socket_json(*e.socket) : nlohmann::json::object();
    j["time"] = clock_text(e.at);
    j["unix_ms"] = unix_ms(e.at);
    j["event"] = diag::to_string(e.kind);
    j["pid"] = e.process.pid;
    j["process"] = e.process.name;
    j["source"] = e.traced ? "trace" : "poll";
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("%s %s pid %d %s\n", clock_text(e.at).c_str(), e.process.name.c_str(), e.process.pid,
                diag::describe(e).c_str());
  }
  std::fflush(stdout);  // a line as it happens, also into a pipe
}

void print_summary(const std::vector<diag::PortTouch>& touches, double seconds, unsigned polls, bool json) {
  if (json) {
    nlohmann::json ports = nlohmann::json::array();
    for (const auto& t : touches)
      ports.push_back({{"process", t.process}, {"proto", diag::to_string(t.proto)}, {"role", t.role},
                       {"endpoint", t.endpoint}, {"service", t.service}, {"sockets", t.sockets},
                       {"first_seen", clock_text(t.first_seen)}});
    nlohmann::json j = {{"event", "summary"}, {"seconds", seconds}, {"polls", polls}, {"ports", ports}};
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("\nsummary: %.1f s, %u polls; %zu port%s touched\n", seconds, polls, touches.size(),
                touches.size() == 1 ? "" : "s");
    if (!touches.empty())
      std::printf("  %-15s %-8s %-5s %-27s %-14s %-7s %s\n", "PROCESS", "ROLE", "PROTO", "ENDPOINT", "SERVICE",
                  "SOCKETS", "FIRST SEEN");
    for (const auto& t : touches)
      std::printf("  %-15s %-8s %-5s %-27s %-14s %-7zu %s\n", t.process.c_str(), t.role.c_str(),
                  diag::to_string(t.proto), t.endpoint.c_str(), t.service.c_str(), t.sockets,
                  clock_text(t.first_seen).c_str());
  }
  std::fflush(stdout);
}

}  // namespace

namespace {

// The task names the kernel may filter on. Empty: every task (--all, or
// --pid: a process's name changes when it execs, its pid does not).
std::vector<std::string> trace_names(const ProcessFilter& f) {
  if (f.all || !f.pids.empty()) return {};
  return f.names;
}

// The watched process a traced task belongs to, if any.
std::optional<diag::ProcessRef> traced_owner(const diag::SocketTraceEvent& t, const ProcessFilter& f) {
  const std::int32_t pid = t.tgid != 0 ? t.tgid : t.tid;
  if (pid == f.exclude_pid) return std::nullopt;
  diag::ProcessRef p{pid, t.comm};
  if (f.all || std::find(f.pids.begin(), f.pids.end(), pid) != f.pids.end()) return p;
  for (auto name : f.names) {
    if (name.size() > 15) name.resize(15);
    if (name == t.comm) return p;
  }
  return std::nullopt;
}

// When a trace event happened: the session sets the trace clock to
// CLOCK_MONOTONIC, which is steady_clock here.
diag::WallTime trace_wall_time(double monotonic_seconds) {
  const auto ago = std::chrono::duration<double>(
      std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count() - monotonic_seconds);
  const auto wall = std::chrono::system_clock::now();
  if (ago.count() < 0 || ago.count() > 3600) return wall;  // not the clock we set: use "now"
  return wall - std::chrono::duration_cast<std::chrono::system_clock::duration>(ago);
}

}  // namespace

int run_ports_watch(const PortsCliOptions& o, const std::vector<diag::CatalogEntry>& catalog) {
  const auto filter = process_filter(o);
  // Ctrl-C and SIGTERM end the watch with the summary: blocked here and
  // read from a signalfd, polled with the trace between polls.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  ::sigprocmask(SIG_BLOCK, &stop_signals, nullptr);
  const int signal_fd = ::signalfd(-1, &stop_signals, SFD_CLOEXEC | SFD_NONBLOCK);
  if (signal_fd < 0) {
    std::fprintf(stderr, "confab ports: signalfd: %s\n", std::strerror(errno));
    return exit_internal;
  }

  std::string what = o.all ? "every process" : "";
  for (auto pid : filter.pids) what += (what.empty() ? "pid " : ", pid ") + std::to_string(pid);
  for (const auto& n : filter.names) what += (what.empty() ? "" : ", ") + n;

  std::unique_ptr<SocketTraceSession> trace;
  std::string trace_note = "polling only (--no-trace): a socket opened and closed between two polls is missed";
  if (!o.no_trace) {
    auto t = SocketTraceSession::open(trace_names(filter));
    if (t) {
      trace = std::move(*t);
      trace_note = "with the kernel's socket trace events";
    } else {
      trace_note = "polling only (kernel trace unavailable: " + t.error() +
                   "): a socket opened and closed between two polls is missed";
    }
  }
  std::fprintf(stderr, "confab ports: watching %s every %u ms, %s%s\n", what.c_str(), o.interval_ms,
               trace_note.c_str(), o.duration > 0 ? "" : " (Ctrl-C to stop)");

  diag::SocketWatch watch;
  const Instant start = Clock::now();
  const auto interval = std::chrono::milliseconds(o.interval_ms);
  const auto deadline = start + std::chrono::duration_cast<Duration>(std::chrono::duration<double>(o.duration));
  unsigned polls = 0;
  bool warned_fallback = false;
  bool stop = false;
  Instant next_poll = start;
  auto take_trace = [&](bool& poll_now) {
    if (!trace) return;
    for (const auto& t : trace->read_available()) {
      if (t.kind == diag::TraceKind::bound) {
        // No address in the event: read the table now, while the socket is there.
        if (traced_owner(t, filter)) poll_now = true;
        continue;
      }
      const auto owner = t.kind == diag::TraceKind::accept ? std::nullopt : traced_owner(t, filter);
      if (t.kind != diag::TraceKind::accept && !owner) continue;
      for (const auto& e : watch.observe_traced(trace_wall_time(t.uptime), t, owner, catalog)) print_event(e, o.json);
    }
  };
  while (!stop) {
    // Trace events first: they happened before this poll.
    bool poll_now = false;
    take_trace(poll_now);
    auto snap = take_snapshot(filter, o.proc_net, catalog);
    if (!snap) {
      std::fprintf(stderr, "confab ports: cannot read the socket table: %s\n", snap.error().c_str());
      ::close(signal_fd);
      return exit_internal;
    }
    if (!snap->from_netlink && !warned_fallback) {
      std::fprintf(stderr, "confab ports: netlink sock_diag unavailable (%s): reading /proc/net instead\n",
                   snap->fallback_reason.c_str());
      warned_fallback = true;
    }
    ++polls;
    for (const auto& e : watch.observe(std::chrono::system_clock::now(), {snap->processes, snap->sockets}))
      print_event(e, o.json);

    Instant now = Clock::now();
    if (o.duration > 0 && now >= deadline) break;
    next_poll += interval;
    if (next_poll < now) next_poll = now;  // a slow poll: go on at once rather than catch up in a burst
    if (o.duration > 0 && next_poll > deadline) next_poll = deadline;
    // Wait for the next poll, a signal, or trace events (taken as they come,
    // so each line has the time it happened, near enough).
    while (!stop && (now = Clock::now()) < next_poll && !poll_now) {
      pollfd fds[2] = {{signal_fd, POLLIN, 0}, {trace ? trace->fd() : -1, POLLIN, 0}};
      const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next_poll - now).count() + 1;
      if (::poll(fds, trace ? 2 : 1, static_cast<int>(std::min<long long>(wait, 1000))) < 0 && errno != EINTR) break;
      if (fds[0].revents & POLLIN) stop = true;
      if (trace && (fds[1].revents & POLLIN)) take_trace(poll_now);
    }
    if (poll_now) next_poll = Clock::now();
  }
  bool unused = false;
  take_trace(unused);
  ::close(signal_fd);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (trace && trace->lost() > 0)
    std::fprintf(stderr, "confab ports: the kernel dropped %llu trace events (its buffer was full)\n",
                 static_cast<unsigned long long>(trace->lost()));
  print_summary(watch.summary(), seconds, polls, o.json);
  return exit_ok;
}

}  // namespace confab::client
