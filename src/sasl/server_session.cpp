#include "sasl/server_session.hpp"

#include <algorithm>

#include "sasl/base64.hpp"
#include "stun/credentials.hpp"

namespace confab::sasl {
namespace {

// Failures that are a guess at a password: what the limiter counts.
// Malformed messages and binding mismatches guess nothing.
bool is_credential_failure(Reason r) {
  return r == Reason::invalid_proof || r == Reason::wrong_password || r == Reason::unknown_user;
}

bool usable(const ChannelBinding& b) {
  if (b.data.empty() || b.type.empty()) return false;
  return std::all_of(b.type.begin(), b.type.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
  });
}

}  // namespace

Result<std::string, Failure> decode_xmpp_payload(std::string_view text) {
  if (text == "=") return std::string();
  auto bytes = base64_decode(text);
  if (!bytes) return unexpected(make_failure(Reason::incorrect_encoding, "payload is not strict base64"));
  return std::string(as_chars(*bytes));
}

std::string encode_xmpp_payload(std::string_view data) { return base64_encode(as_bytes(data)); }

ServerSession::ServerSession(const ServerConfig& config, Connection connection, AuthLimiter* limiter)
    : config_(&config), connection_(std::move(connection)), limiter_(limiter) {
  // Without TLS there is nothing to bind to, whatever was passed in.
  if (!connection_.tls) connection_.bindings.clear();
  std::erase_if(connection_.bindings, [](const ChannelBinding& b) { return !usable(b); });
}

std::vector<Mechanism> ServerSession::mechanisms() const {
  std::vector<Mechanism> out;
  for (Mechanism m : all_mechanisms) {
    if (is_plus(m) && connection_.bindings.empty()) continue;
    if (scram_hash_of(m) == ScramMechanism::sha1 && is_scram(m) && !config_->offer_sha1) continue;
    if (m == Mechanism::plain && (!connection_.tls || !config_->offer_plain)) continue;
    out.push_back(m);
  }
  return out;
}

std::vector<std::string> ServerSession::channel_binding_types() const {
  std::vector<std::string> out;
  for (const ChannelBinding& b : connection_.bindings) out.push_back(b.type);
  return out;
}

Step ServerSession::refuse(Reason reason, std::string detail) {
  exchange_ = std::monostate{};
  ++attempts_;
  return Step::fail(make_failure(reason, std::move(detail)));
}

Step ServerSession::finish(Step step, std::string_view username, Instant now) {
  if (step.is_challenge()) return step;
  if (step.is_success()) {
    if (limiter_ != nullptr) limiter_->record_success(username);
    if (auto* s = std::get_if<ScramServer>(&exchange_)) identity_ = s->identity();
    if (auto* p = std::get_if<PlainServer>(&exchange_)) identity_ = p->identity();
  } else {
    ++attempts_;
    if (is_credential_failure(step.failure.reason)) {
      ++failures_;
      if (limiter_ != nullptr) limiter_->record_failure(connection_.source, username, now);
    }
  }
  exchange_ = std::monostate{};
  return step;
}

Step ServerSession::start(std::string_view name, std::optional<std::string_view> initial_response, Instant now,
                          Rng& rng, const CredentialsLookup& lookup) {
  if (authenticated()) return Step::fail(make_failure(Reason::out_of_sequence, "already authenticated"));
  if (in_progress()) return refuse(Reason::out_of_sequence, "<auth/> during an exchange");
  if (retries_exhausted()) return refuse(Reason::out_of_sequence, "no attempts left on this stream");
  const auto mech = parse_mechanism(name);
  if (mech == Mechanism::plain && !connection_.tls && config_->offer_plain)
    return refuse(Reason::encryption_required, "PLAIN without TLS");
  const auto offered = mechanisms();
  if (!mech || std::find(offered.begin(), offered.end(), *mech) == offered.end())
    return refuse(Reason::invalid_mechanism, "not offered on this connection");
  if (limiter_ != nullptr && limiter_->source_locked(connection_.source, now))
    return refuse(Reason::too_many_failures, "source locked");

  mechanism_ = *mech;
  if (*mech == Mechanism::plain)
    exchange_.emplace<PlainServer>(*config_, connection_.tls);
  else
    exchange_.emplace<ScramServer>(*config_, *mech, connection_.bindings);
  // No initial response: an empty challenge asks for it (RFC 6120 §6.4.3).
  if (!initial_response) return Step::challenge({});
  return run(*initial_response, now, rng, lookup);
}

Step ServerSession::respond(std::string_view response, Instant now, Rng& rng, const CredentialsLookup& lookup) {
  if (!in_progress()) return refuse(Reason::out_of_sequence, "<response/> outside an exchange");
  return run(response, now, rng, lookup);
}

Step ServerSession::abort() {
  if (!in_progress()) return Step::fail(make_failure(Reason::aborted, "nothing to abort"));
  return refuse(Reason::aborted, {});
}

Step ServerSession::run(std::string_view data, Instant now, Rng& rng, const CredentialsLookup& lookup) {
  if (auto* plain = std::get_if<PlainServer>(&exchange_)) return run_plain(*plain, data, now, lookup);
  auto& scram = std::get<ScramServer>(exchange_);
  if (!scram.awaiting_client_first()) {
    const std::string username = scram.username();
    return finish(scram.handle_client_final(data), username, now);
  }
  Step step = scram.handle_client_first(data, lookup, rng);
  // The account is known only now; a locked one gets no salt.
  if (step.is_challenge() && limiter_ != nullptr && limiter_->account_locked(scram.username(), now))
    return refuse(Reason::too_many_failures, "account locked");
  return finish(std::move(step), scram.username(), now);
}

Step ServerSession::run_plain(PlainServer& plain, std::string_view data, Instant now,
                              const CredentialsLookup& lookup) {
  if (!connection_.tls) return finish(plain.handle(data, lookup), {}, now);
  if (data.size() > config_->max_message_bytes) return refuse(Reason::too_long, "PLAIN message");
  auto message = parse_plain(data);
  if (!message) return refuse(message.error().reason, message.error().detail);
  // The limiter before PBKDF2, keyed by the prepared name so that
  // different spellings of one account share its count.
  if (limiter_ != nullptr) {
    auto prepared = stun::saslprep(message->authcid);
    if (prepared && limiter_->account_locked(*prepared, now))
      return refuse(Reason::too_many_failures, "account locked");
  }
  Step step = plain.verify(*message, lookup);
  return finish(std::move(step), plain.username(), now);
}

}  // namespace confab::sasl
