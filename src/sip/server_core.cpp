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
  // Only the first Via header line is parsed and rebuilt (it may hold several
  // values); the ones below are left as they came.
  auto first = m.value(HeaderId::via);
  if (!first) return;
  auto list = parse_via(*first);
  if (!list || list->empty()) return;
  Via& top = list->front();
  const bool rport = top.has_rport();
  std::erase_if(top.params, [](const Param& p) {
    return p.name == "received" || p.name == "rport";
  });
  const std::string ip = remote.ip.to_string();
  if (rport || top.host != ip) top.params.push_back(Param{"received", ip, true});
  const std::string port = std::to_string(remote.port);
  if (rport) top.params.push_back(Param{"rport", port, true});
  std::string rebuilt = to_string(top);
  for (std::size_t i = 1; i < list->size(); ++i) rebuilt += ", " + to_string((*list)[i]);
  m.remove_first(HeaderId::via);
  m.prepend(HeaderId::via, rebuilt);
}

}  // namespace

ServerCore::ServerCore(ServerCoreConfig config, Ha1Lookup lookup, Rng& rng)
    : config_(std::move(config)),
      rng_(rng),
      registrar_(config_.registrar, std::move(lookup), locations_),
      limiter_(config_.rate_limit),
      proxy_(config_.identity, rng, config_.timers) {}

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
    proxy_.handle_response(now, *parsed);
    pump_proxy(now);
    return;
  }
  handle_request(now, std::move(*parsed), d, flow);
}

