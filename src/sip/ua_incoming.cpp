// Calls we answer (RFC 3261 §13.3) and requests inside a dialog: an INVITE
// rings (180 with our tag), answer() sends the 2xx with the placeholder
// answer and retransmits it until the ACK (§13.3.1.4), decline() refuses;
// CANCEL (§9.2) and BYE (§15.1.2) end the call.
#include "sip/registrar.hpp"
#include "sip/user_agent.hpp"

namespace confab::sip {

void UserAgent::on_invite(Instant now, const Message& request, const Datagram& d, const std::string& key) {
  auto& stx = servers_.at(key);
  auto to = request.to();
  if (to && to->tag()) {  // a re-INVITE (ua_reinvite.cpp)
    on_reinvite(now, request, key);
    return;
  }
  if (state_ != CallState::idle) {
    respond(now, stx, make_response(request, 486, {}, rng_.random_hex(6)));
    return;
  }
  auto from = request.from();
  dialog_ = Dialog{};
  dialog_.call_id = std::string(*request.call_id());
  dialog_.local_tag = rng_.random_hex(6);
  dialog_.remote_tag = std::string(from->tag().value_or(""));
  dialog_.local_uri = std::string(to->uri.text);
  dialog_.remote_uri = std::string(from->uri.text);
  dialog_.remote_target = dialog_.remote_uri;
  if (auto c = request.contact(); c && !c->contacts.empty())
    dialog_.remote_target = std::string(c->contacts.front().uri.text);
  for (auto rr : request.values(HeaderId::record_route)) dialog_.route_set.emplace_back(rr);  // §12.1.1: in order
  dialog_.local_cseq = 1;
  invite_ = request;
  invite_key_ = key;
  ok_to_ = d.remote;
  remote_sdp_ = std::string(request.body);
  state_ = CallState::incoming;
  respond(now, stx, make_response(request, 180, {}, dialog_.local_tag));
  UaEvent e = UaEvent::of(UaEvent::Kind::incoming_call, 0, {}, dialog_.remote_uri);
  e.sdp = remote_sdp_;
  push(std::move(e));
}

void UserAgent::answer(Instant now, std::optional<std::string> sdp) {
  if (state_ != CallState::incoming || !invite_) return;
  auto it = servers_.find(invite_key_);
  if (it == servers_.end() || !it->second.tx.can_respond()) return;
  Message ok = make_response(*invite_, 200, {}, dialog_.local_tag);
  for (auto rr : invite_->values(HeaderId::record_route)) ok.append(HeaderId::record_route, rr);
  ok.append(HeaderId::contact, contact());
  ok.append(HeaderId::allow, "INVITE, ACK, CANCEL, BYE, OPTIONS");
  local_sdp_ = std::move(sdp);
  ok.set_body(local_sdp_ ? *local_sdp_ : placeholder_sdp(config_.local.ip, config_.media_port, rng_.next_u32()),
              "application/sdp");
  respond(now, it->second, ok);
  auto text = serialize(ok);
  ok_.assign(text.begin(), text.end());
  ok_interval_ = config_.timers.t1;
  ok_retransmit_at_ = now + ok_interval_;
  ok_give_up_at_ = now + 64 * config_.timers.t1;
  state_ = CallState::answering;
  pump(now);
}

void UserAgent::decline(Instant now, int status) {
  if (state_ != CallState::incoming || !invite_) return;
  if (auto it = servers_.find(invite_key_); it != servers_.end())
    respond(now, it->second, make_response(*invite_, static_cast<std::uint16_t>(status), {}, dialog_.local_tag));
  state_ = CallState::idle;
  pump(now);
}

// Our 2xx again, T1 doubling up to T2, until the ACK; no ACK in 64*T1 ends
// the call with a BYE (§13.3.1.4).
void UserAgent::retransmit_ok(Instant now) {
  if (!ok_retransmit_at_ || now < *ok_retransmit_at_) return;
  if (ok_give_up_at_ && now >= *ok_give_up_at_) {
    ok_retransmit_at_.reset();
    reinvite_answering_ = false;
    if (state_ == CallState::answering) {
      send_in_dialog(now, "BYE", Purpose::bye);
      state_ = CallState::terminating;
    }
    return;
  }
  outbox_.push_back(Transmit{config_.transport, config_.local, ok_to_, ok_});
  ok_interval_ = std::min(2 * ok_interval_, config_.timers.t2);
  ok_retransmit_at_ = now + ok_interval_;
}

void UserAgent::on_ack(Instant, const Message& request) {
  if (request.call_id() != dialog_.call_id) return;
  if (reinvite_answering_) {  // the ACK for our 2xx to their re-INVITE
    reinvite_answering_ = false;
    ok_retransmit_at_.reset();
    ok_give_up_at_.reset();
    return;
  }
  if (state_ != CallState::answering) return;  // a retransmitted ACK
  ok_retransmit_at_.reset();
  ok_give_up_at_.reset();
  state_ = CallState::active;
  UaEvent e = UaEvent::of(UaEvent::Kind::answered, 200, "OK", dialog_.remote_uri);
  e.sdp = remote_sdp_;
  push(std::move(e));
}

void UserAgent::on_cancel(Instant now, const Message& request, const Datagram& d) {
  auto via = request.top_via();
  const std::string branch(via->branch().value_or(""));
  const std::string key = branch + " CANCEL";
  auto& stx = servers_.insert_or_assign(key, ServerTx{ServerTransaction(now, TransactionKind::non_invite, reliable(), config_.timers), request, d.remote})
                  .first->second;
  auto inv = servers_.find(branch + " INVITE");
  if (inv == servers_.end() || branch.empty()) {
    respond(now, stx, make_response(request, 481));
    return;
  }
  respond(now, stx, make_response(request, 200));
  if (inv->second.tx.can_respond() && state_ == CallState::incoming && invite_key_ == inv->first) {
    respond(now, inv->second, make_response(inv->second.request, 487, {}, dialog_.local_tag));
    end_call(UaEvent::of(UaEvent::Kind::call_ended, 487, "Request Terminated", {}, true));
  }
}

void UserAgent::on_bye(Instant now, const Message& request, const Datagram&, const std::string& key) {
  auto& stx = servers_.at(key);
  auto from = request.from();
  const bool ours = request.call_id() == dialog_.call_id && from && from->tag() == dialog_.remote_tag &&
                    (state_ == CallState::active || state_ == CallState::answering || state_ == CallState::terminating);
  if (!ours) {
    respond(now, stx, make_response(request, 481));
    return;
  }
  respond(now, stx, make_response(request, 200));
  end_call(UaEvent::of(UaEvent::Kind::call_ended, 200, "OK", {}, true));
}

}  // namespace confab::sip
