#include "sasl/scram_client.hpp"

#include <openssl/crypto.h>

#include "sasl/nonce.hpp"
#include "stun/credentials.hpp"

namespace confab::sasl {

std::string_view to_string(ClientError e) {
  switch (e) {
    case ClientError::bad_input: return "bad_input";
    case ClientError::out_of_sequence: return "out_of_sequence";
    case ClientError::malformed: return "malformed";
    case ClientError::unsupported_extension: return "unsupported_extension";
    case ClientError::nonce_mismatch: return "nonce_mismatch";
    case ClientError::iterations_out_of_range: return "iterations_out_of_range";
    case ClientError::server_error: return "server_error";
    case ClientError::bad_server_signature: return "bad_server_signature";
  }
  return "unknown";
}

ScramClient::ScramClient(Mechanism mechanism, std::string username, std::string password, ClientBinding binding,
                         std::string authzid, ScramClientConfig config)
    : mechanism_(mechanism),
      username_(std::move(username)),
      password_(std::move(password)),
      binding_(std::move(binding)),
      authzid_(std::move(authzid)),
      config_(config) {}

ScramClient::~ScramClient() { OPENSSL_cleanse(password_.data(), password_.size()); }

Unexpected<ClientFailure> ScramClient::fail(ClientError e, std::string detail, std::optional<ScramError> se) {
  state_ = State::done;
  return unexpected(ClientFailure{e, se, std::move(detail)});
}

Result<std::string, ClientFailure> ScramClient::client_first(Rng& rng) {
  if (state_ != State::start) return fail(ClientError::out_of_sequence, "client_first called twice");
  if (!is_scram(mechanism_)) return fail(ClientError::bad_input, "not a SCRAM mechanism");
  if (is_plus(mechanism_) != (binding_.flag == Gs2Flag::p))
    return fail(ClientError::bad_input, "-PLUS mechanisms bind (flag p), the others do not");
  if (binding_.flag == Gs2Flag::p && binding_.binding.type.empty())
    return fail(ClientError::bad_input, "flag p without a binding type");
  auto user = stun::saslprep(username_);
  if (!user || user->empty()) return fail(ClientError::bad_input, "the username is refused by SASLprep");
  auto pass = stun::saslprep(password_);
  if (!pass || pass->empty()) return fail(ClientError::bad_input, "the password is refused by SASLprep");
  OPENSSL_cleanse(password_.data(), password_.size());
  password_ = std::move(*pass);
  username_ = std::move(*user);

  gs2_text_ = format_gs2_header(Gs2Header{binding_.flag, binding_.binding.type, authzid_});
  client_nonce_ = make_nonce(rng, config_.nonce_chars);
  client_first_bare_ = format_client_first_bare(username_, client_nonce_);
  state_ = State::server_first;
  return gs2_text_ + client_first_bare_;
}

Result<std::string, ClientFailure> ScramClient::handle_server_first(std::string_view message) {
  if (state_ != State::server_first) return fail(ClientError::out_of_sequence, "server-first-message out of turn");
  auto sf = parse_server_first(message);
  if (!sf) {
    const bool mext = sf.error().code == ScramDecodeErrorCode::mandatory_extension;
    return fail(mext ? ClientError::unsupported_extension : ClientError::malformed, sf.error().message());
  }
  if (sf->nonce.size() <= client_nonce_.size() || sf->nonce.compare(0, client_nonce_.size(), client_nonce_) != 0)
    return fail(ClientError::nonce_mismatch, "the server nonce does not extend the client's");
  if (sf->iterations < config_.min_iterations || sf->iterations > config_.max_iterations)
    return fail(ClientError::iterations_out_of_range, "i=" + std::to_string(sf->iterations));

  const ScramMechanism hash = scram_hash_of(mechanism_);
  Bytes salted = salted_password(hash, password_, sf->salt, sf->iterations);
  OPENSSL_cleanse(password_.data(), password_.size());
  password_.clear();
  if (salted.empty()) return fail(ClientError::bad_input, "PBKDF2 failed");

  std::string final_message =
      format_client_final_without_proof(gs2_text_, binding_.flag == Gs2Flag::p ? ByteView(binding_.binding.data)
                                                                               : ByteView(),
                                        sf->nonce);
  const std::string auth = auth_message(client_first_bare_, message, final_message);
  const ScramCredentials keys = scram_credentials_from_salted(hash, salted, sf->salt, sf->iterations);
  expected_signature_ = server_signature(hash, keys.server_key, auth);
  final_message += format_proof(client_proof(hash, salted, auth));
  OPENSSL_cleanse(salted.data(), salted.size());
  state_ = State::server_final;
  return final_message;
}

Result<std::monostate, ClientFailure> ScramClient::handle_server_final(std::string_view message) {
  if (state_ != State::server_final) return fail(ClientError::out_of_sequence, "server-final-message out of turn");
  auto sf = parse_server_final(message);
  if (!sf) return fail(ClientError::malformed, sf.error().message());
  if (sf->error) return fail(ClientError::server_error, "e=" + *sf->error, parse_scram_error(*sf->error));
  if (!equal_in_constant_time(sf->verifier, expected_signature_))
    return fail(ClientError::bad_server_signature, "v= does not match");
  state_ = State::done;
  return std::monostate{};
}

}  // namespace confab::sasl
