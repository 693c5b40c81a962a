// The component session's stream (XEP-0114 §3): the header, the handshake,
// stream errors and the close. Traffic after the handshake is in
// component_stanza.cpp.
#include "xmpp/component_session.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <utility>

#include "core/text.hpp"
#include "xmpp/jid.hpp"
#include "xmpp/namespaces.hpp"

namespace confab::xmpp {
namespace {

StreamParserOptions parser_options(const ComponentConfig& config) {
  StreamParserOptions options{config.limits, std::string(ns::component_accept)};
  options.limits.max_stanza_size = std::min(config.max_stanza_size_before_auth, config.limits.max_stanza_size);
  return options;
}

// What a handshake's text may be compared as: XEP-0114 asks for lowercase
// hex; surrounding whitespace and uppercase digits are forgiven.
std::string normalised_digest(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return ascii_lower(text.substr(first, last - first + 1));
}

}  // namespace

ComponentCounters& ComponentCounters::operator+=(const ComponentCounters& o) {
  streams += o.streams;
  handshakes += o.handshakes;
  handshake_failures += o.handshake_failures;
  locked_out += o.locked_out;
  conflicts += o.conflicts;
  stanzas_in += o.stanzas_in;
  stanzas_out += o.stanzas_out;
  dropped_out += o.dropped_out;
  rate_limited += o.rate_limited;
  stanza_errors += o.stanza_errors;
  stream_errors += o.stream_errors;
  xml_errors += o.xml_errors;
  timeouts += o.timeouts;
  return *this;
}

std::string ComponentSession::handshake_digest(std::string_view stream_id, std::string_view secret) {
  std::string input;
  input.reserve(stream_id.size() + secret.size());
  input.append(stream_id).append(secret);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(input.data(), input.size(), digest, &size, EVP_sha1(), nullptr) != 1) return {};
  OPENSSL_cleanse(input.data(), input.size());
  return to_hex(ByteView(digest, size));
}

ComponentSession::ComponentSession(const ComponentConfig& config, ComponentConnection connection,
                                   ComponentBinder& binder, Rng& rng, sasl::AuthLimiter* limiter, Instant now)
    : config_(&config),
      connection_(std::move(connection)),
      binder_(&binder),
      rng_(&rng),
      limiter_(limiter),
      parser_(parser_options(config)),
      deadline_(now + config.handshake_timeout) {}

void ComponentSession::handle_bytes(Instant now, ByteView bytes) {
  if (stage_ == Stage::closed) return;
  parser_.feed(bytes);
  process(now);
}

void ComponentSession::handle_eof(Instant) { stage_ = Stage::closed; }

void ComponentSession::handle_timeout(Instant now) {
  if (stage_ == Stage::closed || stage_ == Stage::open || now < deadline_) return;
  ++counters_.timeouts;
  fail(StreamErrorCondition::connection_timeout, "no handshake in time");
}

std::optional<Instant> ComponentSession::poll_timeout() const {
  if (stage_ == Stage::closed || stage_ == Stage::open) return std::nullopt;
  return deadline_;
}

std::optional<std::string> ComponentSession::poll_output() {
  if (output_.empty()) return std::nullopt;
  return std::exchange(output_, {});
}

std::optional<Element> ComponentSession::poll_inbound() {
  if (inbound_.empty()) return std::nullopt;
  Element e = std::move(inbound_.front());
  inbound_.pop_front();
  return e;
}

std::optional<ComponentEvent> ComponentSession::poll_event() {
  if (events_.empty()) return std::nullopt;
  ComponentEvent e = std::move(events_.front());
  events_.pop_front();
  return e;
}

void ComponentSession::process(Instant now) {
  while (stage_ != Stage::closed) {
    auto event = parser_.poll_event();
    if (!event) return;
    if (auto* header = std::get_if<StreamHeader>(&*event)) {
      on_header(*header);
    } else if (auto* element = std::get_if<Element>(&*event)) {
      if (stage_ == Stage::open) {
        on_stanza(now, std::move(*element));
      } else if (element->is("handshake", ns::component_accept)) {
        on_handshake(now, *element);
      } else {
        // Like RFC 6120 §4.9.3.12 before authentication: nothing is processed.
        fail(StreamErrorCondition::not_authorized, "send the handshake first",
             "<" + printable(element->name, 40) + "/> before the handshake");
      }
    } else if (std::holds_alternative<StreamClosed>(*event)) {
      finish();  // the component closed its stream; we close ours
    } else {
      const auto& error = std::get<StreamError>(*event);
      ++counters_.xml_errors;
      fail(error.condition, error.detail, error.message());
    }
  }
}