void ServerCore::handle_request(Instant now, Message request, const Datagram& d, std::uint64_t flow) {
  // parse() validated every one of these that is present.
  auto top = request.top_via();
  if (!top || !request.find(HeaderId::cseq) || !request.find(HeaderId::call_id) || !request.find(HeaderId::from) ||
      !request.find(HeaderId::to)) {
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
  stamp_top_via(request, d.remote);

  if (request.method == "ACK") {
    // An ACK for a 2xx belongs to no transaction: it follows the dialog's
    // route set end to end (§16.11), forwarded statelessly.
    auto targets = route(now, request, d);
    if (auto* t = std::get_if<std::vector<Target>>(&targets); t && !t->empty())
      proxy_.forward_stateless(request, t->front());
    else
      ++counters_.stray_acks;
    pump_proxy(now);
    return;
  }

  // Responses over UDP go to the source address, and to the source port when
  // the client asked with rport (RFC 3581) — the only way through its NAT.
  Transmit route_back{d.transport, d.local, d.remote, {}};
  if (d.transport == Transport::udp && !top->has_rport()) route_back.remote.port = top->port.value_or(5060);

  const auto kind = request.method == "INVITE" ? TransactionKind::invite : TransactionKind::non_invite;
  Entry entry{ServerTransaction(now, kind, d.transport != Transport::udp, config_.timers), route_back, flow, key};
  if (transactions_.size() >= config_.max_transactions) {
    entry.key.clear();  // not kept: nothing to schedule
    ++counters_.overloaded;
    Message busy = make_response(request, 503, "Service Unavailable", rng_.random_hex(8));
    busy.append(HeaderId::retry_after, "5");
    respond(now, entry, busy);
    return;
  }
  auto [it, inserted] = transactions_.emplace(key, std::move(entry));
  Entry& e = it->second;

  if (auto dup = duplicated_single_valued(request); !dup.empty()) {
    ++counters_.malformed;
    Message bad = make_response(request, 400,
                                "Bad Request: more than one " + std::string(header_info(dup.front()).name),
                                rng_.random_hex(8));
    respond(now, e, bad);
    return;
  }
  if (request.method == "CANCEL") {
    // §16.10: answer the CANCEL at once, then cancel the INVITE's branches.
    ++counters_.cancels;
    const std::string invite_key = transaction_key(*top, "INVITE");
    const bool known = transactions_.count(invite_key) != 0;
    respond(now, e, make_response(request, known ? 200 : 481, {}, rng_.random_hex(8)));
    if (known) proxy_.cancel(now, invite_key);
    pump_proxy(now);
    return;
  }
  if (auto local = answer_locally(now, request, d, flow)) {
    respond(now, e, *local);
    // A digest challenge changes nothing: answer it statelessly (a
    // retransmission just gets a fresh challenge) instead of holding a
    // transaction for Timer J's 32 s — at thousands of REGISTERs a second
    // those would fill the table. Kamailio's sl_send_reply does the same.
    if (local->status == 401 || local->status == 407) transactions_.erase(key);
    return;
  }
  auto refuse = [&](std::uint16_t status, std::string_view reason = {}) {
    Message r = make_response(request, status, reason, rng_.random_hex(8));
    r.append(HeaderId::server, config_.server_name);
    respond(now, e, r);
  };
  if (request.max_forwards() == 0) {
    ++counters_.too_many_hops;
    return refuse(483);
  }
  const std::string hash = ProxyCore::loop_hash(request);
  for (const Via& v : request.vias())
    if (proxy_.is_our_via(v) && v.branch().value_or("").starts_with("z9hG4bK" + hash + ".")) {
      ++counters_.loops;
      return refuse(482);
    }
  auto targets = route(now, request, d);
  if (auto* status = std::get_if<std::uint16_t>(&targets)) return refuse(*status);
  if (kind == TransactionKind::invite) respond(now, e, make_response(request, 100, "Trying"));
  proxy_.forward(now, key, request, std::get<std::vector<Target>>(targets),
                 request.method == "INVITE" || request.method == "SUBSCRIBE" || request.method == "REFER");
  pump_proxy(now);
}

bool ServerCore::is_us(const Uri& uri) const {
  const std::uint16_t port = uri.port.value_or(uri.scheme == Scheme::sips ? 5061 : 5060);
  const bool host = uri.host == config_.identity.host || registrar_.serves(uri.host);
  return host && (port == config_.identity.port || port == config_.identity.tls_port);
}

std::optional<Target> ServerCore::target_for_uri(const Uri& uri, std::string_view request_uri, const Datagram& d) const {
  auto ip = IpAddress::parse(uri.host);
  if (!ip) return std::nullopt;  // no DNS here: next hops are addresses (or our own users)
  Transport t = Transport::udp;
  if (auto tp = uri.transport()) {
    if (*tp == "tcp" || *tp == "TCP") t = Transport::tcp;
    if (*tp == "tls" || *tp == "TLS") t = Transport::tls;
  }
  if (uri.scheme == Scheme::sips) t = Transport::tls;
  const std::uint16_t port = uri.port.value_or(t == Transport::tls ? 5061 : 5060);
  return Target{std::string(request_uri), Transmit{t, d.local, {*ip, port}, {}}, 0, {}};
}

std::variant<std::vector<Target>, std::uint16_t> ServerCore::route(Instant now, Message& request, const Datagram& d) {
  // Loose routing (§16.4): our own Route entry is consumed; the next one, if
  // any, is where the request goes, its Request-URI untouched.
  auto routes = request.routes(HeaderId::route);
  if (!routes.empty() && is_us(routes.front().uri)) {
    auto first = request.value(HeaderId::route);
    auto list = split_list(*first);
    request.remove_first(HeaderId::route);
    if (list && list->size() > 1) {
      std::string rest;
      for (std::size_t i = 1; i < list->size(); ++i) rest += (i > 1 ? ", " : "") + std::string((*list)[i].text);
      request.prepend(HeaderId::route, rest);
    }
    routes.erase(routes.begin());
  }
  if (!routes.empty()) {
    if (auto b = locations_.find_contact(routes.front().uri.text, now))
      return std::vector<Target>{{std::string(request.request_uri), Transmit{b->transport, b->local, b->source, {}}, b->flow, {}}};
    if (auto t = target_for_uri(routes.front().uri, request.request_uri, d)) return std::vector<Target>{*t};
    ++counters_.not_found;
    return std::uint16_t{404};
  }
  auto ruri = request.uri();
  if (!ruri) return std::uint16_t{416};
  // A device we know (an in-dialog request to its Contact): through its NAT.
  if (auto b = locations_.find_contact(ruri->text, now))
    return std::vector<Target>{{std::string(ruri->text), Transmit{b->transport, b->local, b->source, {}}, b->flow, b->path}};
  // For us when it names one of our domains, or our own address
  // ("sip:bob@203.0.113.10"): then the user is looked up in the first domain.
  const bool ours = ruri->is_sip() && (registrar_.serves(ruri->host) || is_us(*ruri));
  if (ours) {
    auto aor = address_of_record(*ruri);
    if (aor && !registrar_.serves(ruri->host) && !config_.registrar.domains.empty())
      aor = aor->substr(0, aor->find('@') + 1) + config_.registrar.domains.front();
    if (!aor) {
      ++counters_.not_found;
      return std::uint16_t{404};
    }
    std::vector<Target> targets;
    for (const Binding& b : locations_.lookup(*aor, now))
      targets.push_back({b.contact_uri, Transmit{b.transport, b.local, b.source, {}}, b.flow, b.path});
    if (targets.empty()) {
      ++counters_.unavailable;
      return std::uint16_t{480};
    }
    return targets;
  }
  if (auto t = target_for_uri(*ruri, ruri->text, d)) return std::vector<Target>{*t};
  ++counters_.not_found;  // another domain: confabd is no open relay
  return std::uint16_t{404};
}

void ServerCore::pump_proxy(Instant now) {
  while (auto o = proxy_.poll_transmit()) outbox_.push_back(std::move(*o));
  while (auto u = proxy_.poll_upstream()) {
    auto it = transactions_.find(u->server_key);
    if (it == transactions_.end()) continue;  // the caller's transaction is gone
    respond(now, it->second, u->response);
  }
}

std::optional<Message> ServerCore::answer_locally(Instant now, const Message& request, const Datagram& d,
                                                  std::uint64_t flow) {
  if (request.method == "REGISTER")
    return registrar_.handle_register(now, request, RequestSource{d.transport, d.remote, d.local, flow}, rng_);
  auto ruri = request.uri();
  const bool for_us = ruri && ruri->is_sip() && ruri->user.empty() && registrar_.serves(ruri->host);
  if (request.method == "OPTIONS" && (for_us || (ruri && ruri->user.empty()))) {
    // The server itself: keep-alive and port checks (e.g. `confab portcheck`).
    ++counters_.options;
    Message r = make_response(request, 200, {}, rng_.random_hex(8));
    r.append(HeaderId::allow, "REGISTER, OPTIONS");
    r.append(HeaderId::accept, "application/sdp");
    r.append(HeaderId::supported, "path, outbound");
    r.append(HeaderId::server, config_.server_name);
    return r;
  }
  return std::nullopt;
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
  schedule(e);
}

void ServerCore::schedule(const Entry& e) {
  if (e.key.empty()) return;  // a 503 answered outside the table
  if (auto t = e.tx.poll_timeout()) deadlines_.emplace(*t, e.key);
}

void ServerCore::handle_flow_closed(Instant, std::uint64_t flow) { locations_.flow_closed(flow); }

void ServerCore::handle_timeout(Instant now) {
  while (!deadlines_.empty() && deadlines_.top().first <= now) {
    std::string key = deadlines_.top().second;
    deadlines_.pop();
    auto it = transactions_.find(key);
    if (it == transactions_.end()) continue;
    Entry& e = it->second;
    if (auto t = e.tx.poll_timeout(); t && *t <= now) e.tx.handle_timeout(now);
    drain(e);  // re-schedules what is left
    if (e.tx.is_terminated()) transactions_.erase(it);
  }
  if (auto t = locations_.next_expiry(); t && *t <= now) locations_.expire(now);
  proxy_.handle_timeout(now);
  pump_proxy(now);
}

std::optional<Outgoing> ServerCore::poll_transmit() {
  if (outbox_.empty()) return std::nullopt;
  Outgoing o = std::move(outbox_.front());
  outbox_.pop_front();
  return o;
}

std::optional<Instant> ServerCore::poll_timeout() const {
  std::optional<Instant> t = locations_.next_expiry();
  if (auto p = proxy_.poll_timeout(); p && (!t || *p < *t)) t = p;
  if (!deadlines_.empty() && (!t || deadlines_.top().first < *t)) t = deadlines_.top().first;
  return t;
}

}  // namespace confab::sip
