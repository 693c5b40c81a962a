#pragma once
// `confab ports` on live sockets: the table (or JSON) of what the watched
// processes hold now, and --watch (ports_watch.cpp), which polls and prints
// every socket they open or close with a timestamp, then a summary of every
// port touched.
#include <nlohmann/json.hpp>
#include <vector>

#include "client/diag_commands.hpp"
#include "client/socket_inspector.hpp"
#include "diag/port_catalog.hpp"
#include "diag/socket_view.hpp"

namespace confab::client {

// The processes `o` names (--pid, --process, --all; else confabd and confab).
ProcessFilter process_filter(const PortsCliOptions& o);

// {"proto": "tcp", "state": "LISTEN", "local_address": "0.0.0.0", "local_port": 5222,
//  "remote_address": "0.0.0.0", "remote_port": 0, "pid": 123, "process": "confabd", "service": "xmpp", ...}
nlohmann::json socket_json(const diag::OwnedSocket& s);

// One poll: the filter's processes and the sockets they hold.
struct PortsSnapshot {
  std::vector<diag::ProcessRef> processes;
  std::vector<diag::OwnedSocket> sockets;
  bool from_netlink = true;
  std::string fallback_reason;
  std::vector<std::int32_t> unreadable;
};
Result<PortsSnapshot, std::string> take_snapshot(const ProcessFilter& f, bool proc_net,
                                                 const std::vector<diag::CatalogEntry>& catalog);

int run_ports_live(const PortsCliOptions& o, const std::vector<diag::CatalogEntry>& catalog);
int run_ports_watch(const PortsCliOptions& o, const std::vector<diag::CatalogEntry>& catalog);

}  // namespace confab::client
