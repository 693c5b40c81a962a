// XEP-0198 stream management on the c2s session: acknowledgements both ways
// (<r/>, <a h=/>) and resumption of a session whose connection dropped, so
// nothing sent to a client on a flaky network is lost. Counters are of
// stanzas (message, presence, iq) only, modulo 2^32 (§4).
#include <charconv>
#include <iterator>

#include "xmpp/c2s_session.hpp"
#include "xmpp/namespaces.hpp"

namespace confab::xmpp {
namespace {

constexpr std::uint32_t request_every = 5;     // ask the client for an ack after this many unacked stanzas

std::optional<std::uint32_t> parse_h(std::optional<std::string_view> text) {
  if (!text) return std::nullopt;
  std::uint32_t v = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc() || end != text->data() + text->size()) return std::nullopt;
  return v;
}

bool truthy(std::optional<std::string_view> v) { return v && (*v == "true" || *v == "1"); }

Element sm(std::string_view name) { return Element(std::string(name), std::string(ns::sm)); }

Element failed(Condition condition) {
  Element f = sm("failed");
  f.add_child(Element(std::string(to_string(condition)), std::string(ns::stanza_errors)));
  return f;
}

}  // namespace

void C2sSession::on_sm(const Element& e) {
  if (e.name == "r") {
    if (!sm_enabled_) return;  // §4: only on a managed stream
    Element a = sm("a");
    a.set_attribute("h", std::to_string(sm_handled_in_));
    return write(a);
  }
  if (e.name == "a") {
    if (!sm_enabled_) return;
    auto h = parse_h(e.attribute("h"));
    if (!h) return fail(StreamErrorCondition::invalid_xml, "<a/> needs a number h");
    // §4: h counts every stanza the client handled; it may only grow by
    // what we have sent and it has not acknowledged yet.
    const std::uint32_t newly = *h - sm_acked_out_;
    if (newly > sm_unacked_.size())
      return fail(StreamErrorCondition::undefined_condition, "acknowledged more stanzas than were sent",
                  "h=" + std::to_string(*h) + " with " + std::to_string(sm_unacked_.size()) + " outstanding");
    sm_unacked_.erase(sm_unacked_.begin(), sm_unacked_.begin() + newly);
    sm_acked_out_ = *h;
    return;
  }
  if (e.name == "enable") {
    // §3: after binding, once.
    if (!jid_ || sm_enabled_) return write(failed(Condition::unexpected_request));
    sm_enabled_ = true;
    ++counters_.sm_enabled;
    Element enabled = sm("enabled");
    if (truthy(e.attribute("resume"))) {
      sm_resumable_ = true;
      sm_id_ = rng_->random_hex(16);  // unguessable: it lets a connection take the session over
      enabled.set_attribute("id", sm_id_);
      enabled.set_attribute("resume", "true");
      const auto max = std::chrono::duration_cast<std::chrono::seconds>(config_->sm_resume_timeout).count();
      enabled.set_attribute("max", std::to_string(std::max<std::int64_t>(max, 1)));
      events_.push_back(SmEnabled{sm_id_});
    }
    return write(enabled);
  }
  if (e.name == "resume") {
    // §5: after authentication, instead of binding a resource.
    auto h = parse_h(e.attribute("h"));
    auto previd = e.attribute("previd");
    if (!account_ || jid_ || !h || !previd || previd->empty()) return write(failed(Condition::unexpected_request));
    events_.push_back(ResumeRequested{std::string(*previd), *h});
    return;
  }
  // Anything else in the namespace is not ours to know.
  fail(StreamErrorCondition::unsupported_stanza_type, "unknown stream management element",
       "<" + e.name + "/> in urn:xmpp:sm:3");
}

void C2sSession::count_inbound() {
  if (sm_enabled_) ++sm_handled_in_;
}

void C2sSession::queue_unacked(const Element& stanza, Instant now) {
  if (!sm_enabled_) return;
  if (sm_unacked_.size() >= max_unacked) {
    // A client that never acknowledges would make us keep everything. The
    // session ends; what it has not acknowledged, this stanza included,
    // stays for take_unacked().
    sm_enabled_ = false;
    sm_unacked_.push_back({stanza, now});
    return fail(StreamErrorCondition::resource_constraint, "too many unacknowledged stanzas");
  }
  sm_unacked_.push_back({stanza, now});
  if (!detached_ && sm_unacked_.size() % request_every == 0) write(sm("r"));
}

void C2sSession::detach() {
  detached_ = true;
  stage_ = Stage::closed;
}

void C2sSession::resume_from(C2sSession& old, std::uint32_t h) {
  if (!account_ || jid_ || !old.jid_ || old.jid_->bare() != *account_) return resume_failed();
  // The router knows the session by its id: the new connection takes it.
  connection_.id = old.connection_.id;
  jid_ = old.jid_;
  sm_enabled_ = true;
  sm_resumable_ = true;
  sm_id_ = old.sm_id_;
  sm_handled_in_ = old.sm_handled_in_;
  sm_acked_out_ = old.sm_acked_out_;
  sm_unacked_ = std::move(old.sm_unacked_);
  old.sm_resumable_ = false;
  // What the client says it handled is acknowledged now (§5).
  const std::uint32_t newly = h - sm_acked_out_;
  if (newly <= sm_unacked_.size()) {
    sm_unacked_.erase(sm_unacked_.begin(), sm_unacked_.begin() + newly);
    sm_acked_out_ = h;
  }
  ++counters_.sm_resumed;
  Element resumed = sm("resumed");
  resumed.set_attribute("previd", sm_id_);
  resumed.set_attribute("h", std::to_string(sm_handled_in_));
  write(resumed);
  // Everything not acknowledged goes out again, still unacknowledged.
  for (const UnackedStanza& u : sm_unacked_) {
    write(u.stanza);
    ++counters_.sm_resend;
  }
}

std::vector<UnackedStanza> C2sSession::take_unacked() {
  std::vector<UnackedStanza> out(std::make_move_iterator(sm_unacked_.begin()),
                                 std::make_move_iterator(sm_unacked_.end()));
  sm_unacked_.clear();
  sm_resumable_ = false;  // nothing left to resume with
  return out;
}

void C2sSession::resume_failed() {
  Element f = failed(Condition::item_not_found);
  write(f);
}

}  // namespace confab::xmpp
