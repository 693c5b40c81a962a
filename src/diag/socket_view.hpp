#pragma once
// Sockets joined with their processes and the port catalog: the rows of
// `confab ports` ("tcp LISTEN 0.0.0.0:5222 confabd 123 xmpp"). Pure: the
// sockets come from sock_diag/proc_net, the owners from a scan of
// /proc/<pid>/fd that client/socket_inspector.* does.
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "diag/port_catalog.hpp"
#include "diag/socket_record.hpp"

namespace confab::diag {

struct ProcessRef {
  std::int32_t pid = 0;
  std::string name;  // /proc/<pid>/comm
  auto operator<=>(const ProcessRef&) const = default;
  bool operator==(const ProcessRef&) const = default;
};

// Socket inode → the processes holding a descriptor for it (several after a fork).
using SocketOwners = std::unordered_map<std::uint32_t, std::vector<ProcessRef>>;

struct OwnedSocket {
  SocketRecord socket;
  std::vector<ProcessRef> owners;  // sorted by pid
  std::string service;             // catalog service ("sip", "media", "xmpp-tls") or "-"
  bool operator==(const OwnedSocket&) const = default;
};

// The catalog service a socket belongs to: the entry covering its local
// port (a listener, a bound media port, a connection a server accepted),
// else the one covering its remote port (a client connected to 5222 is
// "xmpp"), for the socket's transport; "-" when none does.
std::string service_of(const SocketRecord& s, const std::vector<CatalogEntry>& catalog);

// The sockets some process in `owners` holds, with their service; sorted by
// owner pid, transport, listeners first, local port. Sockets nobody in
// `owners` holds (another program's, TIME_WAIT leftovers) are left out.
std::vector<OwnedSocket> owned_sockets(const std::vector<SocketRecord>& sockets, const SocketOwners& owners,
                                       const std::vector<CatalogEntry>& catalog);

}  // namespace confab::diag