void ComponentSession::on_header(const StreamHeader& header) {
  // The parser refuses another content namespace; none at all is refused here.
  if (header.content_namespace.empty())
    return fail(StreamErrorCondition::invalid_namespace, "the default namespace must be jabber:component:accept");
  // XEP-0114 has no version and no features: a version is ignored.
  const ComponentSecret* wanted = nullptr;
  if (header.to)
    if (auto to = Jid::parse(*header.to); to && to->is_domain())
      for (const ComponentSecret& c : config_->components)
        if (c.domain == to->domain()) wanted = &c;
  if (wanted == nullptr) {
    open_stream_reply(std::nullopt);
    return fail(StreamErrorCondition::host_unknown, "no component of that domain is configured here",
                "to='" + printable(header.to.value_or("")) + "'");
  }
  wanted_ = wanted;
  open_stream_reply(wanted->domain);
  stage_ = Stage::handshake;
  ++counters_.streams;
}

void ComponentSession::open_stream_reply(const std::optional<std::string>& domain) {
  our_header_ = StreamHeader{};
  if (domain) our_header_.from = *domain;
  // The handshake hashes it: unique and unpredictable, 128 bits.
  our_header_.id = rng_->random_hex(16);
  our_header_.lang = config_->default_lang;
  our_header_.content_namespace = std::string(ns::component_accept);
  our_header_.prefix = "stream";
  output_ += open_stream(our_header_);
  scope_ = scope_of(our_header_);
  header_sent_ = true;
}

void ComponentSession::on_handshake(Instant now, const Element& handshake) {
  if (stage_ != Stage::handshake || wanted_ == nullptr)
    return fail(StreamErrorCondition::not_authorized, "send a stream header first");
  const std::string& domain = wanted_->domain;
  // Checked before the secret: a locked address learns nothing from trying.
  if (limiter_ != nullptr) {
    if (auto until = limiter_->source_locked(connection_.source, now)) {
      ++counters_.locked_out;
      events_.push_back(ComponentHandshakeFailed{domain, "too many failed handshakes from this address"});
      return fail(StreamErrorCondition::policy_violation, "too many failed handshakes; try again later");
    }
  }
  const std::string expected = handshake_digest(*our_header_.id, wanted_->secret);
  const std::string got = normalised_digest(handshake.text());
  // Constant time: the length is no secret (40 hex digits), the bytes are.
  const bool right = !expected.empty() && got.size() == expected.size() &&
                     CRYPTO_memcmp(got.data(), expected.data(), expected.size()) == 0;
  if (!right) {
    ++counters_.handshake_failures;
    // Per address only: counting per domain would let anyone lock the
    // real component out by failing on purpose.
    if (limiter_ != nullptr) limiter_->record_failure(connection_.source, "", now);
    events_.push_back(ComponentHandshakeFailed{domain, "wrong secret"});
    return fail(StreamErrorCondition::not_authorized, "wrong handshake");
  }
  if (!binder_->claim_component(connection_.id, domain)) {
    ++counters_.conflicts;
    return fail(StreamErrorCondition::conflict, "another connection serves " + domain);
  }
  domain_ = domain;
  stage_ = Stage::open;
  ++counters_.handshakes;
  parser_.set_limits(config_->limits);
  tokens_ = config_->stanza_burst;
  refilled_ = now;
  output_ += "<handshake/>";
  events_.push_back(ComponentConnected{domain_});
}

void ComponentSession::write(const Element& element) { serialize(element, output_, scope_); }

// §4.9.1 of RFC 6120 as the component protocol uses it: the error, then our
// close tag; our header first if it is not out yet.
void ComponentSession::fail(StreamErrorCondition condition, std::string text, std::string detail) {
  if (stage_ == Stage::closed) return;
  ++counters_.stream_errors;
  events_.push_back(ComponentStreamErrorSent{condition, detail.empty() ? text : detail});
  if (!header_sent_) open_stream_reply(std::nullopt);
  StreamError error;
  error.condition = condition;
  error.detail = std::move(text);
  write(to_element(error));
  finish();
}

void ComponentSession::finish() {
  if (stage_ == Stage::closed) return;
  if (!header_sent_) open_stream_reply(std::nullopt);
  output_ += close_stream(our_header_);
  stage_ = Stage::closed;
}

void ComponentSession::close() { finish(); }

void ComponentSession::close(StreamErrorCondition condition, std::string text) { fail(condition, std::move(text)); }

void rename_namespace(Element& element, std::string_view from, std::string_view to) {
  if (element.ns == from) element.ns = std::string(to);
  for (Node& child : element.children)
    if (Element* e = child.element()) rename_namespace(*e, from, to);
}

}  // namespace confab::xmpp
