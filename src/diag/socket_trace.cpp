#include "diag/socket_trace.hpp"

#include <charconv>
#include <vector>

namespace confab::diag {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

template <typename T>
std::optional<T> number(std::string_view s) {
  T v{};
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::vector<std::string_view> words(std::string_view s) {
  std::vector<std::string_view> out;
  while (!(s = trim(s)).empty()) {
    const auto end = s.find(' ');
    out.push_back(s.substr(0, end));
    if (end == std::string_view::npos) break;
    s.remove_prefix(end);
  }
  return out;
}

// The CPU column "[001]": the first " [digits]" in the line. Everything
// before it is "comm-tid (tgid)", and a comm cannot be long enough to hide
// one (15 bytes).
std::size_t cpu_column(std::string_view line) {
  for (std::size_t p = line.find(" ["); p != std::string_view::npos; p = line.find(" [", p + 1)) {
    std::size_t q = p + 2;
    while (q < line.size() && line[q] >= '0' && line[q] <= '9') ++q;
    if (q > p + 2 && q < line.size() && line[q] == ']') return p;
  }
  return std::string_view::npos;
}

// "127.0.0.1/5399", "::/44051": an address and a port split at the last '/'.
std::optional<SocketAddress> slash_endpoint(std::string_view s) {
  const auto slash = s.rfind('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto ip = IpAddress::parse(s.substr(0, slash));
  auto port = number<std::uint16_t>(s.substr(slash + 1));
  if (!ip || !port) return std::nullopt;
  return SocketAddress{*ip, *port};
}

// fib_table_lookup / fib6_table_lookup: "... proto 17 0.0.0.0/44082 -> 127.0.0.1/5399 ...".
bool parse_route_lookup(std::string_view body, SocketTraceEvent& e) {
  const auto w = words(body);
  for (std::size_t i = 0; i + 4 < w.size(); ++i) {
    if (w[i] != "proto") continue;
    auto proto = number<unsigned>(w[i + 1]);
    if (!proto || (*proto != 6 && *proto != 17) || w[i + 3] != "->") return false;
    auto from = slash_endpoint(w[i + 2]);
    auto to = slash_endpoint(w[i + 4]);
    // No ports: an address check or ICMP; port 0 on TCP: the lookup before
    // the kernel picked the local port (another follows with it).
    if (!from || !to || from->port == 0 || to->port == 0) return false;
    e.proto = *proto == 6 ? Proto::tcp : Proto::udp;
    e.kind = *proto == 6 ? TraceKind::connect : TraceKind::send;
    e.local = *from;
    e.remote = *to;
    return true;
  }
  return false;
}

// inet_sock_set_state: "family=AF_INET protocol=IPPROTO_TCP sport=40529 dport=0 saddr=127.0.0.1 ... newstate=TCP_LISTEN".
bool parse_state_change(std::string_view body, SocketTraceEvent& e) {
  std::string_view family, protocol, sport, dport, saddr, daddr, saddr6, daddr6, oldstate, newstate;
  for (auto w : words(body)) {
    const auto eq = w.find('=');
    if (eq == std::string_view::npos) continue;
    const auto key = w.substr(0, eq), value = w.substr(eq + 1);
    if (key == "family") family = value;
    else if (key == "protocol") protocol = value;
    else if (key == "sport") sport = value;
    else if (key == "dport") dport = value;
    else if (key == "saddr") saddr = value;
    else if (key == "daddr") daddr = value;
    else if (key == "saddrv6") saddr6 = value;
    else if (key == "daddrv6") daddr6 = value;
    else if (key == "oldstate") oldstate = value;
    else if (key == "newstate") newstate = value;
  }
  if (protocol != "IPPROTO_TCP") return false;
  if (oldstate == "TCP_CLOSE" && newstate == "TCP_LISTEN") e.kind = TraceKind::listen;
  else if (oldstate == "TCP_SYN_RECV" && newstate == "TCP_ESTABLISHED") e.kind = TraceKind::accept;
  else return false;
  const bool v6 = family == "AF_INET6";
  if (!v6 && family != "AF_INET") return false;
  auto local_ip = IpAddress::parse(v6 ? saddr6 : saddr);
  auto remote_ip = IpAddress::parse(v6 ? daddr6 : daddr);
  auto local_port = number<std::uint16_t>(sport);
  auto remote_port = number<std::uint16_t>(dport);
  if (!local_ip || !remote_ip || !local_port || !remote_port || *local_port == 0) return false;
  e.proto = Proto::tcp;
  e.local = {*local_ip, *local_port};
  e.remote = {*remote_ip, *remote_port};
  return true;
}

}  // namespace

const char* to_string(TraceKind k) {
  switch (k) {
    case TraceKind::listen: return "listen";
    case TraceKind::accept: return "accept";
    case TraceKind::connect: return "connect";
    case TraceKind::send: return "send";
    case TraceKind::bound: return "bound";
  }
  return "?";
}

std::optional<SocketTraceEvent> parse_socket_trace_line(std::string_view line) {
  line = trim(line);
  if (line.empty() || line.front() == '#') return std::nullopt;
  const auto cpu = cpu_column(line);
  if (cpu == std::string_view::npos) return std::nullopt;

  SocketTraceEvent e;
  std::string_view task = trim(line.substr(0, cpu));
  if (!task.empty() && task.back() == ')') {  // "(tgid)", or "(-------)" when the kernel lost it
    const auto open = task.rfind('(');
    if (open == std::string_view::npos) return std::nullopt;
    e.tgid = number<std::int32_t>(trim(task.substr(open + 1, task.size() - open - 2))).value_or(0);
    task = trim(task.substr(0, open));
  }
  const auto dash = task.rfind('-');
  if (dash == std::string_view::npos) return std::nullopt;
  auto tid = number<std::int32_t>(task.substr(dash + 1));
  if (!tid) return std::nullopt;
  e.tid = *tid;
  e.comm = std::string(task.substr(0, dash));

  // "] ..s2. 55739.190725: inet_sock_set_state: body"
  std::string_view rest = line.substr(line.find(']', cpu) + 1);
  const auto w = words(rest.substr(0, rest.find(": ")));
  if (w.size() != 2) return std::nullopt;
  const std::string_view flags = w[0];
  // The third flag is the context: '.' a task, 'h'/'s'/'H'... an interrupt.
  e.interrupt = flags.size() < 3 || flags[2] != '.';
  auto ts = w[1];
  if (!ts.empty() && ts.back() == ':') ts.remove_suffix(1);
  const auto dot = ts.find('.');
  auto secs = number<std::uint64_t>(ts.substr(0, dot));
  if (!secs) return std::nullopt;
  e.uptime = static_cast<double>(*secs);
  if (dot != std::string_view::npos) {
    auto frac = ts.substr(dot + 1);
    if (auto f = number<std::uint64_t>(frac); f && frac.size() <= 9) {
      double scale = 1;
      for (std::size_t i = 0; i < frac.size(); ++i) scale *= 10;
      e.uptime += static_cast<double>(*f) / scale;
    }
  }

  rest = rest.substr(rest.find(": ") + 2);
  const auto colon = rest.find(':');
  const std::string_view event = rest.substr(0, colon);
  const std::string_view body = colon == std::string_view::npos ? std::string_view{} : rest.substr(colon + 1);

  if (event == "fib_table_lookup" || event == "fib6_table_lookup") {
    if (e.interrupt || !parse_route_lookup(body, e)) return std::nullopt;
    return e;
  }
  if (event == "inet_sock_set_state") {
    if (!parse_state_change(body, e)) return std::nullopt;
    // A listen() runs in its task; an accepted connection completes in
    // softirq and is tied to its process by the listening port.
    if (e.kind == TraceKind::listen && e.interrupt) return std::nullopt;
    return e;
  }
  // "sys_bind -> 0x0": the syscall exit has no event name of its own in the
  // text, only "sys_bind -> <return value>".
  if (rest.starts_with("sys_bind -> ")) {
    if (e.interrupt || trim(rest.substr(12)) != "0x0") return std::nullopt;
    e.kind = TraceKind::bound;
    return e;
  }
  return std::nullopt;
}

}  // namespace confab::diag
