// re-INVITEs (RFC 3261 §14): a new offer inside an active dialog, to put a
// call on hold and take it off (RFC 3264 §8.4), or to restart ICE. Ours:
// an INVITE with the dialog's identifiers and the next CSeq; a 2xx gets an
// ACK (resent for each retransmitted 2xx), a non-2xx leaves the session as
// it was (§14.1). Theirs: surfaced as an event; answered with a 2xx that is
// retransmitted until the ACK like the first one, or refused (488). While
// one is pending either way, another gets 491 (§14.2).
#include "sip/user_agent.hpp"

namespace confab::sip {

bool UserAgent::reinvite(Instant now, std::string sdp) {
  if (state_ != CallState::active || reinvite_pending_ || !reinvite_key_.empty() || reinvite_answering_) return false;
  Message m = in_dialog_request("INVITE");
  m.append(HeaderId::contact, contact());
  m.append(HeaderId::allow, "INVITE, ACK, CANCEL, BYE, OPTIONS");
  m.set_body(sdp, "application/sdp");
  local_sdp_ = std::move(sdp);
  reinvite_pending_ = true;
  reinvite_ack_.clear();
  start_client(now, std::move(m), Purpose::reinvite);
  pump(now);
  return true;
}

void UserAgent::on_reinvite_final(Instant, ClientTx& ctx, int status, const Message& response) {
  if (status >= 200 && status < 300) {
    if (!reinvite_pending_) {  // a retransmitted 2xx: our ACK was lost
      if (!reinvite_ack_.empty()) send_to_server(reinvite_ack_);
      return;
    }
    reinvite_pending_ = false;
    auto text = serialize(ack_for_2xx(response));
    reinvite_ack_.assign(text.begin(), text.end());
    send_to_server(reinvite_ack_);
    UaEvent e = UaEvent::of(UaEvent::Kind::reinvite_answered, status, std::string(response.reason), dialog_.remote_uri);
    e.sdp = std::string(response.body);
    push(std::move(e));
    return;
  }
  ack_non_2xx(ctx, response);
  if (!reinvite_pending_) return;
  reinvite_pending_ = false;
  UaEvent e = UaEvent::of(UaEvent::Kind::reinvite_failed, status, std::string(response.reason), dialog_.remote_uri);
  e.local = response.headers.empty();
  push(std::move(e));
}

void UserAgent::on_reinvite(Instant now, const Message& request, const std::string& key) {
  auto& stx = servers_.at(key);
  auto from = request.from();
  auto to = request.to();
  const bool ours = state_ == CallState::active && request.call_id() == dialog_.call_id && from && to &&
                    from->tag() == dialog_.remote_tag && to->tag() == dialog_.local_tag;
  if (!ours) {
    respond(now, stx, make_response(request, 481));  // Call/Transaction Does Not Exist
    return;
  }
  if (reinvite_pending_ || !reinvite_key_.empty() || reinvite_answering_) {
    respond(now, stx, make_response(request, 491));  // §14.2: glare; the peer retries later
    return;
  }
  if (auto c = request.contact(); c && !c->contacts.empty())
    dialog_.remote_target = std::string(c->contacts.front().uri.text);  // §12.2.2: target refresh
  reinvite_key_ = key;
  remote_sdp_ = std::string(request.body);
  UaEvent e = UaEvent::of(UaEvent::Kind::reinvite, 0, {}, dialog_.remote_uri);
  e.sdp = remote_sdp_;
  push(std::move(e));
}

void UserAgent::answer_reinvite(Instant now, std::string sdp) {
  auto it = servers_.find(reinvite_key_);
  reinvite_key_.clear();
  if (it == servers_.end() || !it->second.tx.can_respond()) return;
  Message ok = make_response(it->second.request, 200, {}, dialog_.local_tag);
  ok.append(HeaderId::contact, contact());
  ok.append(HeaderId::allow, "INVITE, ACK, CANCEL, BYE, OPTIONS");
  ok.set_body(sdp, "application/sdp");
  local_sdp_ = std::move(sdp);
  respond(now, it->second, ok);
  auto text = serialize(ok);
  ok_.assign(text.begin(), text.end());
  ok_to_ = it->second.reply_to;
  ok_interval_ = config_.timers.t1;
  ok_retransmit_at_ = now + ok_interval_;
  ok_give_up_at_ = now + 64 * config_.timers.t1;
  reinvite_answering_ = true;
  pump(now);
}

void UserAgent::reject_reinvite(Instant now, int status) {
  auto it = servers_.find(reinvite_key_);
  reinvite_key_.clear();
  if (it == servers_.end() || !it->second.tx.can_respond()) return;
  respond(now, it->second, make_response(it->second.request, static_cast<std::uint16_t>(status), {}, dialog_.local_tag));
  pump(now);
}

}  // namespace confab::sip
