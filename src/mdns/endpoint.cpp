#include "mdns/endpoint.hpp"

namespace confab::mdns {

void Endpoint::advertise(ServiceSpec spec, Rng& rng, Instant now) { responder_.emplace(std::move(spec), rng, now); }

void Endpoint::browse(Name service_type, Rng& rng, Instant now) { browser_.emplace(std::move(service_type), rng, now); }

void Endpoint::set_interfaces(Instant now, const std::vector<InterfaceInfo>& links) {
  if (responder_) responder_->set_interfaces(now, links);
  if (browser_) {
    std::vector<std::uint32_t> ids;
    for (const auto& l : links) ids.push_back(l.index);
    browser_->set_interfaces(now, std::move(ids));
  }
}

void Endpoint::handle_packet(Instant now, const InPacket& p) {
  ++counters_.packets_received;
  auto m = parse(p.bytes);
  if (!m) {
    ++counters_.malformed_dropped;
    counters_.last_error = m.error().message();
    return;
  }
  if (m->is_response()) ++counters_.responses_received;
  else ++counters_.queries_received;
  if (responder_) responder_->handle_message(now, *m, p);
  if (browser_) browser_->handle_message(now, *m, p);
}

void Endpoint::handle_timeout(Instant now) {
  if (responder_) responder_->handle_timeout(now);
  if (browser_) browser_->handle_timeout(now);
}

std::optional<OutPacket> Endpoint::poll_transmit() {
  if (responder_)
    if (auto p = responder_->poll_transmit()) return p;
  if (browser_) return browser_->poll_transmit();
  return std::nullopt;
}

std::optional<Instant> Endpoint::poll_timeout() const {
  std::optional<Instant> t;
  if (responder_) t = responder_->poll_timeout();
  if (browser_)
    if (auto b = browser_->poll_timeout(); b && (!t || *b < *t)) t = b;
  return t;
}

void Endpoint::shutdown(Instant now) {
  if (responder_) responder_->shutdown(now);
}

}  // namespace confab::mdns
