#pragma once
// Drives one sans-I/O client machine over real UDP sockets until it is done:
// send what it wants sent, sleep in poll(2) until a datagram or its next
// deadline, feed it what happened. The CLI's event loop: one machine, a few
// sockets, no threads — asio would add nothing here.
#include <poll.h>

#include <array>
#include <functional>
#include <span>
#include <vector>

#include "core/time.hpp"
#include "net/udp_socket.hpp"

namespace confab::net {

// Machine: handle_datagram(now, Datagram), handle_timeout(now),
// poll_transmit() -> optional<Transmit>, poll_timeout() -> optional<Instant>, is_done().
// Transmit.local / Datagram.local identify the socket by its bound address.
// Returns false when `give_up_at` passed first. `on_wakeup` runs after every
// event (for progress output).
// A stream connection beside the UDP sockets (SIP over TLS): transmits
// whose transport is not UDP go to send(); when its descriptor is readable
// (or it holds decrypted bytes poll cannot see) on_readable() reads and
// feeds the machine itself.
class StreamPort {
 public:
  virtual ~StreamPort() = default;
  virtual int fd() const = 0;
  virtual bool has_buffered() const = 0;
  virtual void on_readable(Instant now) = 0;
  virtual void send(const Transmit& t) = 0;
};

// `sockets` is a vector or span of UdpSocket; a vector may change in
// on_wakeup (a call's media sockets come and go): the poll set follows.
template <class Machine, class Sockets>
bool run_poll_loop(Machine& m, Sockets& sockets, Instant give_up_at, const std::function<void()>& on_wakeup = {},
                   StreamPort* stream = nullptr) {
  RecvBatch batch(8, 2048);
  std::vector<pollfd> fds;
  while (!m.is_done()) {
    fds.resize(sockets.size());  // rebuilt every round: a handful of sockets, and the set may change
    for (std::size_t i = 0; i < sockets.size(); ++i) fds[i] = {sockets[i].native_handle(), POLLIN, 0};
    if (stream) fds.push_back({stream->fd(), POLLIN, 0});
    while (auto t = m.poll_transmit()) {
      if (t->transport != Transport::udp) {
        if (stream) stream->send(*t);
        continue;
      }
      // The socket bound to exactly that address, else (wildcard binds) the port.
      UdpSocket* out = nullptr;
      for (auto& s : sockets) {
        if (s.local_address() == t->local) {
          out = &s;
          break;
        }
        if (!out && s.local_address().port == t->local.port) out = &s;
      }
      std::error_code ec;
      if (out) out->send_to(t->remote, t->bytes, ec);  // a failed send is a lost packet: the machine retransmits
    }
    if (m.is_done()) break;
    Instant now = Clock::now();
    if (now >= give_up_at) return false;
    Instant wake = give_up_at;
    if (auto d = m.poll_timeout()) wake = std::min(wake, *d);
    auto wait_ms = std::chrono::ceil<std::chrono::milliseconds>(wake - now).count();
    if (stream && stream->has_buffered()) wait_ms = 0;
    int r = ::poll(fds.data(), fds.size(), static_cast<int>(std::max<long long>(0, wait_ms)));
    now = Clock::now();
    if (stream && ((r > 0 && (fds.back().revents & (POLLIN | POLLHUP | POLLERR))) || stream->has_buffered()))
      stream->on_readable(now);
    if (r > 0) {
      for (std::size_t i = 0; i < sockets.size(); ++i) {
        if (!(fds[i].revents & POLLIN)) continue;
        std::error_code ec;
        while (sockets[i].receive(batch, ec) > 0)
          for (const auto& rcv : batch.received())
            if (!rcv.truncated) m.handle_datagram(now, Datagram{Transport::udp, rcv.local, rcv.remote, rcv.bytes});
      }
    }
    if (auto d = m.poll_timeout(); d && now >= *d) m.handle_timeout(now);
    if (on_wakeup) on_wakeup();
  }
  return true;
}

}  // namespace confab::net
