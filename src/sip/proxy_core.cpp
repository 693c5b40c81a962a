#include "sip/proxy_core.hpp"

#include "sip/header_values.hpp"
#include "sip/registrar.hpp"  // random_token

namespace confab::sip {

namespace {

const char* via_transport(Transport t) {
  switch (t) {
    case Transport::udp: return "UDP";
    case Transport::tcp: return "TCP";
    case Transport::tls: return "TLS";
  }
  return "UDP";
}

// Removes the top Via value (ours), even when several values share a header line.
void pop_top_via(Message& m) {
  auto first = m.value(HeaderId::via);
  if (!first) return;
  auto list = split_list(*first);
  m.remove_first(HeaderId::via);
  if (list && list->size() > 1) {
    std::string rest;
    for (std::size_t i = 1; i < list->size(); ++i) rest.append(i > 1 ? ", " : "").append((*list)[i].text);
    m.prepend(HeaderId::via, rest);
  }
}

// §16.7 step 6, simplified: 6xx beats everything, then the lowest status
// (4xx before 5xx); 503 is never passed upstream as such (becomes 500).
bool better(std::uint16_t candidate, std::uint16_t current) {
  if (current >= 600) return false;
  if (candidate >= 600) return true;
  return candidate < current;
}

}  // namespace

ProxyCore::ProxyCore(ProxyIdentity identity, Rng& rng, TransactionTimers timers)
    : identity_(std::move(identity)), rng_(rng), timers_(timers) {}

std::string ProxyCore::loop_hash(const Message& r) {
  // FNV-1a over what a loop leaves unchanged and a spiral changes (§16.3
  // step 4). From and To are taken whole (their tags included): no proxy
  // rewrites them, and hashing the text spares parsing them.
  std::uint64_t h = 1469598103934665603ULL;
  auto mix = [&](std::string_view s) {
    for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    h = (h ^ 0xff) * 1099511628211ULL;
  };
  mix(r.request_uri);
  for (HeaderId id : {HeaderId::call_id, HeaderId::from, HeaderId::to, HeaderId::cseq}) mix(r.value(id).value_or(""));
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 8; ++i) out.push_back(hex[(h >> (i * 4)) & 15]);
  return out;
}

bool ProxyCore::is_our_via(const Via& via) const {
  std::uint16_t port = via.port.value_or(5060);
  return via.host == identity_.host && (port == identity_.port || port == identity_.tls_port);
}

std::string ProxyCore::via_for(const Target& t, const std::string& branch) const {
  std::uint16_t port = t.route.transport == Transport::tls ? identity_.tls_port : identity_.port;
  std::string v = std::string("SIP/2.0/") + via_transport(t.route.transport) + " " + identity_.host + ":" +
                  std::to_string(port) + ";branch=" + branch;
  if (t.route.transport == Transport::udp) v += ";rport";
  return v;
}

void ProxyCore::forward(Instant now, const std::string& server_key, const Message& request,
                        const std::vector<Target>& targets, bool record_route) {
  ++counters_.proxied;
  Context ctx;
  ctx.server_key = server_key;
  ctx.invite = request.method == "INVITE";
  ctx.request = request;
  const std::string hash = loop_hash(request);
  for (const Target& t : targets) {
    std::string branch = "z9hG4bK" + hash + "." + rng_.random_hex(6);
    Message m = request;
    m.request_uri = m.intern(t.request_uri);
    m.decrement_max_forwards();
    if (record_route) {
      const char* tp = t.route.transport == Transport::udp ? "udp" : t.route.transport == Transport::tcp ? "tcp" : "tls";
      std::uint16_t port = t.route.transport == Transport::tls ? identity_.tls_port : identity_.port;
      m.prepend(HeaderId::record_route,
                "<sip:" + identity_.host + ":" + std::to_string(port) + ";transport=" + tp + ";lr>");
    }
    for (auto it = t.path.rbegin(); it != t.path.rend(); ++it) m.prepend(HeaderId::route, *it);
    m.prepend(HeaderId::via, via_for(t, branch));
    std::string bytes = serialize(m);
    Branch b{branch,
             ClientTransaction(now, ctx.invite ? TransactionKind::invite : TransactionKind::non_invite,
                               Bytes(bytes.begin(), bytes.end()), t.route.transport != Transport::udp, timers_),
             t, std::move(m), std::nullopt, false, std::nullopt,
             ctx.invite ? std::optional<Instant>(now + timers_.timer_c) : std::nullopt};
    ++counters_.branches;
    ctx.branches.push_back(branch);
    owner_[branch] = server_key;
    auto [it, ok] = branches_.emplace(branch, std::move(b));
    drain_branch(now, it->second);
  }
  contexts_[server_key] = std::move(ctx);
}

