#include "client/socket_trace_session.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <string_view>

namespace confab::client {

namespace {

bool is_dir(const std::string& p) {
  struct stat st{};
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// Writes `text` to a tracefs control file; the kernel takes it whole or refuses it.
bool write_file(const std::string& path, std::string_view text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (fd < 0) return false;
  const ssize_t n = ::write(fd, text.data(), text.size());
  ::close(fd);
  return n == static_cast<ssize_t>(text.size());
}

std::string tracefs_root() {
  for (const char* p : {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"})
    if (is_dir(std::string(p) + "/instances")) return p;
  return {};
}

constexpr std::string_view instance_prefix = "confab-ports-";

// Instances of watches that were killed before they could remove theirs.
void remove_orphans(const std::string& instances) {
  DIR* d = ::opendir(instances.c_str());
  if (!d) return;
  while (dirent* e = ::readdir(d)) {
    std::string_view name = e->d_name;
    if (!name.starts_with(instance_prefix)) continue;
    int pid = 0;
    auto digits = name.substr(instance_prefix.size());
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), pid);
    if (ec != std::errc() || p != digits.data() + digits.size() || pid <= 0) continue;
    if (::kill(pid, 0) != 0 && errno == ESRCH) ::rmdir((instances + "/" + std::string(name)).c_str());
  }
  ::closedir(d);
}

// `comm == "confabd" || comm == "confab"`; empty when a name cannot be put
// in a filter (then every task's events come and the watch picks).
std::string comm_filter(const std::vector<std::string>& comms) {
  std::string out;
  for (auto name : comms) {
    if (name.size() > 15) name.resize(15);  // the kernel keeps 15 bytes of a task's name
    if (name.empty() || name.find_first_of("\"\\") != std::string::npos) return {};
    out += (out.empty() ? "" : " || ") + std::string("comm == \"") + name + "\"";
  }
  return out;
}

}  // namespace

Result<std::unique_ptr<SocketTraceSession>, std::string> SocketTraceSession::open(
    const std::vector<std::string>& comms) {
  const std::string root = tracefs_root();
  if (root.empty()) return unexpected(std::string("tracefs is not mounted (/sys/kernel/tracing)"));
  remove_orphans(root + "/instances");

  std::unique_ptr<SocketTraceSession> s(new SocketTraceSession);
  s->dir_ = root + "/instances/" + std::string(instance_prefix) + std::to_string(::getpid());
  if (::mkdir(s->dir_.c_str(), 0700) != 0) {
    const int err = errno;
    s->dir_.clear();
    return unexpected(std::string("cannot create a tracefs instance: ") + std::strerror(err) +
                      (err == EACCES || err == EPERM ? " (needs root)" : ""));
  }
  // The task's process id on every line: events come from threads.
  write_file(s->dir_ + "/options/record-tgid", "1");
  write_file(s->dir_ + "/buffer_size_kb", "2048");
  // Stamps in CLOCK_MONOTONIC, which the watch converts to wall time.
  write_file(s->dir_ + "/trace_clock", "mono");

  const std::string names = comm_filter(comms);
  struct Event {
    const char* path;
    std::string filter;
  };
  const Event events[] = {
      // An accepted connection completes in softirq, under whichever task ran.
      {"sock/inet_sock_set_state",
       names.empty() ? "" : "(" + names + ") || (oldstate == 3 && newstate == 1)"},
      {"fib/fib_table_lookup", names},
      {"fib6/fib6_table_lookup", names},
      {"syscalls/sys_exit_bind", names},
  };
  for (const auto& e : events) {
    const std::string dir = s->dir_ + "/events/" + e.path;
    if (!is_dir(dir)) continue;  // a kernel without it: the others still help
    // A filter the kernel refuses (too many terms) is left out: the watch
    // picks its processes itself.
    if (!e.filter.empty() && !write_file(dir + "/filter", e.filter)) write_file(dir + "/filter", "0");
    if (write_file(dir + "/enable", "1")) s->enabled_.push_back(dir + "/enable");
  }
  if (s->enabled_.empty()) return unexpected(std::string("this kernel has none of the socket trace events"));
  s->pipe_fd_ = ::open((s->dir_ + "/trace_pipe").c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (s->pipe_fd_ < 0) return unexpected(std::string("cannot open trace_pipe: ") + std::strerror(errno));
  return s;
}

SocketTraceSession::~SocketTraceSession() {
  if (pipe_fd_ >= 0) ::close(pipe_fd_);
  for (const auto& enable : enabled_) write_file(enable, "0");
  if (!dir_.empty()) ::rmdir(dir_.c_str());
}

std::vector<diag::SocketTraceEvent> SocketTraceSession::read_available() {
  std::vector<diag::SocketTraceEvent> out;
  char buf[65536];
  // Bounded: a busy machine must not keep us here past the next poll.
  for (int round = 0; round < 64; ++round) {
    const ssize_t n = ::read(pipe_fd_, buf, sizeof buf);
    if (n <= 0) break;
    partial_.append(buf, static_cast<std::size_t>(n));
    std::size_t start = 0;
    for (std::size_t nl; (nl = partial_.find('\n', start)) != std::string::npos; start = nl + 1) {
      const std::string_view line(partial_.data() + start, nl - start);
      // "CPU:1 [LOST 42 EVENTS]"
      if (auto lost = line.find("[LOST "); lost != std::string_view::npos) {
        std::uint64_t count = 0;
        auto digits = line.substr(lost + 6);
        std::from_chars(digits.data(), digits.data() + digits.size(), count);
        lost_ += count;
        continue;
      }
      if (auto e = diag::parse_socket_trace_line(line)) out.push_back(std::move(*e));
    }
    partial_.erase(0, start);
    if (partial_.size() > 65536) partial_.clear();  // not a trace line: no line is that long
  }
  return out;
}

}  // namespace confab::client
