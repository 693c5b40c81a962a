#include "client/ports_live.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>

#include "client/exit_codes.hpp"

namespace confab::client {

ProcessFilter process_filter(const PortsCliOptions& o) {
  ProcessFilter f;
  f.pids = o.pids;
  f.names = o.processes;
  f.all = o.all;
  if (f.pids.empty() && f.names.empty() && !f.all) f.names = {"confabd", "confab"};
  // This very `confab ports` holds no inet socket, but would show up as a
  // confab that started; a --pid naming it explicitly still works.
  if (std::find(f.pids.begin(), f.pids.end(), ::getpid()) == f.pids.end()) f.exclude_pid = ::getpid();
  return f;
}

nlohmann::json socket_json(const diag::OwnedSocket& o) {
  const auto& s = o.socket;
  nlohmann::json owners = nlohmann::json::array();
  for (const auto& p : o.owners) owners.push_back({{"pid", p.pid}, {"process", p.name}});
  return {{"proto", diag::to_string(s.proto)},
          {"family", s.local.ip.is_v4() ? "ipv4" : "ipv6"},
          {"state", diag::state_name(s.proto, s.state)},
          {"local_address", s.local.ip.to_string()},
          {"local_port", s.local.port},
          {"remote_address", s.remote.ip.to_string()},
          {"remote_port", s.remote.port},
          {"local", diag::endpoint_text(s.local)},
          {"remote", diag::endpoint_text(s.remote, true)},
          {"listening", s.listening()},
          {"pid", o.owners.front().pid},
          {"process", o.owners.front().name},
          {"owners", owners},
          {"service", o.service},
          {"inode", s.inode},
          {"uid", s.uid},
          {"receive_queue", s.receive_queue},
          {"send_queue", s.send_queue}};
}

Result<PortsSnapshot, std::string> take_snapshot(const ProcessFilter& f, bool proc_net,
                                                 const std::vector<diag::CatalogEntry>& catalog) {
  PortsSnapshot snap;
  snap.processes = find_processes(f);
  auto scan = socket_owners(snap.processes);
  auto table = read_sockets(proc_net);
  if (!table) return unexpected(table.error());
  snap.from_netlink = table->from_netlink;
  snap.fallback_reason = table->fallback_reason;
  snap.unreadable = std::move(scan.unreadable);
  snap.sockets = diag::owned_sockets(table->sockets, scan.owners, catalog);
  return snap;
}

int run_ports_live(const PortsCliOptions& o, const std::vector<diag::CatalogEntry>& catalog) {
  const auto filter = process_filter(o);
  auto snap = take_snapshot(filter, o.proc_net, catalog);
  if (!snap) {
    std::fprintf(stderr, "confab ports: cannot read the socket table: %s\n", snap.error().c_str());
    return exit_internal;
  }
  for (std::int32_t pid : o.pids)
    if (std::none_of(snap->processes.begin(), snap->processes.end(), [&](const auto& p) { return p.pid == pid; })) {
      std::fprintf(stderr, "confab ports: no process with pid %d\n", pid);
      return exit_usage;
    }
  if (!snap->from_netlink)
    std::fprintf(stderr, "confab ports: netlink sock_diag unavailable (%s): read /proc/net instead\n",
                 snap->fallback_reason.c_str());
  for (std::int32_t pid : snap->unreadable)
    std::fprintf(stderr, "confab ports: cannot read /proc/%d/fd (another user's process; run as root to see it)\n",
                 pid);
  if (snap->processes.empty() && o.pids.empty())
    std::fprintf(stderr, "confab ports: no %s process is running\n",
                 o.all ? "" : (o.processes.empty() ? "confabd or confab" : "matching"));

  if (o.json) {
    nlohmann::json j = {{"source", snap->from_netlink ? "netlink" : "proc"},
                        {"processes", nlohmann::json::array()},
                        {"sockets", nlohmann::json::array()}};
    for (const auto& p : snap->processes) j["processes"].push_back({{"pid", p.pid}, {"process", p.name}});
    for (const auto& s : snap->sockets) j["sockets"].push_back(socket_json(s));
    std::cout << j.dump(1) << std::endl;
    return exit_ok;
  }
  std::printf("%-5s %-10s %-27s %-27s %-7s %-15s %s\n", "PROTO", "STATE", "LOCAL", "REMOTE", "PID", "PROCESS",
              "SERVICE");
  for (const auto& o2 : snap->sockets) {
    const auto& s = o2.socket;
    std::string pids = std::to_string(o2.owners.front().pid);
    if (o2.owners.size() > 1) pids += "+" + std::to_string(o2.owners.size() - 1);
    std::printf("%-5s %-10s %-27s %-27s %-7s %-15s %s\n", diag::to_string(s.proto),
                diag::state_name(s.proto, s.state).c_str(), diag::endpoint_text(s.local).c_str(),
                diag::endpoint_text(s.remote, true).c_str(), pids.c_str(), o2.owners.front().name.c_str(),
                o2.service.c_str());
  }
  return exit_ok;
}

}  // namespace confab::client
