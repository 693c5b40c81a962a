#pragma once
// The thin I/O under `confab ports`: asks the kernel for every TCP and UDP
// socket (NETLINK_SOCK_DIAG, else the /proc/net tables), finds the watched
// processes in /proc, and maps socket inodes to them through
// /proc/<pid>/fd. The bytes are decoded by src/diag (sock_diag, proc_net).
#include <cstdint>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "diag/socket_view.hpp"

namespace confab::client {

struct SocketTable {
  std::vector<diag::SocketRecord> sockets;
  bool from_netlink = true;
  std::string fallback_reason;  // why /proc/net was read instead ("" when netlink worked)
};

// Every TCP and UDP socket of this network namespace, IPv4 and IPv6.
// force_proc reads /proc/net even when netlink works.
Result<SocketTable, std::string> read_sockets(bool force_proc);

struct ProcessFilter {
  std::vector<std::int32_t> pids;
  std::vector<std::string> names;  // /proc/<pid>/comm, or the base name of argv[0] (comm is cut at 15 characters)
  bool all = false;
  std::int32_t exclude_pid = 0;    // ourselves
};

// The processes alive now that the filter picks, sorted by pid.
std::vector<diag::ProcessRef> find_processes(const ProcessFilter& f);

struct OwnerScan {
  diag::SocketOwners owners;
  std::vector<std::int32_t> unreadable;  // pids whose descriptors we may not read (another user's, without root)
};

// Socket inode → the given processes that hold it.
OwnerScan socket_owners(const std::vector<diag::ProcessRef>& processes);

}  // namespace confab::client
