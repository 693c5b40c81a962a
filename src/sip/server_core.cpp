#include "sip/server_core.hpp"

#include "sip/header_values.hpp"

namespace confab::sip {

namespace {

// RFC 3261 §17.2.3: branch + sent-by + method, with ACK matching its INVITE.
std::string transaction_key(const Via& via, std::string_view method) {
  std::string key(via.branch().value_or(""));
  key += '|';
  key += via.host;
  key += ':';
  key += std::to_string(via.port.value_or(0));
  key += '|';
  key += method == "ACK" ? std::string_view("INVITE") : method;
  return key;
}

// RFC 3581 / RFC 3261 §18.2.1: record where the request really came from in
// its top Via, so responses (and the client) know the NAT's public side.
void stamp_top_via(Message& m, const SocketAddress& remote) {
  auto vias = m.vias();
  if (vias.empty()) return;
  Via top = vias.front();
  const bool rport = top.has_rport();
  std::erase_if(top.params, [](const Param& p) {
    return p.name == "received" || p.name == "rport";
  });
  const std::string ip = remote.ip.to_string();
  if (rport || top.host != ip) top.params.push_back(Param{"received", m.intern(ip), true});
  std::string port = std::to_string(remote.port);
  if (rport) top.params.push_back(Param{"rport", m.intern(port), true});
  // The first Via header may hold several values: rebuild it with the new top.
  auto first = m.value(HeaderId::via);
  auto list = parse_via(*first);
  std::string rebuilt = to_string(top);
  if (list)
    for (std::size_t i = 1; i < list->size(); ++i) rebuilt += ", " + to_string((*list)[i]);
  m.remove_first(HeaderId::via);
  m.prepend(HeaderId::via, rebuilt);
}

}  // namespace

ServerCore::ServerCore(ServerCoreConfig config, Ha1Lookup lookup, Rng& rng)
    : config_(std::move(config)),
      rng_(rng),
      registrar_(config_.registrar, std::move(lookup), locations_),
      limiter_(config_.rate_limit) {}

void ServerCore::handle_datagram(Instant now, const Datagram& d, std::uint64_t flow) {
  ++counters_.received;
  // RFC 5626 §3.5.1 keep-alive: a CRLF CRLF ping on a stream gets a CRLF pong.
  if (d.transport != Transport::udp && d.bytes.size() == 4 && as_chars(d.bytes) == "\r\n\r\n") {
    ++counters_.keepalives;
    outbox_.push_back({Transmit{d.transport, d.local, d.remote, Bytes{'\r', '\n'}}, flow});
    return;
  }
  if (!limiter_.allow(d.remote.ip, now)) {
    ++counters_.rate_limited;
    return;
  }
  auto parsed = parse(d.bytes, config_.limits);
  if (!parsed) {
    ++counters_.malformed;
    return;
  }
  if (parsed->is_response()) {
    ++counters_.responses_in;
    return;
  }
  handle_request(now, std::move(*parsed), d, flow);
}

void ServerCore::handle_request(Instant now, Message request, const Datagram& d, std::uint64_t flow) {
  auto top = request.top_via();
  if (!top || !request.cseq() || !request.call_id() || !request.from() || !request.to()) {
    ++counters_.malformed;  // without these no response can be built or routed
    return;
  }
  const std::string key = transaction_key(*top, request.method);
  if (auto it = transactions_.find(key); it != transactions_.end()) {
    if (request.method == "ACK")
      it->second.tx.handle_ack(now);
    else
      it->second.tx.handle_request_retransmission(now);
    ++counters_.retransmissions;
    drain(it->second);
    return;
  }
  if (request.method == "ACK") {
    ++counters_.stray_acks;  // an ACK for a 2xx goes end to end: proxied later
    return;
  }
  stamp_top_via(request, d.remote);

  // Responses over UDP go to the source address, and to the source port when
  // the client asked with rport (RFC 3581) — the only way through its NAT.
  Transmit route{d.transport, d.local, d.remote, {}};
  if (d.transport == Transport::udp && !top->has_rport()) route.remote.port = top->port.value_or(5060);

  const auto kind = request.method == "INVITE" ? TransactionKind::invite : TransactionKind::non_invite;
  Entry entry{ServerTransaction(now, kind, d.transport != Transport::udp, config_.timers), route, flow};
  if (transactions_.size() >= config_.max_transactions) {
    ++counters_.overloaded;
    Message busy = make_response(request, 503, "Service Unavailable", random_token(rng_));
    busy.append(HeaderId::retry_after, "5");
    respond(now, entry, busy);
    return;
  }
  auto [it, inserted] = transactions_.emplace(key, std::move(entry));
  respond(now, it->second, answer_locally(now, request, d, flow));
}

Message ServerCore::answer_locally(Instant now, const Message& request, const Datagram& d, std::uint64_t flow) {
  if (request.method == "REGISTER")
    return registrar_.handle_register(now, request, RequestSource{d.transport, d.remote, d.local, flow}, rng_);
  auto ruri = request.uri();
  const bool for_us = ruri && ruri->is_sip() && ruri->user.empty() && registrar_.serves(ruri->host);
  if (request.method == "OPTIONS" && (for_us || (ruri && ruri->user.empty()))) {
    // The server itself: keep-alive and port checks (e.g. `confab portcheck`).
    ++counters_.options;
    Message r = make_response(request, 200, {}, random_token(rng_));
    r.append(HeaderId::allow, "REGISTER, OPTIONS");
    r.append(HeaderId::accept, "application/sdp");
    r.append(HeaderId::supported, "path, outbound");
    r.append(HeaderId::server, config_.server_name);
    return r;
  }
  ++counters_.not_implemented;
  Message r = make_response(request, 501, "Not Implemented: this confabd does not route calls yet", random_token(rng_));
  r.append(HeaderId::server, config_.server_name);
  return r;
}

void ServerCore::respond(Instant now, Entry& e, const Message& response) {
  std::string bytes = serialize(response);
  e.tx.respond(now, response.status, Bytes(bytes.begin(), bytes.end()));
  drain(e);
}

void ServerCore::drain(Entry& e) {
  while (auto b = e.tx.poll_transmit()) {
    Transmit t = e.route;
    t.bytes = std::move(*b);
    outbox_.push_back({std::move(t), e.flow});
  }
  while (e.tx.poll_event()) {
  }
}

void ServerCore::handle_flow_closed(Instant, std::uint64_t flow) { locations_.flow_closed(flow); }

void ServerCore::handle_timeout(Instant now) {
  for (auto it = transactions_.begin(); it != transactions_.end();) {
    if (auto t = it->second.tx.poll_timeout(); t && *t <= now) it->second.tx.handle_timeout(now);
    drain(it->second);
    it = it->second.tx.is_terminated() ? transactions_.erase(it) : std::next(it);
  }
  if (auto t = locations_.next_expiry(); t && *t <= now) locations_.expire(now);
}

std::optional<Outgoing> ServerCore::poll_transmit() {
  if (outbox_.empty()) return std::nullopt;
  Outgoing o = std::move(outbox_.front());
  outbox_.pop_front();
  return o;
}

std::optional<Instant> ServerCore::poll_timeout() const {
  std::optional<Instant> t = locations_.next_expiry();
  for (const auto& [key, e] : transactions_)
    if (auto d = e.tx.poll_timeout(); d && (!t || *d < *t)) t = d;
  return t;
}

}  // namespace confab::sip
