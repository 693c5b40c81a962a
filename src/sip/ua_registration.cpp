// Registration (RFC 3261 §10.2): REGISTER our Contact for the AOR, answer a
// digest challenge once, refresh at 80% of the granted lifetime, honour 423
// Interval Too Brief, and remove the binding with Expires: 0.
#include <charconv>

#include "sip/registrar.hpp"
#include "sip/uri.hpp"
#include "sip/user_agent.hpp"

namespace confab::sip {

void UserAgent::register_now(Instant now) {
  keep_registered_ = true;
  send_register(now, config_.expires);
  pump(now);
}

void UserAgent::unregister(Instant now) {
  keep_registered_ = false;
  refresh_at_.reset();
  send_register(now, 0);
  pump(now);
}

void UserAgent::send_register(Instant now, std::uint32_t expires) {
  // One Call-ID and From tag for every REGISTER of this UA, CSeq counting up (§10.2).
  if (reg_call_id_.empty()) {
    reg_call_id_ = rng_.random_hex(12);
    reg_tag_ = rng_.random_hex(6);
  }
  reg_asked_ = expires;
  Message m = new_request("REGISTER", "sip:" + config_.domain, "<" + aor_uri() + ">;tag=" + reg_tag_,
                          "<" + aor_uri() + ">", reg_call_id_, ++reg_cseq_);
  m.append(HeaderId::contact, contact());
  m.append(HeaderId::expires, std::to_string(expires));
  m.append(HeaderId::allow, "INVITE, ACK, CANCEL, BYE, OPTIONS");
  m.set_body("", "");
  const bool signed_ = add_credentials(m);
  start_client(now, std::move(m), Purpose::reg, signed_);
}

// The lifetime the registrar granted our Contact: its expires parameter in
// the 200's Contact list, else the Expires header, else what we asked for.
std::uint32_t UserAgent::granted_expires(const Message& response, std::uint32_t asked) const {
  if (auto contacts = response.contact()) {
    for (const auto& c : contacts->contacts) {
      if (c.uri.user != config_.user || c.uri.host != config_.local.ip.to_string() ||
          c.uri.port.value_or(5060) != config_.local.port)
        continue;
      if (auto e = contact_expires(c)) return *e;
    }
  }
  if (auto e = response.expires()) return *e;
  return asked;
}

void UserAgent::on_register_final(Instant now, ClientTx& ctx, int status, const Message& response) {
  const bool removing = reg_asked_ == 0;
  if ((status == 401 || status == 407) && accept_challenge(response, ctx.with_credentials)) {
    send_register(now, reg_asked_);
    return;
  }
  if (status == 423 && !removing) {  // Interval Too Brief: ask for at least Min-Expires
    if (auto v = response.value(HeaderId::min_expires)) {
      std::uint32_t min = 0;
      auto r = std::from_chars(v->data(), v->data() + v->size(), min);
      if (r.ec == std::errc{} && min > reg_asked_) {
        config_.expires = min;
        send_register(now, min);
        return;
      }
    }
  }
  if (removing) {
    registered_ = false;
    push(UaEvent::of(UaEvent::Kind::unregistered, status, std::string(response.reason)));
    return;
  }
  if (status >= 200 && status < 300) {
    const std::uint32_t granted = granted_expires(response, reg_asked_);
    registered_ = granted > 0;
    UaEvent e = UaEvent::of(UaEvent::Kind::registered, status, std::string(response.reason));
    e.expires = granted;
    push(std::move(e));
    // Refresh at 80% of the lifetime (but not more often than every second).
    if (keep_registered_ && granted > 0)
      refresh_at_ = now + std::chrono::milliseconds(std::max<std::uint64_t>(1000, std::uint64_t{granted} * 800));
    return;
  }
  registered_ = false;
  UaEvent e = UaEvent::of(UaEvent::Kind::registration_failed, status, std::string(response.reason));
  e.local = response.headers.empty();
  push(std::move(e));
}

}  // namespace confab::sip