void ProxyCore::forward_stateless(const Message& request, const Target& t) {
  ++counters_.stateless;
  Message m = request;
  m.request_uri = m.intern(t.request_uri);
  m.decrement_max_forwards();
  // A stateless branch must be the same for retransmissions (§16.11): derive it.
  m.prepend(HeaderId::via, via_for(t, "z9hG4bK" + loop_hash(request) + ".ack"));
  std::string bytes = serialize(m);
  Transmit tr = t.route;
  tr.bytes.assign(bytes.begin(), bytes.end());
  outbox_.push_back({std::move(tr), t.flow});
}

void ProxyCore::handle_response(Instant now, const Message& response) {
  auto top = response.top_via();
  auto cseq = response.cseq();
  if (!top || !cseq || !is_our_via(*top)) {
    ++counters_.stray_responses;
    return;
  }
  auto it = branches_.find(std::string(top->branch().value_or("")));
  if (it == branches_.end()) {
    ++counters_.stray_responses;
    return;
  }
  Branch& b = it->second;
  if (cseq->method == "CANCEL") {
    if (b.cancel_tx) b.cancel_tx->handle_response(now, response.status, {});
    drain_branch(now, b);
    return;
  }
  auto owner = owner_.find(b.branch);
  auto ctx = owner == owner_.end() ? contexts_.end() : contexts_.find(owner->second);
  b.tx.handle_response(now, response.status, {});
  while (auto e = b.tx.poll_event()) {
    if (ctx == contexts_.end()) continue;
    if (e->kind == TransactionEvent::Kind::provisional) {
      b.provisional_seen = true;
      // §16.7 step 2: any provisional but 100 restarts Timer C.
      if (b.timer_c && response.status > 100) b.timer_c = now + timers_.timer_c;
      if (ctx->second.cancelled && !b.cancel_tx) cancel_branch(now, b);  // a CANCEL waits for the first 1xx
      if (response.status != 100 && !ctx->second.final_sent) {
        Message up = response;
        pop_top_via(up);
        send_upstream(ctx->first, std::move(up));
      }
    } else if (e->kind == TransactionEvent::Kind::final_response) {
      on_final(now, ctx->second, b, response);
    }
  }
  drain_branch(now, b);
}

void ProxyCore::on_final(Instant now, Context& c, Branch& b, const Message& response) {
  const bool first_final = !b.final_status;
  b.timer_c.reset();
  b.final_status = response.status;
  if (c.invite && response.status >= 300) {
    std::string ack = serialize(ack_for(b, response));
    b.tx.send_ack(Bytes(ack.begin(), ack.end()));
  }
  if (response.status < 300) {
    // Every 2xx goes upstream (forks and retransmissions included, RFC 6026);
    // for INVITE the other branches are cancelled (§16.7 step 10).
    Message up = response;
    pop_top_via(up);
    send_upstream(c.server_key, std::move(up));
    c.final_sent = true;
    if (c.invite && first_final)
      for (const auto& key : c.branches)
        if (auto o = branches_.find(key); o != branches_.end() && o->first != b.branch) cancel_branch(now, o->second);
    return;
  }
  if (!c.best || better(response.status, c.best->status)) {
    c.best = response;
    pop_top_via(*c.best);  // stored as it will go upstream
  }
  if (c.invite && response.status >= 600)
    for (const auto& key : c.branches)
      if (auto o = branches_.find(key); o != branches_.end() && o->first != b.branch) cancel_branch(now, o->second);
  maybe_finish(c);
}

