#include "snatmap/nat_discovery.hpp"

#include <algorithm>
#include <utility>

#include "stun/attributes.hpp"
#include "stun/message.hpp"

namespace confab::snatmap {

const char* describe(DiscoveryStep s) {
  switch (s) {
    case DiscoveryStep::binding: return "asking the server for our mapped address";
    case DiscoveryStep::filtering_change_ip_port: return "testing filtering (change IP and port)";
    case DiscoveryStep::filtering_change_port: return "testing filtering (change port)";
    case DiscoveryStep::mapping_other_ip: return "testing mapping (other IP)";
    case DiscoveryStep::mapping_other_ip_port: return "testing mapping (other IP and port)";
    case DiscoveryStep::hairpinning: return "testing hairpinning";
    case DiscoveryStep::lifetime_refresh: return "measuring mapping lifetime (refreshing)";
    case DiscoveryStep::lifetime_wait: return "measuring mapping lifetime (staying idle)";
    case DiscoveryStep::lifetime_probe: return "measuring mapping lifetime (probing)";
    case DiscoveryStep::done: return "done";
  }
  return "done";
}

NatDiscovery::NatDiscovery(DiscoveryConfig config, Rng& rng, Instant now)
    : config_(std::move(config)), rng_(rng) {
  report_.server = config_.server;
  if (config_.sockets.empty()) {
    note("No local socket was given, so nothing was tested");
    step_ = DiscoveryStep::done;
    return;
  }
  SocketAddress local = config_.sockets[0];
  if (local.ip.is_unspecified() && !config_.local_addresses.empty()) local.ip = config_.local_addresses[0];
  report_.local_address = local;
  start(DiscoveryStep::binding, now);
}

std::optional<std::size_t> NatDiscovery::socket_index(const SocketAddress& local) const {
  for (std::size_t i = 0; i < config_.sockets.size(); ++i)
    if (config_.sockets[i] == local) return i;
  // A wildcard-bound socket may be reported with the specific address it got the datagram on.
  for (std::size_t i = 0; i < config_.sockets.size(); ++i)
    if (config_.sockets[i].ip.is_unspecified() && config_.sockets[i].port == local.port) return i;
  return std::nullopt;
}

bool NatDiscovery::alternate_ip_known() const {
  return report_.other_address && report_.other_address->ip != config_.server.ip;
}

void NatDiscovery::start(DiscoveryStep step, Instant now) {
  const SocketAddress& server = config_.server;
  switch (step) {
    case DiscoveryStep::binding:
    case DiscoveryStep::filtering_change_ip_port:
    case DiscoveryStep::filtering_change_port:
    case DiscoveryStep::lifetime_refresh: send_request(step, 0, server, now); break;
    case DiscoveryStep::mapping_other_ip:
      send_request(step, 0, {report_.other_address->ip, server.port}, now);
      break;
    case DiscoveryStep::mapping_other_ip_port: send_request(step, 0, *report_.other_address, now); break;
    case DiscoveryStep::hairpinning: send_request(step, 0, *report_.mapped_address, now); break;
    case DiscoveryStep::lifetime_probe: send_request(step, 1, server, now); break;
    case DiscoveryStep::lifetime_wait:
    case DiscoveryStep::done: step_ = step; break;
  }
}

void NatDiscovery::send_request(DiscoveryStep step, std::size_t socket, SocketAddress to, Instant now) {
  step_ = step;
  auto id = stun::TransactionId::random(rng_);
  stun::MessageBuilder b(stun::MessageClass::request, stun::method::binding, id);
  if (step == DiscoveryStep::filtering_change_ip_port) b.add_change_request({true, true});
  if (step == DiscoveryStep::filtering_change_port) b.add_change_request({false, true});
  if (step == DiscoveryStep::lifetime_probe) b.add_response_port(*lifetime_port_);
  if (!config_.software.empty()) b.add_string(stun::attr::software, config_.software);
  b.add_fingerprint();
  transaction_.emplace(id, socket, to, std::move(b).finish(), config_.retransmit, now);
  handle_timeout(now);  // the first transmission is due now
}

void NatDiscovery::handle_timeout(Instant now) {
  if (transaction_) {
    switch (transaction_->handle_timeout(now)) {
      case ClientTransaction::Tick::nothing: break;
      case ClientTransaction::Tick::retransmit:
        outbox_.push_back(Transmit{Transport::udp, config_.sockets[transaction_->socket()],
                                   transaction_->destination(), transaction_->request()});
        break;
      case ClientTransaction::Tick::failed:
        transaction_.reset();
        finish(std::nullopt, now);
        break;
    }
  } else if (wait_until_ && now >= *wait_until_) {
    wait_until_.reset();
    start(DiscoveryStep::lifetime_probe, now);
  }
}

void NatDiscovery::handle_datagram(Instant now, const Datagram& d) {
  ++counters_.received;
  auto socket = socket_index(d.local);
  auto parsed = stun::parse(d.bytes);
  if (!socket || !parsed || !transaction_ || parsed->transaction_id != transaction_->id() ||
      parsed->method != stun::method::binding || parsed->is_classic()) {
    ++counters_.ignored;
    return;
  }
  const stun::Message& m = *parsed;
  Answer a;
  a.socket = *socket;
  a.from = d.remote;
  switch (m.cls) {
    case stun::MessageClass::request: a.is_request = true; break;
    case stun::MessageClass::success_response:
      a.mapped = m.xor_address(stun::attr::xor_mapped_address);
      if (!a.mapped) a.mapped = m.address(stun::attr::mapped_address);
      a.other = m.address(stun::attr::other_address);
      a.origin = m.address(stun::attr::response_origin);
      break;
    case stun::MessageClass::error_response: {
      auto e = m.error_code();
      a.error_code = e ? e->code : 0;
      break;
    }
    case stun::MessageClass::indication: ++counters_.ignored; return;
  }
  // Only the hairpinning test expects our own request back; only it expects no response.
  if (a.is_request != (step_ == DiscoveryStep::hairpinning)) {
    ++counters_.ignored;
    return;
  }
  transaction_.reset();
  finish(a, now);
}

std::optional<Transmit> NatDiscovery::poll_transmit() {
  if (outbox_.empty()) return std::nullopt;
  Transmit t = std::move(outbox_.front());
  outbox_.pop_front();
  return t;
}

std::optional<Instant> NatDiscovery::poll_timeout() const {
  if (transaction_) return transaction_->deadline();
  return wait_until_;
}

DiscoveryProgress NatDiscovery::progress() const {
  DiscoveryProgress p;
  p.step = step_;
  if (transaction_) p.transmission = transaction_->transmissions();
  if (lifetime_started_ && step_ != DiscoveryStep::done && lifetime_index_ < config_.lifetime.steps.size())
    p.idle = config_.lifetime.steps[lifetime_index_];
  return p;
}

NatReport NatDiscovery::report() const {
  NatReport r = report_;
  r.classic = classic_name(r.behind_nat, r.mapping, r.filtering, r.udp);
  r.advice = advice(r);
  return r;
}

void NatDiscovery::finish(const std::optional<Answer>& a, Instant now) {
  switch (step_) {
    case DiscoveryStep::binding: on_binding(a, now); break;
    case DiscoveryStep::filtering_change_ip_port:
    case DiscoveryStep::filtering_change_port: on_filtering(a, now); break;
    case DiscoveryStep::mapping_other_ip:
    case DiscoveryStep::mapping_other_ip_port: on_mapping(a, now); break;
    case DiscoveryStep::hairpinning:
      // RFC 5780 §4.5: our own request arriving back means the NAT hairpins.
      report_.hairpinning = a.has_value();
      start_lifetime(now);
      break;
    case DiscoveryStep::lifetime_refresh:
    case DiscoveryStep::lifetime_probe: on_lifetime(a, now); break;
    case DiscoveryStep::lifetime_wait:
    case DiscoveryStep::done: break;
  }
}

}  // namespace confab::snatmap
