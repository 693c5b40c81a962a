// The c2s session's stream: headers (RFC 6120 §4.7), restarts, dispatch of
// first-level elements by stage, stream errors and the close (§4.4, §4.9).
#include "xmpp/c2s_session.hpp"

#include <charconv>
#include <utility>

#include "core/text.hpp"
#include "xmpp/namespaces.hpp"

namespace confab::xmpp {
namespace {

StreamParserOptions parser_options(const C2sConfig& config, bool authenticated) {
  StreamParserOptions options{config.limits, std::string(ns::client)};
  if (!authenticated) options.limits.max_stanza_size = config.max_stanza_size_before_auth;
  return options;
}

// §4.7.5: "major.minor", each a non-negative integer compared numerically.
// nullopt when absent (a pre-1.0 peer) or not a version at all.
std::optional<std::pair<std::uint32_t, std::uint32_t>> parse_version(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  const auto dot = text->find('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == text->size()) return std::nullopt;
  auto number = [](std::string_view s) -> std::optional<std::uint32_t> {
    std::uint64_t v = 0;
    for (char c : s) {
      if (c < '0' || c > '9') return std::nullopt;
      v = std::min<std::uint64_t>(v * 10 + static_cast<std::uint64_t>(c - '0'), 0xFFFFFFFFu);
    }
    return static_cast<std::uint32_t>(v);
  };
  auto major = number(std::string_view(*text).substr(0, dot));
  auto minor = number(std::string_view(*text).substr(dot + 1));
  if (!major || !minor) return std::nullopt;
  return std::pair{*major, *minor};
}

// A language tag we are willing to repeat back (RFC 5646 characters, a
// sane length); anything else is ignored in favour of our default.
bool plausible_lang(std::string_view tag) {
  if (tag.empty() || tag.size() > 35) return false;
  for (char c : tag)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-')) return false;
  return true;
}

std::optional<StreamErrorCondition> condition_named(std::string_view name) {
  for (std::uint8_t i = 0; i <= static_cast<std::uint8_t>(StreamErrorCondition::unsupported_version); ++i) {
    const auto c = static_cast<StreamErrorCondition>(i);
    if (name == to_string(c)) return c;
  }
  return std::nullopt;
}

}  // namespace

C2sCounters& C2sCounters::operator+=(const C2sCounters& o) {
  streams += o.streams;
  tls += o.tls;
  auth_successes += o.auth_successes;
  auth_failures += o.auth_failures;
  binds += o.binds;
  bind_errors += o.bind_errors;
  stanzas_in += o.stanzas_in;
  stanzas_out += o.stanzas_out;
  stanza_errors += o.stanza_errors;
  dropped_out += o.dropped_out;
  stream_errors += o.stream_errors;
  xml_errors += o.xml_errors;
  timeouts += o.timeouts;
  tls_injections += o.tls_injections;
  sm_enabled += o.sm_enabled;
  sm_resumed += o.sm_resumed;
  sm_resend += o.sm_resend;
  return *this;
}

C2sSession::C2sSession(const C2sConfig& config, C2sConnection connection, AccountLookup lookup,
                       ResourceBinder& binder, Rng& rng, sasl::AuthLimiter* limiter, Instant now)
    : config_(&config),
      connection_(std::move(connection)),
      lookup_(std::move(lookup)),
      binder_(&binder),
      rng_(&rng),
      limiter_(limiter),
      tls_(connection_.tls),
      parser_(parser_options(config, false)),
      deadline_(now + config.negotiation_timeout),
      last_now_(now) {
  if (!tls_) connection_.bindings.clear();
}

void C2sSession::handle_bytes(Instant now, ByteView bytes) {
  last_now_ = std::max(last_now_, now);
  if (stage_ == Stage::closed) return;
  if (stage_ == Stage::tls_handshake) {
    // The I/O layer hands us what TLS decrypted, and TLS is not up yet:
    // these are plaintext bytes sent after <starttls/>.
    ++counters_.tls_injections;
    stage_ = Stage::closed;
    return;
  }
  parser_.feed(bytes);
  process(now);
}

void C2sSession::handle_eof(Instant now) {
  last_now_ = std::max(last_now_, now);
  stage_ = Stage::closed;
}

void C2sSession::handle_timeout(Instant now) {
  last_now_ = std::max(last_now_, now);
  if (stage_ == Stage::closed || jid_ || now < deadline_) return;
  ++counters_.timeouts;
  fail(StreamErrorCondition::connection_timeout, "stream negotiation took too long");
}

std::optional<Instant> C2sSession::poll_timeout() const {
  if (stage_ == Stage::closed || jid_) return std::nullopt;
  return deadline_;
}

std::optional<std::string> C2sSession::poll_output() {
  if (output_.empty()) return std::nullopt;
  return std::exchange(output_, {});
}

std::optional<Element> C2sSession::poll_inbound() {
  if (inbound_.empty()) return std::nullopt;
  Element e = std::move(inbound_.front());
  inbound_.pop_front();
  return e;
}

std::optional<C2sEvent> C2sSession::poll_event() {
  if (events_.empty()) return std::nullopt;
  C2sEvent e = std::move(events_.front());
  events_.pop_front();
  return e;
}

// Parsing happens one event at a time, so a restart (STARTTLS, SASL
// success) takes effect before a byte after the element that caused it is
// parsed; the loop then continues on the new stream's parser.
void C2sSession::process(Instant now) {
  while (stage_ == Stage::header || stage_ == Stage::open) {
    auto event = parser_.poll_event();
    if (!event) return;
    if (auto* header = std::get_if<StreamHeader>(&*event)) {
      on_header(*header);
    } else if (auto* element = std::get_if<Element>(&*event)) {
      on_element(now, std::move(*element));
    } else if (std::holds_alternative<StreamClosed>(*event)) {
      closed_by_client_ = true;  // a clean end: nothing to resume (XEP-0198 §5)
      finish();  // §4.4: the client closed its stream; we close ours
    } else {
      fail_xml(std::get<StreamError>(*event));
    }
  }
}

void C2sSession::on_header(const StreamHeader& header) {
  // The parser refuses another content namespace; none at all is refused
  // here (a client stream's stanzas are in jabber:client, §4.8.2).
  if (header.content_namespace.empty())
    return fail(StreamErrorCondition::invalid_namespace, "the default namespace must be jabber:client");
  // §4.7.5: no version is a pre-XMPP-1.0 peer; a higher one is answered
  // with the highest we support (1.0).
  auto version = parse_version(header.version);
  if (!version || version->first < 1)
    return fail(StreamErrorCondition::unsupported_version, "XMPP 1.0 is required",
                "version " + (header.version ? "'" + printable(*header.version) + "'" : std::string("absent")));

  const sasl::ServerConfig* host = nullptr;
  if (!header.to) {
    host = host_ != nullptr ? host_ : &config_->hosts.front();
  } else if (auto to = Jid::parse(*header.to); to && to->is_domain()) {
    for (const sasl::ServerConfig& h : config_->hosts)
      if (h.domain == to->domain()) host = &h;
  }
  // A restart must stay with the domain the connection began with.
  if (host == nullptr || (host_ != nullptr && host != host_))
    return fail(StreamErrorCondition::host_unknown, "this server does not serve that domain",
                "to='" + printable(header.to.value_or("")) + "'");
  host_ = host;
  domain_ = host->domain;
  if (!sasl_ && !account_) new_sasl_session();

  lang_ = header.lang && plausible_lang(*header.lang) ? *header.lang : std::string();
  open_stream_reply(header.lang, header.from);
  write(features());
  stage_ = Stage::open;
  ++counters_.streams;
}

void C2sSession::open_stream_reply(const std::optional<std::string>& client_lang,
                                   const std::optional<std::string>& client_from) {
  our_header_ = StreamHeader{};
  our_header_.from = domain_.empty() ? config_->hosts.front().domain : domain_;
  // §4.7.3: unique and unpredictable, at least 128 bits.
  our_header_.id = rng_->random_hex(16);
  our_header_.version = "1.0";
  our_header_.lang = client_lang && plausible_lang(*client_lang) ? *client_lang : config_->default_lang;
  our_header_.content_namespace = std::string(ns::client);
  our_header_.prefix = "stream";
  // §4.7.2: answer to whom the client said it is, if that is a JID at all.
  if (client_from)
    if (auto from = Jid::parse(*client_from)) our_header_.to = from->str();
  output_ += open_stream(our_header_);
  scope_ = scope_of(our_header_);
  header_sent_ = true;
}

void C2sSession::on_element(Instant now, Element element) {
  if (!account_) {
    if (element.is("starttls", ns::tls)) return on_starttls();
    if (element.ns == ns::sasl && (element.name == "auth" || element.name == "response" || element.name == "abort"))
      return on_sasl(now, element);
    // §4.9.3.12: nothing else before authentication, and it is not processed.
    return fail(StreamErrorCondition::not_authorized, "authenticate first",
                "<" + printable(element.name, 40) + "/> before authentication");
  }
  if (element.ns == ns::sm) return on_sm(element);  // XEP-0198, before and after binding
  if (!jid_) {
    if (element.is("iq", ns::client) && element.child("bind", ns::bind) != nullptr) return on_bind(element);
    if (element.ns == ns::client && (element.name == "message" || element.name == "presence" || element.name == "iq"))
      return fail(StreamErrorCondition::not_authorized, "bind a resource first",
                  "<" + element.name + "/> before resource binding");
    return fail(StreamErrorCondition::unsupported_stanza_type, "expected resource binding",
                "<" + printable(element.name, 40) + "/> before resource binding");
  }
  on_stanza(std::move(element));
}

void C2sSession::write(const Element& element) { serialize(element, output_, scope_); }

void C2sSession::restart_parser(bool authenticated) {
  Bytes rest = parser_.reset();
  if (authenticated) {
    // The client may have pipelined its new header: it is in `rest`.
    parser_ = StreamParser(parser_options(*config_, true));
    parser_.feed(rest);
  }
  stage_ = Stage::header;
  header_sent_ = false;
}

// §4.9.1: the error, then our close tag; if the error is in the client's
// header, our header first (§4.9.1.2), so the client can parse the error.
void C2sSession::fail(StreamErrorCondition condition, std::string text, std::string detail) {
  if (stage_ == Stage::closed) return;
  sm_resumable_ = false;  // a stream error ends the session, not just the connection
  ++counters_.stream_errors;
  events_.push_back(StreamErrorSent{condition, detail.empty() ? text : detail});
  if (stage_ == Stage::tls_handshake) {  // nothing can be written in plaintext now
    stage_ = Stage::closed;
    return;
  }
  if (!header_sent_) open_stream_reply(std::nullopt, std::nullopt);
  StreamError error;
  error.condition = condition;
  error.detail = std::move(text);
  write(to_element(error));
  finish();
}

void C2sSession::fail_xml(const StreamError& error) {
  ++counters_.xml_errors;
  fail(error.condition, error.detail, error.message());
}

void C2sSession::finish() {
  if (stage_ == Stage::closed) return;
  if (stage_ != Stage::tls_handshake) {
    if (!header_sent_) open_stream_reply(std::nullopt, std::nullopt);
    output_ += close_stream(our_header_);
  }
  stage_ = Stage::closed;
}

void C2sSession::close() { finish(); }

void C2sSession::close(StreamErrorCondition condition, std::string text) { fail(condition, std::move(text)); }

void C2sSession::close_with_error(const Element& stream_error) {
  if (stage_ == Stage::closed) return;
  sm_resumable_ = false;  // replaced (conflict) or shut down: nothing to resume
  StreamErrorCondition condition = StreamErrorCondition::undefined_condition;
  std::string text;
  for (const Element* child : stream_error.elements()) {
    if (child->ns != ns::stream_errors) continue;
    if (child->name == "text") text = child->text();
    else if (auto c = condition_named(child->name)) condition = *c;
  }
  ++counters_.stream_errors;
  events_.push_back(StreamErrorSent{condition, text.empty() ? "closed by the server" : text});
  if (stage_ == Stage::tls_handshake) {
    stage_ = Stage::closed;
    return;
  }
  if (!header_sent_) open_stream_reply(std::nullopt, std::nullopt);
  write(stream_error);
  finish();
}

}  // namespace confab::xmpp
