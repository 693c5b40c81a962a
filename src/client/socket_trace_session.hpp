#pragma once
// The kernel side of `confab ports --watch`: a tracefs instance of our own
// (instances/confab-ports-<pid>) with the socket events diag/socket_trace.hpp
// reads enabled, filtered in the kernel to the watched tasks' names where
// the kernel's filter language allows, and its trace_pipe open for reading.
// Events wait in the kernel's ring buffer until read, so a socket opened and
// closed between two polls is still seen. Needs root (or tracefs access);
// the watch falls back to polling alone without it.
//
// The instance is removed when the session ends; one a killed watch left
// behind is removed by the next one.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "diag/socket_trace.hpp"

namespace confab::client {

class SocketTraceSession {
 public:
  // `comms`: the task names to keep (empty: every task).
  static Result<std::unique_ptr<SocketTraceSession>, std::string> open(const std::vector<std::string>& comms);
  ~SocketTraceSession();
  SocketTraceSession(const SocketTraceSession&) = delete;
  SocketTraceSession& operator=(const SocketTraceSession&) = delete;

  int fd() const { return pipe_fd_; }  // readable when events wait
  // Every complete event line waiting now, parsed (other lines dropped).
  std::vector<diag::SocketTraceEvent> read_available();
  // Events the kernel dropped because its buffer was full ("[LOST n EVENTS]").
  std::uint64_t lost() const { return lost_; }
  std::string instance_path() const { return dir_; }

 private:
  SocketTraceSession() = default;
  std::string dir_;
  std::vector<std::string> enabled_;  // event paths under dir_, to disable at the end
  int pipe_fd_ = -1;
  std::string partial_;
  std::uint64_t lost_ = 0;
};

}  // namespace confab::client
