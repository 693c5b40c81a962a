#include "net/udp_service.hpp"

#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>

#include <thread>

#include "net/udp_socket.hpp"

namespace confab::net {

struct UdpService::Worker {
  asio::io_context io{1};
  std::vector<UdpSocket> sockets;
  std::vector<std::unique_ptr<asio::posix::stream_descriptor>> waiters;
  std::unique_ptr<DatagramHandler> handler;
  RecvBatch batch;
  std::vector<Transmit> out;
  std::vector<std::vector<const Transmit*>> per_socket;
  std::thread thread;

  Worker(std::size_t batch_size, std::size_t max_datagram) : batch(batch_size, max_datagram) {}

  ~Worker() {
    // The descriptors belong to the UdpSockets: let asio forget them first.
    for (auto& w : waiters)
      if (w) w->release();
  }

  // Which socket sends a transmit: the one bound to exactly its local
  // address, else a wildcard one on the same port (sending via IP_PKTINFO).
  std::optional<std::size_t> socket_for(const SocketAddress& local) const {
    std::optional<std::size_t> wildcard;
    for (std::size_t i = 0; i < sockets.size(); ++i) {
      const auto& b = sockets[i].local_address();
      if (b.port != local.port || b.ip.family() != local.ip.family()) continue;
      if (b.ip == local.ip) return i;
      if (b.ip.is_unspecified()) wildcard = i;
    }
    return wildcard;
  }

  void arm(std::size_t i) {
    waiters[i]->async_wait(asio::posix::stream_descriptor::wait_read, [this, i](std::error_code ec) {
      if (ec) return;  // cancelled: shutting down
      drain(i);
      arm(i);
    });
  }

  void drain(std::size_t i) {
    // Keep reading while the socket has data, but yield after a while so the
    // other sockets of this worker are served too.
    for (int round = 0; round < 16; ++round) {
      std::error_code ec;
      std::size_t n = sockets[i].receive(batch, ec);
      if (n == 0) break;
      Instant now = Clock::now();
      out.clear();
      for (const Received& r : batch.received()) {
        if (auto t = handler->handle_datagram(now, Datagram{Transport::udp, r.local, r.remote, r.bytes}))
          out.push_back(std::move(*t));
      }
      handler->publish();  // before sending: whoever sees an answer sees it counted
      flush();
      if (n < batch.received().size()) break;
    }
  }

  void flush() {
    if (out.empty()) return;
    for (auto& v : per_socket) v.clear();
    for (const Transmit& t : out)
      if (auto s = socket_for(t.local)) per_socket[*s].push_back(&t);
    for (std::size_t s = 0; s < sockets.size(); ++s) {
      if (per_socket[s].empty()) continue;
      std::error_code ec;
      // A full send buffer drops the rest: UDP is lossy and a reflector must
      // never block its receive loop on a slow peer.
      sockets[s].send(per_socket[s], ec);
    }
  }
};

std::unique_ptr<UdpService> UdpService::start(const UdpServiceConfig& config, const HandlerFactory& make_handler,
                                              BindError& error) {
  std::unique_ptr<UdpService> service(new UdpService);
  UdpSocketOptions options;
  options.reuse_port = true;
  options.receive_buffer = 4 << 20;
  options.send_buffer = 4 << 20;
  for (unsigned w = 0; w < config.workers; ++w) {
    auto worker = std::make_unique<Worker>(config.batch, config.max_datagram + 1);
    for (std::size_t a = 0; a < config.addresses.size(); ++a) {
      // Worker 0 may be given port 0; later workers must share its real port.
      SocketAddress addr = w == 0 ? config.addresses[a] : service->bound_[a];
      std::error_code ec;
      auto s = UdpSocket::bind(addr, options, ec);
      if (ec) {
        error = {addr, ec};
        return nullptr;
      }
      if (w == 0) service->bound_.push_back(s.local_address());
      worker->waiters.push_back(std::make_unique<asio::posix::stream_descriptor>(worker->io, s.native_handle()));
      worker->sockets.push_back(std::move(s));
    }
    worker->per_socket.resize(worker->sockets.size());
    worker->handler = make_handler(w);
    service->workers_.push_back(std::move(worker));
  }
  for (auto& worker : service->workers_) {
    Worker* wp = worker.get();
    wp->thread = std::thread([wp] {
      for (std::size_t i = 0; i < wp->sockets.size(); ++i) wp->arm(i);
      wp->io.run();
    });
  }
  return service;
}

void UdpService::stop() {
  for (auto& w : workers_) w->io.stop();
  for (auto& w : workers_)
    if (w->thread.joinable()) w->thread.join();
}

UdpService::~UdpService() { stop(); }

}  // namespace confab::net
