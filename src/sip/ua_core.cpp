// The user agent's plumbing: building requests, running client and server
// transactions (RFC 3261 §17), matching what arrives to them, digest
// challenges (§22.2), and the driving interface.
#include <algorithm>

#include "sip/parser.hpp"
#include "sip/registrar.hpp"
#include "sip/user_agent.hpp"

namespace confab::sip {

const char* to_string(UaEvent::Kind k) {
  switch (k) {
    case UaEvent::Kind::registered: return "registered";
    case UaEvent::Kind::registration_failed: return "registration_failed";
    case UaEvent::Kind::unregistered: return "unregistered";
    case UaEvent::Kind::ringing: return "ringing";
    case UaEvent::Kind::answered: return "answered";
    case UaEvent::Kind::call_failed: return "call_failed";
    case UaEvent::Kind::incoming_call: return "incoming_call";
    case UaEvent::Kind::call_ended: return "call_ended";
    case UaEvent::Kind::reinvite: return "reinvite";
    case UaEvent::Kind::reinvite_answered: return "reinvite_answered";
    case UaEvent::Kind::reinvite_failed: return "reinvite_failed";
  }
  return "?";
}

UserAgent::UserAgent(UaConfig config, Rng& rng)
    : config_(std::move(config)), rng_(rng), auth_(config_.user, config_.password) {}

std::string UserAgent::aor_uri() const { return "sip:" + config_.user + "@" + config_.domain; }

// RFC 5626 §5.4: ";ob" asks the proxy to reach us over the flow we registered from.
std::string UserAgent::contact() const {
  const char* transport = config_.transport == Transport::tls ? ";transport=tls" : "";
  return "<sip:" + config_.user + "@" + config_.local.to_string() + transport + ";ob>";
}

std::string UserAgent::new_branch() { return "z9hG4bK" + rng_.random_hex(10); }

Message UserAgent::new_request(std::string_view method, std::string_view ruri, std::string_view from,
                               std::string_view to, std::string_view call_id, std::uint32_t cseq,
                               std::string_view branch) {
  Message m = make_request(method, ruri);
  std::string b = branch.empty() ? new_branch() : std::string(branch);
  const char* via = config_.transport == Transport::tls ? "SIP/2.0/TLS " : "SIP/2.0/UDP ";
  m.append(HeaderId::via, via + config_.local.to_string() + ";branch=" + b + ";rport");
  m.append(HeaderId::max_forwards, "70");
  m.append(HeaderId::from, from);
  m.append(HeaderId::to, to);
  m.append(HeaderId::call_id, call_id);
  m.append(HeaderId::cseq, std::to_string(cseq) + " " + std::string(method));
  m.append("User-Agent", config_.user_agent);
  return m;
}

// Signs `request` under the accepted challenge, if there is one.
bool UserAgent::add_credentials(Message& request) {
  if (!auth_.has_challenge() || config_.password.empty()) return false;
  auto value = auth_.authorization(request.method, request.request_uri, rng_);
  if (!value) return false;
  request.append(auth_header_, *value);
  return true;
}

// A 401/407: true when it is worth retrying with credentials (once, or again
// when the server only says our nonce went stale).
bool UserAgent::accept_challenge(const Message& response, bool had_credentials) {
  if (config_.password.empty()) return false;
  const bool proxy = response.status == 407;
  std::vector<std::string> values;
  for (const auto& h : response.headers)
    if (h.id == (proxy ? HeaderId::proxy_authenticate : HeaderId::www_authenticate)) values.emplace_back(h.value);
  if (values.empty() || !auth_.accept_values(values)) return false;
  auth_header_ = proxy ? "Proxy-Authorization" : "Authorization";
  return !had_credentials || auth_.current_challenge()->stale;
}

void UserAgent::start_client(Instant now, Message request, Purpose purpose, bool with_credentials) {
  auto text = serialize(request);
  Bytes bytes(text.begin(), text.end());
  const auto kind = request.method == "INVITE" ? TransactionKind::invite : TransactionKind::non_invite;
  std::string key = std::string(*request.top_via()->branch()) + " " + std::string(request.method);
  clients_.insert_or_assign(key, ClientTx{ClientTransaction(now, kind, std::move(bytes), reliable(), config_.timers),
                                          std::move(request), purpose, with_credentials});
}

void UserAgent::send_to_server(Bytes bytes) {
  outbox_.push_back(Transmit{config_.transport, config_.local, config_.server, std::move(bytes)});
}

void UserAgent::respond(Instant now, ServerTx& stx, const Message& response) {
  auto text = serialize(response);
  stx.tx.respond(now, response.status, Bytes(text.begin(), text.end()));
}

// Moves what the transactions want sent into the outbox and acts on their
// events; forgets the finished ones.
void UserAgent::pump(Instant now) {
  for (bool again = true; again;) {
    again = false;
    for (auto it = clients_.begin(); it != clients_.end();) {
      auto& c = it->second;
      while (auto b = c.tx.poll_transmit()) send_to_server(std::move(*b));
      while (auto e = c.tx.poll_event()) {
        using K = TransactionEvent::Kind;
        if (e->kind == K::final_response || e->kind == K::timeout || e->kind == K::transport_error) {
          Message response;
          int status = e->kind == K::final_response ? e->status : (e->kind == K::timeout ? 408 : 503);
          if (e->kind == K::final_response) {
            auto parsed = parse(e->message);
            if (!parsed) continue;
            response = std::move(*parsed);
          } else {
            response.status = static_cast<std::uint16_t>(status);
            response.reason = e->kind == K::timeout ? "Request Timeout" : "Service Unavailable";
          }
          const std::size_t before = clients_.size();
          on_final(now, c, status, response);
          if (clients_.size() != before) again = true;  // a new transaction started: go round again
          while (auto b = c.tx.poll_transmit()) send_to_server(std::move(*b));
        }
      }
      it = c.tx.is_terminated() ? clients_.erase(it) : std::next(it);
    }
  }
  for (auto it = servers_.begin(); it != servers_.end();) {
    auto& s = it->second;
    while (auto b = s.tx.poll_transmit()) outbox_.push_back(Transmit{config_.transport, config_.local, s.reply_to, std::move(*b)});
    while (s.tx.poll_event()) {
    }
    it = s.tx.is_terminated() ? servers_.erase(it) : std::next(it);
  }
}

void UserAgent::on_final(Instant now, ClientTx& ctx, int status, const Message& response) {
  switch (ctx.purpose) {
    case Purpose::reg: on_register_final(now, ctx, status, response); break;
    case Purpose::invite: on_invite_final(now, ctx, status, response); break;
    case Purpose::reinvite: on_reinvite_final(now, ctx, status, response); break;
    case Purpose::bye:
      if (state_ == CallState::terminating) end_call(UaEvent::of(UaEvent::Kind::call_ended, status, std::string(response.reason)));
      break;
    case Purpose::cancel:
    case Purpose::other: break;
  }
}

void UserAgent::handle_datagram(Instant now, const Datagram& d) {
  auto m = parse(d.bytes);
  if (!m || !missing_required(*m).empty()) return;  // not SIP, or not a message we can act on
  if (m->is_response())
    handle_response(now, std::move(*m));
  else
    handle_request(now, std::move(*m), d);
  pump(now);
}

void UserAgent::handle_response(Instant now, Message response) {
  auto via = response.top_via();
  auto cseq = response.cseq();
  if (!via || !cseq || !via->branch()) return;
  auto it = clients_.find(std::string(*via->branch()) + " " + std::string(cseq->method));
  if (it == clients_.end()) return;  // stray (or a 2xx retransmission after Timer M): dropped
  if (it->second.purpose == Purpose::invite && response.status >= 100 && response.status < 200)
    on_invite_provisional(now, response);
  it->second.tx.handle_response(now, response.status, as_bytes(serialize(response)));
}

void UserAgent::handle_request(Instant now, Message request, const Datagram& d) {
  auto via = request.top_via();
  if (!via) return;
  const std::string branch(via->branch().value_or(""));
  if (request.method == "ACK") {
    auto it = servers_.find(branch + " INVITE");
    if (it != servers_.end() && !branch.empty()) {
      it->second.tx.handle_ack(now);  // the ACK for our non-2xx
      return;
    }
    on_ack(now, request);
    return;
  }
  const std::string key = branch + " " + std::string(request.method);
  if (auto it = servers_.find(key); it != servers_.end() && !branch.empty()) {
    it->second.tx.handle_request_retransmission(now);
    return;
  }
  if (request.method == "CANCEL") {
    on_cancel(now, request, d);
    return;
  }
  const auto kind = request.method == "INVITE" ? TransactionKind::invite : TransactionKind::non_invite;
  auto& stx = servers_.insert_or_assign(key, ServerTx{ServerTransaction(now, kind, reliable(), config_.timers), request, d.remote})
                  .first->second;
  if (request.method == "INVITE")
    on_invite(now, request, d, key);
  else if (request.method == "BYE")
    on_bye(now, request, d, key);
  else if (request.method == "OPTIONS")
    respond(now, stx, make_response(request, 200));
  else
    respond(now, stx, make_response(request, 501));
}

void UserAgent::handle_timeout(Instant now) {
  for (auto& [key, c] : clients_)
    if (auto t = c.tx.poll_timeout(); t && *t <= now) c.tx.handle_timeout(now);
  for (auto& [key, s] : servers_)
    if (auto t = s.tx.poll_timeout(); t && *t <= now) s.tx.handle_timeout(now);
  if (refresh_at_ && *refresh_at_ <= now) {
    refresh_at_.reset();
    if (keep_registered_) send_register(now, config_.expires);
  }
  retransmit_ok(now);
  pump(now);
}

std::optional<Transmit> UserAgent::poll_transmit() {
  if (outbox_.empty()) return std::nullopt;
  Transmit t = std::move(outbox_.front());
  outbox_.pop_front();
  return t;
}

std::optional<UaEvent> UserAgent::poll_event() {
  if (events_.empty()) return std::nullopt;
  UaEvent e = std::move(events_.front());
  events_.pop_front();
  return e;
}

std::optional<Instant> UserAgent::poll_timeout() const {
  std::optional<Instant> earliest;
  auto consider = [&](std::optional<Instant> t) {
    if (t && (!earliest || *t < *earliest)) earliest = t;
  };
  for (const auto& [key, c] : clients_) consider(c.tx.poll_timeout());
  for (const auto& [key, s] : servers_) consider(s.tx.poll_timeout());
  consider(refresh_at_);
  consider(ok_retransmit_at_);
  return earliest;
}

bool UserAgent::quiescent() const {
  const bool clients_done = std::all_of(clients_.begin(), clients_.end(), [](const auto& c) {
    // A finished INVITE or non-INVITE only lingers to absorb retransmissions.
    auto s = c.second.tx.state();
    return s == TransactionState::completed || s == TransactionState::accepted || s == TransactionState::terminated;
  });
  return clients_done && outbox_.empty() && !ok_retransmit_at_;
}

}  // namespace confab::sip
