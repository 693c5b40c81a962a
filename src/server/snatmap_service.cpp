#include "server/snatmap_service.hpp"

#include <fmt/ranges.h>

#include <atomic>
#include <deque>

#include "stun/message.hpp"

namespace confab::server {

// Counters copied out by the worker that owns them, read by anyone.
struct PublishedCounters {
  std::atomic<std::uint64_t> received{0}, answered{0}, error_responses{0}, classic{0}, malformed{0},
      not_request{0}, rate_limited{0}, unroutable{0};

  void store(const snatmap::ReflectorCounters& c) {
    constexpr auto r = std::memory_order_relaxed;
    received.store(c.received, r);
    answered.store(c.answered, r);
    error_responses.store(c.error_responses, r);
    classic.store(c.classic, r);
    malformed.store(c.malformed, r);
    not_request.store(c.not_request, r);
    rate_limited.store(c.rate_limited, r);
    unroutable.store(c.unroutable, r);
  }
  snatmap::ReflectorCounters load() const {
    constexpr auto r = std::memory_order_relaxed;
    return {received.load(r),    answered.load(r),     error_responses.load(r), classic.load(r),
            malformed.load(r),   not_request.load(r),  rate_limited.load(r),    unroutable.load(r)};
  }
};

namespace {

class ReflectorHandler final : public net::DatagramHandler {
 public:
  ReflectorHandler(snatmap::ReflectorConfig config, PublishedCounters* published)
      : reflector_(std::move(config)), published_(published) {}
  std::optional<Transmit> handle_datagram(Instant now, const Datagram& d) override {
    return reflector_.handle_datagram(now, d);
  }
  void publish() override { published_->store(reflector_.counters()); }

 private:
  snatmap::Reflector reflector_;
  PublishedCounters* published_;
};

// The reflector over TCP: each framed request answered on its own connection.
class ReflectorStreamCore final : public net::FlowCore {
 public:
  explicit ReflectorStreamCore(std::unique_ptr<ReflectorHandler> handler) : handler_(std::move(handler)) {}
  void handle_datagram(Instant now, const Datagram& d, net::FlowId flow) override {
    if (auto t = handler_->handle_datagram(now, d)) out_.push_back({std::move(*t), flow});
    handler_->publish();
  }
  void handle_flow_closed(Instant, net::FlowId) override {}
  void handle_timeout(Instant) override {}
  std::optional<net::FlowTransmit> poll_transmit() override {
    if (out_.empty()) return std::nullopt;
    auto t = std::move(out_.front());
    out_.pop_front();
    return t;
  }
  std::optional<Instant> poll_timeout() const override { return std::nullopt; }

 private:
  std::unique_ptr<ReflectorHandler> handler_;
  std::deque<net::FlowTransmit> out_;
};

std::string bind_error_line(const char* transport, const net::BindError& e) {
  std::string why = e.error.message();
  if (e.error == std::errc::address_in_use) why += " (another program has this port; change snatmap.ports or stop it)";
  if (e.error == std::errc::address_not_available) why += " (no interface has this address; check snatmap.address)";
  if (e.error == std::errc::permission_denied) why += " (ports below 1024 need root or CAP_NET_BIND_SERVICE)";
  return std::string("snatmap: cannot listen on ") + transport + " " + e.address.to_string() + ": " + why;
}

}  // namespace

snatmap::ReflectorConfig reflector_config(const SnatmapConfig& c) {
  snatmap::ReflectorConfig r;
  r.primary_address = c.address;
  r.alternate_address = c.alternate_address;
  r.ports.clear();
  for (auto p : c.ports) r.ports.push_back({p, static_cast<std::uint16_t>(p + c.alternate_port_offset)});
  r.software = c.software;
  r.rate_limit = {c.limits.requests_per_second, c.limits.burst, c.limits.tracked_sources};
  return r;
}

Result<std::unique_ptr<SnatmapService>, std::string> SnatmapService::start(const Config& config,
                                                                           std::shared_ptr<spdlog::logger> log) {
  std::unique_ptr<SnatmapService> s(new SnatmapService);
  const auto& c = config.snatmap;
  auto rc = reflector_config(c);
  auto addresses = snatmap::Reflector(rc).local_addresses();

  if (c.udp) {
    net::UdpServiceConfig uc;
    uc.name = "snatmap";
    uc.addresses = addresses;
    uc.workers = config.server.workers;
    uc.max_datagram = c.limits.max_message_size;
    for (unsigned w = 0; w < uc.workers; ++w) s->published_.push_back(std::make_unique<PublishedCounters>());
    net::BindError err;
    s->udp_ = net::UdpService::start(
        uc, [&](unsigned w) { return std::make_unique<ReflectorHandler>(rc, s->published_[w].get()); },
        err);
    if (!s->udp_) return unexpected(bind_error_line("UDP", err));
    for (const auto& a : s->udp_->bound_addresses()) s->listening_.push_back("udp " + a.to_string());
  }
  if (c.tcp) {
    net::FlowServiceConfig tc;
    tc.name = "snatmap";
    tc.tcp = addresses;
    tc.max_connections = c.limits.tcp_connections;
    tc.idle_timeout = c.limits.tcp_idle_timeout;
    tc.max_message_size = c.limits.max_message_size;
    tc.framer = [](ByteView b) {
      // STUN over TCP (RFC 8489 §6.2.2): messages back to back, length in the header.
      if (!b.empty() && (b[0] & 0xC0) != 0) return net::StreamFrame{net::StreamFrame::State::invalid, 0};
      auto size = stun::stream_frame_size(b);
      if (!size) return net::StreamFrame{};
      return net::StreamFrame{net::StreamFrame::State::complete, *size};
    };
    s->published_.push_back(std::make_unique<PublishedCounters>());
    net::BindError err;
    std::string unused_tls_error;  // no TLS listeners here
    s->tcp_ = net::FlowService::start(
        tc, std::make_unique<ReflectorStreamCore>(std::make_unique<ReflectorHandler>(rc, s->published_.back().get())),
        err, unused_tls_error);
    if (!s->tcp_) return unexpected(bind_error_line("TCP", err));
    for (const auto& l : s->tcp_->listening()) s->listening_.push_back(l);
  }
  log->info("snatmap: listening on {} ({} UDP worker{}; RFC 5780 {})", fmt::join(s->listening_, ", "),
            c.udp ? config.server.workers : 0, config.server.workers == 1 ? "" : "s",
            c.alternate_address ? "change-IP and change-port" : "change-port only");
  return s;
}

SnatmapService::~SnatmapService() { stop(); }

void SnatmapService::stop() {
  if (udp_) udp_->stop();
  if (tcp_) tcp_->stop();
}

SnatmapStatus SnatmapService::status() const {
  SnatmapStatus st;
  std::size_t udp_workers = udp_ ? published_.size() - (tcp_ ? 1 : 0) : 0;
  for (std::size_t i = 0; i < udp_workers; ++i) st.udp += published_[i]->load();
  if (tcp_) {
    st.tcp = published_.back()->load();
    st.connections = tcp_->stats();
  }
  st.listening = listening_;
  return st;
}

}  // namespace confab::server
