#include "snatmap/reflector.hpp"

#include <algorithm>

#include "stun/attributes.hpp"
#include "stun/message.hpp"

namespace confab::snatmap {

namespace {

// Where a request arrived, in the terms of RFC 5780: which of our (up to) two
// addresses and which port of the pair it was sent to.
struct Arrival {
  const PortPair* pair = nullptr;
  bool on_alternate_address = false;
  bool on_alternate_port = false;
};

}  // namespace

ReflectorCounters& ReflectorCounters::operator+=(const ReflectorCounters& o) {
  received += o.received;
  answered += o.answered;
  error_responses += o.error_responses;
  classic += o.classic;
  malformed += o.malformed;
  not_request += o.not_request;
  rate_limited += o.rate_limited;
  unroutable += o.unroutable;
  return *this;
}

Reflector::Reflector(ReflectorConfig config)
    : config_(std::move(config)), limiter_(config_.rate_limit) {}

std::vector<SocketAddress> Reflector::local_addresses() const {
  std::vector<SocketAddress> out;
  auto add_ip = [&](const IpAddress& ip) {
    for (const auto& p : config_.ports) {
      out.push_back({ip, p.primary});
      if (p.alternate != p.primary) out.push_back({ip, p.alternate});
    }
  };
  add_ip(config_.primary_address);
  if (config_.alternate_address) add_ip(*config_.alternate_address);
  return out;
}

std::optional<Transmit> Reflector::handle_datagram(Instant now, const Datagram& d) {
  ++counters_.received;
  // The limit comes before parsing: a flood costs us a hash lookup, not a parse.
  if (!limiter_.allow(d.remote.ip, now)) {
    ++counters_.rate_limited;
    return std::nullopt;
  }
  auto parsed = stun::parse(d.bytes);
  if (!parsed) {
    ++counters_.malformed;
    return std::nullopt;
  }
  const stun::Message& request = *parsed;
  if (request.cls != stun::MessageClass::request || request.method != stun::method::binding) {
    ++counters_.not_request;  // responses and indications are never answered
    return std::nullopt;
  }

  Arrival at;
  for (const auto& p : config_.ports) {
    if (d.local.port == p.primary || d.local.port == p.alternate) {
      at.pair = &p;
      at.on_alternate_port = d.local.port == p.alternate && p.alternate != p.primary;
      break;
    }
  }
  if (!at.pair) {
    ++counters_.unroutable;
    return std::nullopt;
  }
  at.on_alternate_address = config_.alternate_address && d.local.ip == *config_.alternate_address;

  const IpAddress this_ip = d.local.ip;
  std::optional<IpAddress> other_ip;
  if (config_.alternate_address)
    other_ip = at.on_alternate_address ? config_.primary_address : *config_.alternate_address;
  const std::uint16_t other_port = at.on_alternate_port ? at.pair->primary : at.pair->alternate;

  auto error = [&](std::uint16_t code, std::string_view reason,
                   const std::vector<std::uint16_t>& unknown) {
    stun::MessageBuilder b(stun::MessageClass::error_response, request.method, request.transaction_id,
                           request.cookie);
    b.add_error_code(code, reason);
    if (!unknown.empty()) b.add_unknown_attributes(unknown);
    if (!config_.software.empty()) b.add_string(stun::attr::software, config_.software);
    if (!request.is_classic()) b.add_fingerprint();
    ++counters_.error_responses;
    return Transmit{d.transport, d.local, d.remote, std::move(b).finish()};
  };

  if (auto unknown = request.unknown_comprehension_required(); !unknown.empty())
    return error(420, "Unknown Attribute", unknown);

  // RFC 5780 §6.1: honour CHANGE-REQUEST from the socket it names. We cannot
  // change the IP without a second address, and a TCP connection cannot
  // answer from another socket at all.
  stun::ChangeRequest change = request.change_request().value_or(stun::ChangeRequest{});
  if ((change.change_ip && !other_ip) ||
      ((change.change_ip || change.change_port) && d.transport != Transport::udp))
    return error(420, "Unknown Attribute", {stun::attr::change_request});

  SocketAddress source{change.change_ip ? *other_ip : this_ip,
                       change.change_port ? other_port : d.local.port};
  // RESPONSE-PORT (RFC 5780 §7.5) moves only the port: the answer still goes
  // to the address the request came from, never to a third party.
  SocketAddress destination = d.remote;
  if (auto port = request.response_port(); port && d.transport == Transport::udp) {
    if (*port == 0) return error(400, "Bad Request: RESPONSE-PORT 0", {});
    destination.port = *port;
  }

  stun::MessageBuilder b(stun::MessageClass::success_response, request.method, request.transaction_id,
                         request.cookie);
  if (request.is_classic()) {
    // RFC 3489 §11.2: MAPPED-ADDRESS, SOURCE-ADDRESS, CHANGED-ADDRESS.
    b.add_address(stun::attr::mapped_address, d.remote);
    if (!source.ip.is_unspecified()) b.add_address(stun::attr::source_address, source);
    b.add_address(stun::attr::changed_address, {other_ip.value_or(this_ip), other_port});
    ++counters_.classic;
  } else {
    b.add_xor_address(stun::attr::xor_mapped_address, d.remote);
    b.add_address(stun::attr::mapped_address, d.remote);
    if (!source.ip.is_unspecified()) b.add_address(stun::attr::response_origin, source);
    // OTHER-ADDRESS differs in both IP and port; without a second IP there is
    // no such address, and advertising a port-only one would mislead clients.
    if (other_ip) b.add_address(stun::attr::other_address, {*other_ip, other_port});
  }
  if (!config_.software.empty()) b.add_string(stun::attr::software, config_.software);
  if (request.has(stun::attr::padding)) {
    // RFC 5780 §7.6: pad the response towards the request's size (to test
    // fragmentation paths) — but never beyond it, so PADDING cannot turn the
    // reflector into an amplifier.
    std::size_t target = d.bytes.size();
    std::size_t tail = request.is_classic() ? 0 : 8;  // FINGERPRINT still to come
    if (target > b.size() + 4 + tail) b.add_padding((target - b.size() - 4 - tail) & ~std::size_t{3});
  }
  if (!request.is_classic()) b.add_fingerprint();
  ++counters_.answered;
  return Transmit{d.transport, source, destination, std::move(b).finish()};
}

}  // namespace confab::snatmap
