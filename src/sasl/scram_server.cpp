// ScramServer: the checks of RFC 5802 §5.1 and §6 in the order that tells
// an attacker least. Client-first: syntax, channel-binding choice (which
// does not depend on the account), username preparation, then the lookup,
// whose outcome is not visible in the answer. Client-final: syntax, c=,
// r=, the proof (the same work for an unknown user), then the authzid
// policy, which an unauthenticated client never gets to probe.
#include "sasl/scram_server.hpp"

#include "sasl/base64.hpp"
#include "sasl/nonce.hpp"
#include "stun/credentials.hpp"

namespace confab::sasl {

ScramServer::ScramServer(const ServerConfig& config, Mechanism mechanism, std::vector<ChannelBinding> bindings)
    : config_(&config), mechanism_(mechanism), bindings_(std::move(bindings)) {}

Step ScramServer::fail(Reason reason, std::string detail) {
  state_ = State::done;
  return Step::fail(make_failure(reason, std::move(detail)));
}

Step ScramServer::fail_final(Reason reason, std::string detail) {
  state_ = State::done;
  Failure f = make_failure(reason, std::move(detail));
  std::string data = format_server_error(to_string(f.scram_error));
  return Step::fail(std::move(f), std::move(data));
}

Step ScramServer::abort() { return fail(Reason::aborted, {}); }

const ChannelBinding* ScramServer::binding_named(std::string_view type) const {
  for (const ChannelBinding& b : bindings_)
    if (b.type == type) return &b;
  return nullptr;
}

std::optional<Failure> ScramServer::check_binding_choice(const Gs2Header& gs2) {
  const bool plus = is_plus(mechanism_);
  switch (gs2.flag) {
    case Gs2Flag::n:
      if (plus) return make_failure(Reason::channel_binding_required, "-PLUS mechanism with gs2 flag n");
      return std::nullopt;
    case Gs2Flag::y:
      if (plus) return make_failure(Reason::channel_binding_required, "-PLUS mechanism with gs2 flag y");
      if (!bindings_.empty())
        return make_failure(Reason::channel_binding_downgrade, "flag y although -PLUS was offered");
      return std::nullopt;
    case Gs2Flag::p: {
      if (!plus) return make_failure(Reason::channel_binding_not_offered, "p= with a mechanism that is not -PLUS");
      const ChannelBinding* b = binding_named(gs2.cb_name);
      if (b == nullptr)
        return make_failure(Reason::unsupported_channel_binding_type,
                            "this connection has no binding of the requested type");
      cb_data_ = b->data;
      return std::nullopt;
    }
  }
  return make_failure(Reason::malformed, "unknown gs2 flag");
}

Step ScramServer::handle_client_first(std::string_view message, const CredentialsLookup& lookup, Rng& rng) {
  if (state_ != State::client_first) return fail(Reason::out_of_sequence, "client-first-message again");
  if (!is_scram(mechanism_)) return fail(Reason::invalid_mechanism, "not a SCRAM mechanism");
  if (message.size() > config_->max_message_bytes) return fail(Reason::too_long, "client-first-message");

  auto parsed = parse_client_first(message);
  if (!parsed) {
    const auto code = parsed.error().code;
    const Reason r = code == ScramDecodeErrorCode::mandatory_extension ? Reason::unsupported_extension
                     : code == ScramDecodeErrorCode::bad_username     ? Reason::invalid_username
                     : code == ScramDecodeErrorCode::bad_authzid      ? Reason::invalid_authzid
                                                                      : Reason::malformed;
    return fail(r, parsed.error().message());
  }
  ClientFirst& cf = *parsed;
  if (auto f = check_binding_choice(cf.gs2)) {
    state_ = State::done;
    return Step::fail(std::move(*f));
  }

  // RFC 5802 §5.1: the server prepares the username with SASLprep and
  // aborts if that fails or leaves nothing.
  auto prepared = stun::saslprep(cf.username);
  if (!prepared) return fail(Reason::invalid_username, "SASLprep: " + prepared.error());
  if (prepared->empty()) return fail(Reason::invalid_username, "empty after SASLprep");
  username_ = std::move(*prepared);
  authzid_ = std::move(cf.gs2.authzid);

  const ScramMechanism hash = scram_hash_of(mechanism_);
  auto found = lookup(username_, hash);
  if (!found) return fail(Reason::store_unavailable, found.error());
  if (*found && found->value().stored_key.size() == hash_size(hash) && !found->value().salt.empty()) {
    credentials_ = std::move(**found);
  } else {
    credentials_ = unknown_user_credentials(*config_, hash, username_);
    unknown_user_ = true;
  }

  gs2_text_ = std::move(cf.gs2_text);
  client_first_bare_ = std::move(cf.bare);
  nonce_ = cf.nonce + make_nonce(rng, config_->nonce_chars);
  server_first_ = format_server_first(nonce_, credentials_.salt, credentials_.iterations);
  state_ = State::client_final;
  return Step::challenge(server_first_);
}

Step ScramServer::handle_client_final(std::string_view message) {
  if (state_ != State::client_final) return fail(Reason::out_of_sequence, "client-final-message out of turn");
  if (message.size() > config_->max_message_bytes) return fail_final(Reason::too_long, "client-final-message");
  auto parsed = parse_client_final(message);
  if (!parsed) return fail_final(Reason::malformed, parsed.error().message());
  const ClientFinal& cf = *parsed;

  // c= must carry the gs2 header of client-first, byte for byte, and for
  // p= this connection's binding data: a client whose TLS ends somewhere
  // else (a man in the middle) has other data and fails here.
  Bytes expected(gs2_text_.begin(), gs2_text_.end());
  expected.insert(expected.end(), cb_data_.begin(), cb_data_.end());
  if (!equal_in_constant_time(cf.channel_binding, expected))
    return fail_final(Reason::channel_bindings_dont_match, "c= differs from gs2 header + binding data");
  if (cf.nonce != nonce_) return fail_final(Reason::nonce_mismatch, "r= is not this exchange's nonce");

  const std::string auth = auth_message(client_first_bare_, server_first_, cf.without_proof);
  const ScramMechanism hash = scram_hash_of(mechanism_);
  const bool proof_ok = verify_client_proof(hash, credentials_.stored_key, auth, cf.proof);
  if (unknown_user_) return fail_final(Reason::unknown_user, "no such account");
  if (!proof_ok) return fail_final(Reason::invalid_proof, "the proof does not verify");
  if (!authzid_allowed(*config_, username_, authzid_))
    return fail_final(Reason::authzid_refused, "the policy does not allow this authzid");

  state_ = State::done;
  identity_ = Identity{username_, authzid_};
  return Step::success(format_server_final(server_signature(hash, credentials_.server_key, auth)));
}

}  // namespace confab::sasl