void ProxyCore::maybe_finish(Context& c) {
  if (c.final_sent) return;
  for (const auto& key : c.branches)
    if (auto b = branches_.find(key); b != branches_.end() && !b->second.final_status) return;
  Message up = c.best ? *c.best : make_response(c.request, 408, "Request Timeout");
  // §16.7 step 6: a 503 downstream means that hop, not this server.
  if (up.status == 503) up = make_response(c.request, 500, "Server Internal Error: no usable destination");
  send_upstream(c.server_key, std::move(up));
  c.final_sent = true;
}

// §16.8: a branch that rang (1xx seen) is CANCELled, and its 487 ends it as
// any final would; one that never answered at all counts as a 408.
void ProxyCore::fire_timer_c(Instant now, Branch& b) {
  b.timer_c.reset();
  ++counters_.timer_c;
  if (b.provisional_seen) {
    cancel_branch(now, b);
    return;
  }
  auto owner = owner_.find(b.branch);
  auto ctx = owner == owner_.end() ? contexts_.end() : contexts_.find(owner->second);
  b.final_status = 408;
  if (ctx == contexts_.end()) return;
  if (!ctx->second.best || better(408, ctx->second.best->status))
    ctx->second.best = make_response(ctx->second.request, 408, "Request Timeout");
  maybe_finish(ctx->second);
}

void ProxyCore::cancel(Instant now, const std::string& server_key) {
  auto ctx = contexts_.find(server_key);
  if (ctx == contexts_.end()) return;
  ctx->second.cancelled = true;
  for (const auto& key : ctx->second.branches)
    if (auto b = branches_.find(key); b != branches_.end() && b->second.provisional_seen) cancel_branch(now, b->second);
}

void ProxyCore::cancel_branch(Instant now, Branch& b) {
  if (b.cancel_tx || b.final_status) return;
  // §9.1: same Request-URI, Call-ID, From, To, CSeq number and top Via (ours).
  Message c = make_request("CANCEL", b.request.request_uri);
  c.append(HeaderId::via, *b.request.value(HeaderId::via));
  c.append(HeaderId::max_forwards, "70");
  for (HeaderId id : {HeaderId::from, HeaderId::to, HeaderId::call_id})
    if (auto v = b.request.value(id)) c.append(id, *v);
  c.append(HeaderId::cseq, std::to_string(b.request.cseq()->number) + " CANCEL");
  for (auto v : b.request.values(HeaderId::route)) c.append(HeaderId::route, v);
  c.append(HeaderId::content_length, "0");
  std::string bytes = serialize(c);
  b.cancel_tx.emplace(now, TransactionKind::non_invite, Bytes(bytes.begin(), bytes.end()),
                      b.target.route.transport != Transport::udp, timers_);
  ++counters_.cancelled;
  drain_branch(now, b);
}

Message ProxyCore::ack_for(const Branch& b, const Message& response) const {
  // §17.1.1.3: the ACK for a non-2xx is part of the INVITE transaction.
  Message a = make_request("ACK", b.request.request_uri);
  a.append(HeaderId::via, *b.request.value(HeaderId::via));
  a.append(HeaderId::max_forwards, "70");
  for (HeaderId id : {HeaderId::from, HeaderId::call_id})
    if (auto v = b.request.value(id)) a.append(id, *v);
  if (auto to = response.value(HeaderId::to)) a.append(HeaderId::to, *to);
  a.append(HeaderId::cseq, std::to_string(b.request.cseq()->number) + " ACK");
  for (auto v : b.request.values(HeaderId::route)) a.append(HeaderId::route, v);
  a.append(HeaderId::content_length, "0");
  return a;
}

void ProxyCore::send_upstream(const std::string& key, Message response) {
  upstream_.push_back({key, std::move(response)});
}

