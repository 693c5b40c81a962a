// One server-to-server stream (s2s_stream.hpp): headers, features,
// STARTTLS, dialback (XEP-0220) and the stanzas of authenticated domains.
#include "xmpp/s2s_stream.hpp"

#include <algorithm>
#include <utility>

#include "core/text.hpp"
#include "xmpp/component_session.hpp"  // rename_namespace
#include "xmpp/jid.hpp"
#include "xmpp/namespaces.hpp"
#include "xmpp/s2s_dialback.hpp"

namespace confab::xmpp {
namespace {

constexpr std::string_view dialback_feature = "urn:xmpp:features:dialback";

Element db(std::string name, const std::string& from, const std::string& to) {
  Element e(std::move(name), std::string(ns::dialback));
  e.prefix = "db";
  e.set_attribute("from", from);
  e.set_attribute("to", to);
  return e;
}

// A domain as a stream or db:* attribute names it, in canonical form; empty
// if it is not a bare domain.
std::string domain_of(std::optional<std::string_view> text) {
  if (!text) return {};
  auto jid = Jid::parse(*text);
  if (!jid || !jid->is_domain()) return {};
  return jid->domain();
}

}  // namespace

S2sCounters& S2sCounters::operator+=(const S2sCounters& o) {
  incoming_streams += o.incoming_streams;
  outgoing_streams += o.outgoing_streams;
  tls += o.tls;
  dialback_sent += o.dialback_sent;
  dialback_valid += o.dialback_valid;
  dialback_invalid += o.dialback_invalid;
  verify_requests += o.verify_requests;
  verify_failed += o.verify_failed;
  domains_authenticated += o.domains_authenticated;
  domains_refused += o.domains_refused;
  stanzas_in += o.stanzas_in;
  stanzas_out += o.stanzas_out;
  bounced += o.bounced;
  queue_full += o.queue_full;
  connect_failures += o.connect_failures;
  timeouts += o.timeouts;
  stream_errors += o.stream_errors;
  xml_errors += o.xml_errors;
  invalid_from += o.invalid_from;
  refused_connections += o.refused_connections;
  return *this;
}

S2sStream::S2sStream(const S2sConfig& config, Endpoints endpoints, Rng& rng, Instant)
    : config_(&config),
      endpoints_(std::move(endpoints)),
      rng_(&rng),
      parser_(StreamParserOptions{config.limits, std::string(ns::server)}) {
  if (endpoints_.role == Role::outgoing) {
    ++counters_.outgoing_streams;
    send_header();
  }
}

void S2sStream::send_header() {
  our_header_ = StreamHeader{};
  our_header_.content_namespace = std::string(ns::server);
  our_header_.prefix = "stream";
  our_header_.version = "1.0";
  our_header_.namespaces.emplace_back("db", std::string(ns::dialback));
  if (endpoints_.role == Role::outgoing) {
    our_header_.from = endpoints_.local;
    our_header_.to = endpoints_.remote;
  } else {
    if (!endpoints_.local.empty()) our_header_.from = endpoints_.local;
    if (!endpoints_.remote.empty()) our_header_.to = endpoints_.remote;
    // The peer's db:result key is computed over it: unique, unguessable.
    our_header_.id = rng_->random_hex(16);
    our_header_.lang = config_->default_lang;
  }
  output_ += open_stream(our_header_);
  scope_ = scope_of(our_header_);
  header_sent_ = true;
}

void S2sStream::handle_bytes(Instant now, ByteView bytes) {
  if (stage_ == Stage::closed) return;
  parser_.feed(bytes);
  process(now);
}

void S2sStream::handle_secured(Instant) {
  if (stage_ != Stage::tls) return;
  secured_ = true;
  ++counters_.tls;
  // §5.4.3.3: a fresh stream over TLS; the initiator opens it.
  stage_ = Stage::header;
  if (endpoints_.role == Role::outgoing) send_header();
}

void S2sStream::handle_eof(Instant) {
  if (stage_ == Stage::closed) return;
  stage_ = Stage::closed;
  events_.push_back(S2sClosed{"the connection closed", false});
}

std::optional<std::string> S2sStream::poll_output() {
  if (output_.empty()) return std::nullopt;
  return std::exchange(output_, {});
}

std::optional<S2sEvent> S2sStream::poll_event() {
  if (events_.empty()) return std::nullopt;
  S2sEvent e = std::move(events_.front());
  events_.pop_front();
  return e;
}

std::optional<Element> S2sStream::poll_inbound() {
  if (inbound_.empty()) return std::nullopt;
  Element e = std::move(inbound_.front());
  inbound_.pop_front();
  return e;
}

void S2sStream::process(Instant now) {
  while (stage_ != Stage::closed && stage_ != Stage::tls) {
    auto event = parser_.poll_event();
    if (!event) return;
    if (auto* header = std::get_if<StreamHeader>(&*event)) {
      on_header(*header);
    } else if (auto* element = std::get_if<Element>(&*event)) {
      on_element(now, std::move(*element));
    } else if (std::holds_alternative<StreamClosed>(*event)) {
      finish("the peer closed its stream", false);
    } else {
      const auto& error = std::get<StreamError>(*event);
      ++counters_.xml_errors;
      fail(error.condition, error.detail.empty() ? error.message() : error.detail);
    }
  }
}

void S2sStream::on_header(const StreamHeader& header) {
  if (stage_ != Stage::header) return fail(StreamErrorCondition::bad_format, "a second stream header");
  if (header.content_namespace != ns::server)
    return fail(StreamErrorCondition::invalid_namespace, "the default namespace must be jabber:server");
  if (!header.version || header.version->empty() || header.version->front() < '1')
    return fail(StreamErrorCondition::unsupported_version, "XMPP 1.0 streams only (version='1.0')");
  if (endpoints_.role == Role::outgoing) {
    if (!header.id || header.id->empty() || header.id->size() > 256)
      return fail(StreamErrorCondition::invalid_xml, "the stream header needs an id");
    peer_stream_id_ = *header.id;
    stage_ = Stage::features;
    return;
  }
  // Incoming: `to` must be ours (§4.9.3.6); `from` is only a hint until
  // dialback proves it.
  const std::string to = domain_of(header.to);
  const bool ours = std::find(config_->domains.begin(), config_->domains.end(), to) != config_->domains.end();
  if (!secured_) ++counters_.incoming_streams;
  endpoints_.local = ours ? to : std::string();
  if (endpoints_.remote.empty()) endpoints_.remote = domain_of(header.from);
  send_header();
  if (!ours) return fail(StreamErrorCondition::host_unknown, "this server does not serve '" + printable(to) + "'");
  Element features("features", std::string(ns::streams));
  features.prefix = "stream";
  if (!secured_ && config_->tls_available) {
    Element starttls("starttls", std::string(ns::tls));
    if (config_->require_tls) starttls.add_child(Element("required", std::string(ns::tls)));
    features.add_child(std::move(starttls));
  }
  Element dialback("dialback", std::string(dialback_feature));
  dialback.add_child(Element("errors", std::string(dialback_feature)));  // XEP-0220 §2.4: we understand error replies
  features.add_child(std::move(dialback));
  write(features);
  stage_ = Stage::dialback;
}

void S2sStream::on_element(Instant, Element e) {
  if (e.is("error", ns::streams)) {
    std::string condition = "undefined-condition";
    for (const Element* c : e.elements())
      if (c->ns == ns::stream_errors && c->name != "text") condition = c->name;
    return finish("stream error from the peer: " + printable(condition, 40), true);
  }
  if (endpoints_.role == Role::outgoing) {
    if (e.is("features", ns::streams) && stage_ == Stage::features) return on_features(e);
    if (e.is("proceed", ns::tls) && stage_ == Stage::features) {
      // Bytes after <proceed/> would be plaintext injection: none are kept.
      if (!parser_.reset().empty()) return fail(StreamErrorCondition::policy_violation, "data after <proceed/>");
      stage_ = Stage::tls;
      events_.push_back(S2sStartTls{});
      return;
    }
    if (e.is("failure", ns::tls)) return finish("the peer refused STARTTLS", true);
    if (e.is("result", ns::dialback)) return on_db_result(e);
    if (e.is("verify", ns::dialback)) return on_db_verify(e);
    // Stanzas on our outgoing stream (XEP-0288 bidirectional streams) are
    // not negotiated: dropped.
    return;
  }
  if (e.is("starttls", ns::tls)) {
    if (secured_ || !config_->tls_available)
      return fail(StreamErrorCondition::unsupported_feature, "STARTTLS is not offered on this stream");
    if (!parser_.reset().empty()) return fail(StreamErrorCondition::policy_violation, "data after <starttls/>");
    output_ += "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>";
    stage_ = Stage::tls;
    events_.push_back(S2sStartTls{});
    return;
  }
  if (e.is("result", ns::dialback)) return on_db_result(e);
  if (e.is("verify", ns::dialback)) return on_db_verify(e);
  if (e.ns == ns::server && (e.name == "message" || e.name == "presence" || e.name == "iq")) return on_stanza(std::move(e));
  fail(StreamErrorCondition::unsupported_stanza_type, "<" + printable(e.name, 40) + "/> is not supported here");
}

void S2sStream::on_features(const Element& features) {
  const bool offers_tls = features.child("starttls", ns::tls) != nullptr;
  if (!secured_ && offers_tls && config_->tls_available) {
    output_ += "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>";
    return;  // <proceed/> next
  }
  if (!secured_ && config_->require_tls)
    return fail(StreamErrorCondition::policy_violation, "this server requires TLS between servers");
  events_.push_back(S2sReady{});
  send_dialback();
}

void S2sStream::send_dialback() {
  Element result = db("result", endpoints_.local, endpoints_.remote);
  result.add_text(dialback_key(config_->secret, endpoints_.remote, endpoints_.local, peer_stream_id_));
  write(result);
  ++counters_.dialback_sent;
  stage_ = Stage::dialback;
}

// Outgoing: the verdict on our db:result. Incoming: a peer's db:result.
void S2sStream::on_db_result(const Element& r) {
  const std::string from = domain_of(r.attribute("from"));
  const std::string to = domain_of(r.attribute("to"));
  if (endpoints_.role == Role::outgoing) {
    if (stage_ != Stage::dialback || from != endpoints_.remote || to != endpoints_.local) return;
    if (r.attribute("type") == "valid") {
      ++counters_.dialback_valid;
      stage_ = Stage::open;
      events_.push_back(S2sAuthenticated{});
    } else {
      ++counters_.dialback_invalid;
      finish(endpoints_.remote + " refused our dialback key", true);
    }
    return;
  }
  if (config_->require_tls && !secured_)
    return fail(StreamErrorCondition::policy_violation, "STARTTLS first: this server requires TLS");
  if (from.empty() || to.empty())
    return fail(StreamErrorCondition::improper_addressing, "db:result needs a from and a to domain");
  if (to != endpoints_.local) return fail(StreamErrorCondition::host_unknown, "db:result to a domain not on this stream");
  if (std::find(config_->domains.begin(), config_->domains.end(), from) != config_->domains.end())
    return fail(StreamErrorCondition::invalid_from, "that domain is ours");
  if (authenticated_.count(from)) return;  // already done; nothing to ask
  if (pending_.size() >= config_->max_pending_verifications)
    return fail(StreamErrorCondition::policy_violation, "too many dialback requests at once");
  const std::string key = r.text();
  if (key.empty() || key.size() > 1024) return fail(StreamErrorCondition::not_authorized, "a db:result needs a key");
  pending_.insert(from);
  events_.push_back(S2sVerifyNeeded{to, from, *our_header_.id, key});
}

// Incoming: a peer asks whether a key is ours. Outgoing: the answer to ours.
void S2sStream::on_db_verify(const Element& v) {
  const std::string from = domain_of(v.attribute("from"));
  const std::string to = domain_of(v.attribute("to"));
  const std::string id(v.attribute("id").value_or(""));
  if (endpoints_.role == Role::outgoing) {
    if (from != endpoints_.remote) return;
    events_.push_back(S2sVerifyAnswered{to, from, id, v.attribute("type") == "valid"});
    return;
  }
  if (config_->require_tls && !secured_)
    return fail(StreamErrorCondition::policy_violation, "STARTTLS first: this server requires TLS");
  if (from.empty() || to.empty() || id.empty())
    return fail(StreamErrorCondition::improper_addressing, "db:verify needs from, to and id");
  ++counters_.verify_requests;
  // The peer (`from`) received a stream claiming to be our `to`: was the
  // key made with our secret for that pair and stream id?
  const bool ours = std::find(config_->domains.begin(), config_->domains.end(), to) != config_->domains.end();
  const bool valid = ours && dialback_key_matches(v.text(), dialback_key(config_->secret, from, to, id));
  if (!valid) ++counters_.verify_failed;
  Element answer = db("verify", to, from);
  answer.set_attribute("id", id);
  answer.set_attribute("type", valid ? "valid" : "invalid");
  write(answer);
}

void S2sStream::dialback_verified(const std::string& remote, bool valid) {
  if (stage_ == Stage::closed || endpoints_.role != Role::incoming || !pending_.erase(remote)) return;
  Element verdict = db("result", endpoints_.local, remote);
  verdict.set_attribute("type", valid ? "valid" : "invalid");
  write(verdict);
  if (valid) {
    ++counters_.domains_authenticated;
    authenticated_.insert(remote);
  } else {
    // XEP-0220 §2.4: a wrong key ends the stream.
    ++counters_.domains_refused;
    finish(remote + "'s dialback key did not verify", true);
  }
}

void S2sStream::on_stanza(Element st) {
  if (authenticated_.empty()) return fail(StreamErrorCondition::not_authorized, "authenticate with dialback first");
  auto from = Jid::parse(st.attribute("from").value_or(""));
  auto to = Jid::parse(st.attribute("to").value_or(""));
  if (!from || !to)
    return fail(StreamErrorCondition::improper_addressing, "a stanza between servers needs a valid from and to");
  if (!authenticated_.count(from->domain())) {
    ++counters_.invalid_from;
    return fail(StreamErrorCondition::invalid_from, from->domain() + " is not authenticated on this stream");
  }
  if (to->domain() != endpoints_.local)
    return fail(StreamErrorCondition::host_unknown, "'" + printable(to->domain()) + "' is not this stream's domain");
  st.set_attribute("from", from->str());
  st.set_attribute("to", to->str());
  rename_namespace(st, ns::server, ns::client);
  ++counters_.stanzas_in;
  inbound_.push_back(std::move(st));
}

bool S2sStream::send(const Element& stanza) {
  if (stage_ != Stage::open) return false;
  Element st = stanza;
  rename_namespace(st, ns::client, ns::server);
  write(st);
  ++counters_.stanzas_out;
  return true;
}

bool S2sStream::send_verify(const std::string& local, const std::string& stream_id, const std::string& key) {
  if (!is_ready()) return false;
  Element v = db("verify", local, endpoints_.remote);
  v.set_attribute("id", stream_id);
  v.add_text(key);
  write(v);
  return true;
}

void S2sStream::write(const Element& element) { serialize(element, output_, scope_); }

void S2sStream::fail(StreamErrorCondition condition, std::string text) {
  if (stage_ == Stage::closed) return;
  ++counters_.stream_errors;
  if (!header_sent_) send_header();
  StreamError error;
  error.condition = condition;
  error.detail = text;
  write(to_element(error));
  finish(std::string(to_string(condition)) + ": " + text, true);
}

void S2sStream::finish(std::string reason, bool error) {
  if (stage_ == Stage::closed) return;
  if (header_sent_) output_ += close_stream(our_header_);
  stage_ = Stage::closed;
  events_.push_back(S2sClosed{std::move(reason), error});
}

void S2sStream::close() { finish("closed by us", false); }

void S2sStream::close(StreamErrorCondition condition, std::string text) { fail(condition, std::move(text)); }

}  // namespace confab::xmpp
