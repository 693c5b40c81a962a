#include "client/socket_inspector.hpp"

#include <dirent.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>

#include "diag/proc_net.hpp"
#include "diag/sock_diag.hpp"

namespace confab::client {

namespace {

// Closes the descriptor on every path out.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

std::optional<std::int32_t> as_pid(std::string_view s) {
  std::int32_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v <= 0) return std::nullopt;
  return v;
}

// One dump (one protocol and family) over an open NETLINK_SOCK_DIAG socket.
Result<std::monostate, std::string> dump(int fd, const diag::SockDiagQuery& q, std::vector<diag::SocketRecord>& out) {
  const Bytes request = diag::dump_request(q);
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(fd, request.data(), request.size(), 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) < 0)
    return unexpected(std::string("netlink send: ") + std::strerror(errno));
  std::vector<std::uint8_t> buf(64 * 1024);
  for (int datagrams = 0; datagrams < 100000; ++datagrams) {  // bounded: a dump ends with NLMSG_DONE
    const ssize_t n = ::recv(fd, buf.data(), buf.size(), MSG_TRUNC);
    if (n < 0) return unexpected(std::string("netlink receive: ") + std::strerror(errno));
    if (static_cast<std::size_t>(n) > buf.size())
      return unexpected("netlink receive: a " + std::to_string(n) + "-byte datagram did not fit");
    auto chunk = diag::parse_dump_datagram(ByteView(buf.data(), static_cast<std::size_t>(n)), q);
    if (!chunk) return unexpected(chunk.error().message());
    out.insert(out.end(), chunk->sockets.begin(), chunk->sockets.end());
    if (chunk->done) return std::monostate{};
  }
  return unexpected(std::string("netlink: the dump did not end"));
}

Result<std::vector<diag::SocketRecord>, std::string> read_netlink() {
  Fd fd{::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG)};
  if (fd.fd < 0) return unexpected(std::string("no NETLINK_SOCK_DIAG socket: ") + std::strerror(errno));
  timeval tv{2, 0};  // a kernel that never answers must not hang the CLI
  ::setsockopt(fd.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::vector<diag::SocketRecord> out;
  std::uint32_t sequence = 0;
  for (auto proto : {diag::Proto::tcp, diag::Proto::udp})
    for (auto family : {IpFamily::v4, IpFamily::v6}) {
      auto done = dump(fd.fd, {proto, family, ++sequence}, out);
      if (!done) return unexpected(done.error());
    }
  return out;
}

Result<std::vector<diag::SocketRecord>, std::string> read_proc_net() {
  std::vector<diag::SocketRecord> out;
  struct Table {
    const char* path;
    diag::Proto proto;
    IpFamily family;
  };
  for (const Table& t : {Table{"/proc/net/tcp", diag::Proto::tcp, IpFamily::v4},
                         Table{"/proc/net/tcp6", diag::Proto::tcp, IpFamily::v6},
                         Table{"/proc/net/udp", diag::Proto::udp, IpFamily::v4},
                         Table{"/proc/net/udp6", diag::Proto::udp, IpFamily::v6}}) {
    std::ifstream in(t.path);
    if (!in) continue;  // no IPv6 in this kernel: no table
    std::stringstream text;
    text << in.rdbuf();
    auto parsed = diag::parse_proc_net(text.str(), t.proto, t.family);
    if (!parsed) return unexpected(std::string(t.path) + ": " + parsed.error().message());
    out.insert(out.end(), parsed->begin(), parsed->end());
  }
  return out;
}

std::string first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

// argv[0]'s base name, for names longer than comm's 15 characters.
std::string argv0_name(std::int32_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline");
  std::string argv0;
  std::getline(in, argv0, '\0');
  const auto slash = argv0.rfind('/');
  return slash == std::string::npos ? argv0 : argv0.substr(slash + 1);
}

}  // namespace

Result<SocketTable, std::string> read_sockets(bool force_proc) {
  SocketTable t;
  if (!force_proc) {
    auto n = read_netlink();
    if (n) {
      t.sockets = std::move(*n);
      return t;
    }
    t.fallback_reason = n.error();
  } else {
    t.fallback_reason = "--proc-net";
  }
  t.from_netlink = false;
  auto p = read_proc_net();
  if (!p) return unexpected(t.fallback_reason + "; and " + p.error());
  t.sockets = std::move(*p);
  return t;
}

std::vector<diag::ProcessRef> find_processes(const ProcessFilter& f) {
  std::vector<diag::ProcessRef> out;
  auto wanted_name = [&](std::int32_t pid, const std::string& comm) {
    if (std::find(f.names.begin(), f.names.end(), comm) != f.names.end()) return true;
    if (comm.size() < 15) return false;  // not cut short: argv[0] would say the same or lie
    const auto full = argv0_name(pid);
    return std::find(f.names.begin(), f.names.end(), full) != f.names.end();
  };
  std::unique_ptr<DIR, int (*)(DIR*)> proc(::opendir("/proc"), ::closedir);
  if (!proc) return out;
  while (const dirent* d = ::readdir(proc.get())) {
    const auto pid = as_pid(d->d_name);
    if (!pid || *pid == f.exclude_pid) continue;
    const bool by_pid = std::find(f.pids.begin(), f.pids.end(), *pid) != f.pids.end();
    if (!f.all && !by_pid && f.names.empty()) continue;
    const std::string comm = first_line("/proc/" + std::to_string(*pid) + "/comm");
    if (comm.empty()) continue;  // gone meanwhile
    if (f.all || by_pid || wanted_name(*pid, comm)) out.push_back({*pid, comm});
  }
  std::sort(out.begin(), out.end());
  return out;
}

OwnerScan socket_owners(const std::vector<diag::ProcessRef>& processes) {
  OwnerScan scan;
  constexpr std::string_view prefix = "socket:[";
  for (const auto& p : processes) {
    const std::string dir = "/proc/" + std::to_string(p.pid) + "/fd";
    std::unique_ptr<DIR, int (*)(DIR*)> fds(::opendir(dir.c_str()), ::closedir);
    if (!fds) {
      if (errno == EACCES || errno == EPERM) scan.unreadable.push_back(p.pid);
      continue;  // ENOENT: it exited meanwhile
    }
    while (const dirent* d = ::readdir(fds.get())) {
      if (d->d_name[0] == '.') continue;
      char target[64];
      const ssize_t n = ::readlinkat(::dirfd(fds.get()), d->d_name, target, sizeof target - 1);
      if (n <= 0) continue;
      const std::string_view link(target, static_cast<std::size_t>(n));
      if (!link.starts_with(prefix) || link.back() != ']') continue;
      std::uint32_t inode = 0;
      const auto digits = link.substr(prefix.size(), link.size() - prefix.size() - 1);
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), inode);
      if (ec != std::errc() || end != digits.data() + digits.size()) continue;
      auto& owners = scan.owners[inode];
      if (std::find(owners.begin(), owners.end(), p) == owners.end()) owners.push_back(p);
    }
  }
  return scan;
}

}  // namespace confab::client
