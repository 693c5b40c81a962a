#pragma once
// A non-blocking UDP socket that moves datagrams in batches: recvmmsg and
// sendmmsg, with IP_PKTINFO so a socket bound to the wildcard address still
// learns which local address a datagram arrived on and can answer from it.
#include <cstdint>
#include <span>
#include <system_error>
#include <vector>

#include "core/address.hpp"
#include "core/bytes.hpp"
#include "core/transmit.hpp"

namespace confab::net {

struct UdpSocketOptions {
  bool reuse_port = false;   // SO_REUSEPORT: several workers bind the same address
  // SO_REUSEADDR: on UDP it lets another socket bind the same address and
  // port, which a port *allocator* must not allow (two calls on one port).
  bool reuse_address = true;
  int receive_buffer = 0;    // SO_RCVBUF bytes; 0 = system default
  int send_buffer = 0;
};

// One received datagram inside a RecvBatch.
struct Received {
  SocketAddress local;
  SocketAddress remote;
  ByteView bytes;
  bool truncated = false;  // larger than the slot: the caller should drop it
};

// Preallocated buffers for one recvmmsg call.
class RecvBatch {
 public:
  RecvBatch(std::size_t slots, std::size_t slot_size);
  ~RecvBatch();
  RecvBatch(const RecvBatch&) = delete;
  RecvBatch& operator=(const RecvBatch&) = delete;

  std::span<const Received> received() const { return {received_.data(), count_}; }

 private:
  friend class UdpSocket;
  struct Impl;
  Impl* impl_;
  std::vector<Received> received_;
  std::size_t count_ = 0;
};

class UdpSocket {
 public:
  // Binds `local` (port 0 picks a free port). Errors carry errno's code.
  static UdpSocket bind(const SocketAddress& local, const UdpSocketOptions& options, std::error_code& ec);
  UdpSocket() = default;
  UdpSocket(UdpSocket&& o) noexcept;
  UdpSocket& operator=(UdpSocket&& o) noexcept;
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;
  ~UdpSocket();

  int native_handle() const { return fd_; }
  const SocketAddress& local_address() const { return local_; }  // with the real port
  bool is_open() const { return fd_ >= 0; }

  // Receives up to the batch's slot count without blocking. Returns the
  // number received (0 when nothing is waiting).
  std::size_t receive(RecvBatch& batch, std::error_code& ec);
  // Sends as many as the kernel takes without blocking; returns how many.
  // A transmit whose `local.ip` is specific while this socket is bound to the
  // wildcard is sent from that IP (IP_PKTINFO).
  std::size_t send(std::span<const Transmit* const> transmits, std::error_code& ec);
  // One datagram, for clients that do not need batching.
  bool send_to(const SocketAddress& to, ByteView bytes, std::error_code& ec);

 private:
  int fd_ = -1;
  SocketAddress local_;
  bool wildcard_ = false;
};

}  // namespace confab::net