void ProxyCore::drain_branch(Instant now, Branch& b) {
  auto push = [&](Bytes bytes) {
    Transmit t = b.target.route;
    t.bytes = std::move(bytes);
    outbox_.push_back({std::move(t), b.target.flow});
  };
  while (auto bytes = b.tx.poll_transmit()) push(std::move(*bytes));
  if (b.cancel_tx) {
    while (auto bytes = b.cancel_tx->poll_transmit()) push(std::move(*bytes));
    while (b.cancel_tx->poll_event()) {
    }
  }
  auto owner = owner_.find(b.branch);
  auto ctx = owner == owner_.end() ? contexts_.end() : contexts_.find(owner->second);
  while (auto e = b.tx.poll_event()) {
    if (e->kind != TransactionEvent::Kind::timeout && e->kind != TransactionEvent::Kind::transport_error) continue;
    if (b.final_status || ctx == contexts_.end()) continue;
    ++counters_.timeouts;
    // No answer from this branch: it counts as a 408 (§16.8).
    b.final_status = 408;
    if (!ctx->second.best || better(408, ctx->second.best->status))
      ctx->second.best = make_response(ctx->second.request, 408, "Request Timeout");
    maybe_finish(ctx->second);
  }
  (void)now;
  schedule(b);
}

void ProxyCore::schedule(const Branch& b) {
  std::optional<Instant> t = b.tx.poll_timeout();
  if (b.cancel_tx)
    if (auto c = b.cancel_tx->poll_timeout(); c && (!t || *c < *t)) t = c;
  if (b.timer_c && !b.final_status && (!t || *b.timer_c < *t)) t = b.timer_c;
  if (t) deadlines_.emplace(*t, b.branch);
  // Over without a timer (a transport error): retire it at the next look.
  if (!t && b.tx.is_terminated()) deadlines_.emplace(Instant{}, b.branch);
}

// A branch whose transactions are over: forget it, and its context once no
// branch of it is left and its final response went upstream.
void ProxyCore::retire(const std::string& branch) {
  auto owner = owner_.find(branch);
  branches_.erase(branch);
  if (owner == owner_.end()) return;
  std::string key = owner->second;
  owner_.erase(owner);
  auto ctx = contexts_.find(key);
  if (ctx == contexts_.end()) return;
  bool live = false;
  for (const auto& k : ctx->second.branches) live |= branches_.count(k) != 0;
  if (!live && ctx->second.final_sent) contexts_.erase(ctx);
}

void ProxyCore::handle_timeout(Instant now) {
  while (!deadlines_.empty() && deadlines_.top().first <= now) {
    std::string key = deadlines_.top().second;
    deadlines_.pop();
    auto it = branches_.find(key);
    if (it == branches_.end()) continue;
    Branch& b = it->second;
    if (auto t = b.tx.poll_timeout(); t && *t <= now) b.tx.handle_timeout(now);
    if (b.cancel_tx)
      if (auto t = b.cancel_tx->poll_timeout(); t && *t <= now) b.cancel_tx->handle_timeout(now);
    if (b.timer_c && *b.timer_c <= now && !b.final_status) fire_timer_c(now, b);
    drain_branch(now, b);
    if (b.tx.is_terminated() && (!b.cancel_tx || b.cancel_tx->is_terminated())) retire(key);
  }
}

std::optional<Outgoing> ProxyCore::poll_transmit() {
  if (outbox_.empty()) return std::nullopt;
  Outgoing o = std::move(outbox_.front());
  outbox_.pop_front();
  return o;
}

std::optional<UpstreamResponse> ProxyCore::poll_upstream() {
  if (upstream_.empty()) return std::nullopt;
  UpstreamResponse u = std::move(upstream_.front());
  upstream_.pop_front();
  return u;
}

std::optional<Instant> ProxyCore::poll_timeout() const {
  if (deadlines_.empty()) return std::nullopt;
  return deadlines_.top().first;
}

}  // namespace confab::sip
