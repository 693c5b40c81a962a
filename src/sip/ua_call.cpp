// Calls we place (RFC 3261 §13.2) and ending calls: INVITE with the
// placeholder offer, the dialog from the 2xx (§12.1.2: route set from
// Record-Route reversed, remote target from Contact), ACK for 2xx as a new
// request through the route set (§13.2.2.4), ACK for non-2xx inside the
// transaction (§17.1.1.3), CANCEL (§9.1) and BYE (§15.1).
#include "sip/registrar.hpp"
#include "sip/user_agent.hpp"

namespace confab::sip {

namespace {

std::string with_tag(std::string_view uri, std::string_view tag) {
  std::string s = "<" + std::string(uri) + ">";
  if (!tag.empty()) s += ";tag=" + std::string(tag);
  return s;
}

void add_routes(Message& m, const std::vector<std::string>& route_set) {
  for (const auto& r : route_set) m.append(HeaderId::route, r);
}

}  // namespace

bool UserAgent::call(Instant now, std::string_view target, std::optional<std::string> sdp) {
  if (state_ != CallState::idle) return false;
  dialog_ = Dialog{};
  dialog_.call_id = rng_.random_hex(12);
  dialog_.local_tag = rng_.random_hex(6);
  dialog_.local_uri = aor_uri();
  dialog_.remote_uri = std::string(target);
  dialog_.remote_target = std::string(target);
  remote_sdp_.clear();
  local_sdp_ = std::move(sdp);
  cancel_pending_ = false;
  provisional_seen_ = false;
  ack_.clear();
  state_ = CallState::calling;
  send_invite(now, false);
  pump(now);
  return true;
}

void UserAgent::send_invite(Instant now, bool with_credentials) {
  Message m = new_request("INVITE", dialog_.remote_uri, with_tag(dialog_.local_uri, dialog_.local_tag),
                          with_tag(dialog_.remote_uri, ""), dialog_.call_id, dialog_.local_cseq);
  m.append(HeaderId::contact, contact());
  m.append(HeaderId::allow, "INVITE, ACK, CANCEL, BYE, OPTIONS");
  m.set_body(local_sdp_ ? *local_sdp_ : placeholder_sdp(config_.local.ip, config_.media_port, rng_.next_u32()),
             "application/sdp");
  const bool signed_ = with_credentials && add_credentials(m);
  invite_ = m;
  invite_key_ = std::string(*m.top_via()->branch()) + " INVITE";
  start_client(now, std::move(m), Purpose::invite, signed_);
}

void UserAgent::on_invite_provisional(Instant now, const Message& response) {
  provisional_seen_ = true;
  if (state_ == CallState::calling && response.status > 100) {
    state_ = CallState::ringing;
    push(UaEvent::of(UaEvent::Kind::ringing, response.status, std::string(response.reason), dialog_.remote_uri));
  }
  if (cancel_pending_) {  // hang_up() came before anything did: now CANCEL may go (§9.1)
    cancel_pending_ = false;
    send_cancel(now);
  }
}

// §13.2.2.4: a new transaction of its own, sent through the route set.
Message UserAgent::ack_for_2xx(const Message& response) {
  auto cseq = response.cseq();
  Message ack = new_request("ACK", dialog_.remote_target, with_tag(dialog_.local_uri, dialog_.local_tag),
                            with_tag(dialog_.remote_uri, dialog_.remote_tag), dialog_.call_id,
                            cseq ? cseq->number : dialog_.local_cseq);
  add_routes(ack, dialog_.route_set);
  return ack;
}

// §17.1.1.3: the ACK for a non-2xx final response is part of the INVITE
// transaction: same branch, the request's From and Route, the response's To.
void UserAgent::ack_non_2xx(ClientTx& ctx, const Message& response) {
  if (response.status < 300 || response.headers.empty()) return;  // a timeout has nothing to ACK
  Message ack = make_request("ACK", ctx.request.request_uri);
  ack.append(HeaderId::via, *ctx.request.value(HeaderId::via));
  ack.append(HeaderId::max_forwards, "70");
  ack.append(HeaderId::from, *ctx.request.value(HeaderId::from));
  ack.append(HeaderId::to, *response.value(HeaderId::to));
  ack.append(HeaderId::call_id, dialog_.call_id);
  ack.append(HeaderId::cseq, std::to_string(ctx.request.cseq()->number) + " ACK");
  for (auto r : ctx.request.values(HeaderId::route)) ack.append(HeaderId::route, r);
  auto text = serialize(ack);
  ctx.tx.send_ack(Bytes(text.begin(), text.end()));
}

void UserAgent::on_invite_final(Instant now, ClientTx& ctx, int status, const Message& response) {
  if (status >= 200 && status < 300) {
    if (!ack_.empty()) {  // a retransmitted 2xx: our ACK was lost
      send_to_server(ack_);
      return;
    }
    if (auto to = response.to(); to && to->tag()) dialog_.remote_tag = std::string(*to->tag());
    if (auto c = response.contact(); c && !c->contacts.empty())
      dialog_.remote_target = std::string(c->contacts.front().uri.text);
    dialog_.route_set.clear();
    auto rr = response.values(HeaderId::record_route);
    for (auto it = rr.rbegin(); it != rr.rend(); ++it) dialog_.route_set.emplace_back(*it);
    auto text = serialize(ack_for_2xx(response));
    ack_.assign(text.begin(), text.end());
    send_to_server(ack_);
    remote_sdp_ = std::string(response.body);
    if (state_ == CallState::cancelling) {  // our CANCEL lost the race: the call exists, end it
      state_ = CallState::active;
      send_in_dialog(now, "BYE", Purpose::bye);
      state_ = CallState::terminating;
      return;
    }
    state_ = CallState::active;
    UaEvent e = UaEvent::of(UaEvent::Kind::answered, status, std::string(response.reason), dialog_.remote_uri);
    e.sdp = remote_sdp_;
    push(std::move(e));
    return;
  }
  ack_non_2xx(ctx, response);
  if ((status == 401 || status == 407) && state_ != CallState::cancelling &&
      accept_challenge(response, ctx.with_credentials)) {
    ++dialog_.local_cseq;
    send_invite(now, true);
    return;
  }
  if (state_ == CallState::idle) return;
  const bool we_cancelled = state_ == CallState::cancelling;
  state_ = CallState::idle;
  UaEvent e = UaEvent::of(we_cancelled ? UaEvent::Kind::call_ended : UaEvent::Kind::call_failed, status,
                          std::string(response.reason), dialog_.remote_uri);
  e.local = response.headers.empty();
  push(std::move(e));
}

void UserAgent::send_cancel(Instant now) {
  if (!invite_) return;
  const Message& inv = *invite_;
  Message c = make_request("CANCEL", inv.request_uri);
  c.append(HeaderId::via, *inv.value(HeaderId::via));  // same branch: it matches the INVITE (§9.1)
  c.append(HeaderId::max_forwards, "70");
  c.append(HeaderId::from, *inv.value(HeaderId::from));
  c.append(HeaderId::to, *inv.value(HeaderId::to));
  c.append(HeaderId::call_id, *inv.call_id());
  c.append(HeaderId::cseq, std::to_string(inv.cseq()->number) + " CANCEL");
  for (auto r : inv.values(HeaderId::route)) c.append(HeaderId::route, r);
  start_client(now, std::move(c), Purpose::cancel);
}

Message UserAgent::in_dialog_request(std::string_view method) {
  ++dialog_.local_cseq;
  Message m = new_request(method, dialog_.remote_target, with_tag(dialog_.local_uri, dialog_.local_tag),
                          with_tag(dialog_.remote_uri, dialog_.remote_tag), dialog_.call_id, dialog_.local_cseq);
  add_routes(m, dialog_.route_set);
  return m;
}

void UserAgent::send_in_dialog(Instant now, std::string_view method, Purpose purpose) {
  start_client(now, in_dialog_request(method), purpose);
}

void UserAgent::hang_up(Instant now) {
  switch (state_) {
    case CallState::calling:  // CANCEL only once something came back (§9.1)
      state_ = CallState::cancelling;
      if (provisional_seen_)
        send_cancel(now);
      else
        cancel_pending_ = true;
      break;
    case CallState::ringing:
      state_ = CallState::cancelling;
      send_cancel(now);
      break;
    case CallState::incoming: decline(now, 603); break;
    case CallState::answering:
    case CallState::active:
      ok_retransmit_at_.reset();
      send_in_dialog(now, "BYE", Purpose::bye);
      state_ = CallState::terminating;
      break;
    case CallState::idle:
    case CallState::cancelling:
    case CallState::terminating: break;
  }
  pump(now);
}

void UserAgent::end_call(UaEvent e) {
  state_ = CallState::idle;
  ok_retransmit_at_.reset();
  ok_give_up_at_.reset();
  e.peer = dialog_.remote_uri;
  push(std::move(e));
}

}  // namespace confab::sip
