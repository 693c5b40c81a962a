// The c2s session's security layers: STARTTLS (RFC 6120 §5) and SASL
// (§6, through confab_sasl's ServerSession).
#include <utility>

#include "core/text.hpp"
#include "sasl/server_session.hpp"
#include "xmpp/c2s_session.hpp"
#include "xmpp/namespaces.hpp"

namespace confab::xmpp {

void C2sSession::tls_established(Instant, std::vector<sasl::ChannelBinding> bindings) {
  if (stage_ != Stage::tls_handshake) return;
  tls_ = true;
  connection_.tls = true;
  connection_.bindings = std::move(bindings);
  ++counters_.tls;
  // §5.4.3.3: a new stream over TLS, with what TLS now offers (PLAIN,
  // the -PLUS mechanisms). Attempts before TLS do not carry over.
  new_sasl_session();
  stage_ = Stage::header;
  header_sent_ = false;
}

void C2sSession::new_sasl_session() {
  sasl_.emplace(*host_, sasl::Connection{tls_, connection_.bindings, connection_.source}, limiter_);
  auth_failures_ = 0;
}

void C2sSession::on_starttls() {
  // §5.4.2.2: the failure case is <failure/> and the end of the stream.
  if (tls_ || !config_->offer_starttls) {
    write(Element("failure", std::string(ns::tls)));
    return finish();
  }
  // Bytes already received after <starttls/> came in plaintext and would
  // be taken as if sent over TLS: an injection attack (CVE-2011-0411).
  if (!parser_.reset().empty()) {
    ++counters_.tls_injections;
    return fail(StreamErrorCondition::policy_violation, "data after <starttls/>",
                "plaintext bytes after <starttls/> (injection?)");
  }
  write(Element("proceed", std::string(ns::tls)));
  stage_ = Stage::tls_handshake;
  header_sent_ = false;
}

sasl::CredentialsLookup C2sSession::lookup_for_domain() const {
  return [lookup = &lookup_, domain = domain_](std::string_view username, sasl::ScramMechanism mech) {
    return (*lookup)(domain, username, mech);
  };
}

void C2sSession::on_sasl(Instant now, const Element& element) {
  if (!tls_ && config_->require_tls)
    return sasl_failure(sasl::make_failure(sasl::Reason::encryption_required, "TLS is required before SASL"));
  if (element.name == "abort") return sasl_step(sasl_->abort());

  // §6.4.2: the payload is base64; an empty <auth/> has no initial
  // response (the mechanism asks for it), "=" is an empty one.
  const std::string text = element.text();
  std::optional<std::string> payload;
  if (!text.empty() || element.name == "response") {
    auto decoded = sasl::decode_xmpp_payload(text);
    if (!decoded) {
      if (element.name == "response" && sasl_->in_progress()) (void)sasl_->abort();
      return sasl_failure(decoded.error());
    }
    payload = std::move(*decoded);
  }
  if (element.name == "auth") {
    const auto mechanism = element.attribute("mechanism").value_or("");
    std::optional<std::string_view> initial;
    if (payload) initial = *payload;
    return sasl_step(sasl_->start(mechanism, initial, now, *rng_, lookup_for_domain()));
  }
  sasl_step(sasl_->respond(*payload, now, *rng_, lookup_for_domain()));
}

void C2sSession::sasl_step(sasl::Step step) {
  switch (step.kind) {
    case sasl::Step::Kind::challenge: {
      Element challenge("challenge", std::string(ns::sasl));
      if (!step.data.empty()) challenge.add_text(sasl::encode_xmpp_payload(step.data));
      return write(challenge);
    }
    case sasl::Step::Kind::success:
      return sasl_success(step.data);
    case sasl::Step::Kind::failure:
      return sasl_failure(step.failure);
  }
}

void C2sSession::sasl_failure(const sasl::Failure& failure) {
  // The condition only: a <text/> could tell an unknown user from a wrong
  // password, which the SASL layer takes care to hide.
  Element element("failure", std::string(ns::sasl));
  element.add_child(Element(std::string(sasl::to_string(failure.condition)), std::string(ns::sasl)));
  write(element);
  ++counters_.auth_failures;
  events_.push_back(AuthFailed{failure});
  // §6.4.5: after the configured retries, a policy-violation stream error.
  // Only attempts that tested credentials count: a client whose channel
  // binding we cannot do (slixmpp knows only tls-unique, which TLS 1.3 does
  // not have) fails -PLUS, then its "y" fallback (a downgrade, RFC 5802 §6),
  // and must still reach the mechanism it can use. Those cost nothing and
  // guess nothing; they are bounded separately, and by the negotiation deadline.
  const auto r = failure.reason;
  const bool tested_credentials =
      r == sasl::Reason::invalid_proof || r == sasl::Reason::wrong_password || r == sasl::Reason::unknown_user;
  if (tested_credentials) ++auth_failures_;
  ++sasl_attempts_;
  if (auth_failures_ >= host_->max_attempts_per_stream || sasl_attempts_ >= 3 * host_->max_attempts_per_stream)
    fail(StreamErrorCondition::policy_violation, "too many failed authentication attempts");
}

void C2sSession::sasl_success(const std::string& data) {
  auto account = account_of(*sasl_->identity());
  if (!account) {
    // The credentials were right but the name makes no JID (a store that
    // holds names Nodeprep refuses): nothing this stream can do.
    Element element("failure", std::string(ns::sasl));
    element.add_child(Element("not-authorized", std::string(ns::sasl)));
    write(element);
    ++counters_.auth_failures;
    events_.push_back(AuthFailed{sasl::make_failure(sasl::Reason::invalid_username, "the account name is not a valid localpart")});
    return finish();
  }
  // §6.4.6: additional data (SCRAM's server signature) goes in <success/>.
  Element success("success", std::string(ns::sasl));
  if (!data.empty()) success.add_text(sasl::encode_xmpp_payload(data));
  write(success);
  ++counters_.auth_successes;
  events_.push_back(AuthSucceeded{*account, sasl_->mechanism().value_or(sasl::Mechanism::plain)});
  account_ = std::move(*account);
  restart_parser(true);
}

// The account is the authenticated username at this stream's domain, or
// what the authzid names once the SASL policy allowed it (by default only
// the username itself or username@domain).
std::optional<Jid> C2sSession::account_of(const sasl::Identity& identity) const {
  std::string_view name = identity.username;
  if (!identity.authzid.empty()) {
    if (identity.authzid.find('@') != std::string::npos) {
      auto jid = Jid::parse(identity.authzid);
      if (!jid || jid->local().empty() || !jid->is_bare() || jid->domain() != domain_) return std::nullopt;
      return *jid;
    }
    name = identity.authzid;
  }
  auto jid = Jid::from_parts(name, domain_);
  if (!jid || jid->local().empty()) return std::nullopt;
  return *jid;
}

}  // namespace confab::xmpp
