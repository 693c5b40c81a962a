// `confab ports --watch`: polls the watched processes' sockets and prints
// what changed (diag::SocketWatch decides), one timestamped line per event,
// until --duration or Ctrl-C; then every port they touched.
#include <signal.h>
#include <time.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "client/exit_codes.hpp"
#include "client/ports_live.hpp"
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

int run_ports_watch(const PortsCliOptions& o, const std::vector<diag::CatalogEntry>& catalog) {
  const auto filter = process_filter(o);
  // Ctrl-C and SIGTERM end the watch with the summary: blocked here and
  // taken with sigtimedwait, which is also the wait between polls.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  ::sigprocmask(SIG_BLOCK, &stop_signals, nullptr);

  std::string what = o.all ? "every process" : "";
  for (auto pid : filter.pids) what += (what.empty() ? "pid " : ", pid ") + std::to_string(pid);
  for (const auto& n : filter.names) what += (what.empty() ? "" : ", ") + n;
  std::fprintf(stderr, "confab ports: watching %s every %u ms%s\n", what.c_str(), o.interval_ms,
               o.duration > 0 ? "" : " (Ctrl-C to stop)");

  diag::SocketWatch watch;
  const Instant start = Clock::now();
  const auto interval = std::chrono::milliseconds(o.interval_ms);
  const auto deadline = start + std::chrono::duration_cast<Duration>(std::chrono::duration<double>(o.duration));
  unsigned polls = 0;
  bool warned_fallback = false;
  for (;;) {
    auto snap = take_snapshot(filter, o.proc_net, catalog);
    if (!snap) {
      std::fprintf(stderr, "confab ports: cannot read the socket table: %s\n", snap.error().c_str());
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

    const Instant now = Clock::now();
    if (o.duration > 0 && now >= deadline) break;
    Instant next = start + interval * polls;
    if (next < now) next = now;  // a slow poll: go on at once rather than catch up in a burst
    if (o.duration > 0 && next > deadline) next = deadline;
    const auto wait = std::chrono::duration_cast<std::chrono::nanoseconds>(next - now);
    timespec ts{static_cast<time_t>(wait.count() / 1'000'000'000), static_cast<long>(wait.count() % 1'000'000'000)};
    if (::sigtimedwait(&stop_signals, nullptr, &ts) > 0) break;
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  print_summary(watch.summary(), seconds, polls, o.json);
  return exit_ok;
}

}  // namespace confab::client
