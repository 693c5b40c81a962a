#include "sasl/plain.hpp"

#include <openssl/crypto.h>

#include "sasl/utf8.hpp"
#include "stun/credentials.hpp"

namespace confab::sasl {

PlainMessage::~PlainMessage() { OPENSSL_cleanse(password.data(), password.size()); }

Result<PlainMessage, Failure> parse_plain(std::string_view m, std::size_t max_field_bytes) {
  const std::size_t first = m.find('\0');
  const std::size_t second = first == std::string_view::npos ? first : m.find('\0', first + 1);
  if (second == std::string_view::npos)
    return unexpected(make_failure(Reason::malformed, "PLAIN: expected authzid NUL authcid NUL passwd"));
  const std::string_view authzid = m.substr(0, first);
  const std::string_view authcid = m.substr(first + 1, second - first - 1);
  const std::string_view password = m.substr(second + 1);
  if (password.find('\0') != std::string_view::npos)
    return unexpected(make_failure(Reason::malformed, "PLAIN: more than two NULs"));
  if (authcid.empty() || password.empty())
    return unexpected(make_failure(Reason::malformed, "PLAIN: empty authcid or password"));
  if (authzid.size() > max_field_bytes || authcid.size() > max_field_bytes || password.size() > max_field_bytes)
    return unexpected(make_failure(Reason::too_long, "PLAIN: a field is over " + std::to_string(max_field_bytes) +
                                                         " bytes"));
  if (!is_valid_utf8(authzid)) return unexpected(make_failure(Reason::invalid_authzid, "PLAIN: authzid not UTF-8"));
  if (!is_valid_utf8(authcid))
    return unexpected(make_failure(Reason::invalid_username, "PLAIN: authcid not UTF-8"));
  if (!is_valid_utf8(password)) return unexpected(make_failure(Reason::malformed, "PLAIN: password not UTF-8"));
  PlainMessage out;
  out.authzid = std::string(authzid);
  out.authcid = std::string(authcid);
  out.password = std::string(password);
  return out;
}

Step PlainServer::fail(Reason reason, std::string detail) {
  finished_ = true;
  return Step::fail(make_failure(reason, std::move(detail)));
}

Step PlainServer::handle(std::string_view message, const CredentialsLookup& lookup) {
  if (finished_) return fail(Reason::out_of_sequence, "PLAIN takes one message");
  // Refuse before parsing: the password has crossed the wire in clear
  // already, but it is not looked at.
  if (!tls_) return fail(Reason::encryption_required, "PLAIN without TLS");
  if (message.size() > config_->max_message_bytes) return fail(Reason::too_long, "PLAIN message");
  auto parsed = parse_plain(message);
  if (!parsed) {
    finished_ = true;
    return Step::fail(parsed.error());
  }
  return verify(*parsed, lookup);
}

Step PlainServer::verify(const PlainMessage& m, const CredentialsLookup& lookup) {
  if (finished_) return fail(Reason::out_of_sequence, "PLAIN takes one message");
  if (!tls_) return fail(Reason::encryption_required, "PLAIN without TLS");
  auto user = stun::saslprep(m.authcid);
  if (!user) return fail(Reason::invalid_username, "SASLprep: " + user.error());
  if (user->empty()) return fail(Reason::invalid_username, "empty after SASLprep");
  username_ = std::move(*user);
  // A password SASLprep refuses was refused when passwords were set, so it
  // matches no account; failing here, before the lookup, tells nothing.
  auto pass = stun::saslprep(m.password);
  if (!pass || pass->empty()) return fail(Reason::wrong_password, "the password is refused by SASLprep");

  const ScramMechanism hash = config_->plain_verifies_with;
  auto found = lookup(username_, hash);
  if (!found) {
    OPENSSL_cleanse(pass->data(), pass->size());
    return fail(Reason::store_unavailable, found.error());
  }
  const bool known = *found && found->value().stored_key.size() == hash_size(hash);
  // An unknown user costs the same PBKDF2 as a known one, so the time taken
  // does not say which names exist.
  const ScramCredentials stored = known ? **found : unknown_user_credentials(*config_, hash, username_);
  const ScramCredentials given = scram_credentials(hash, *pass, stored.salt, stored.iterations);
  OPENSSL_cleanse(pass->data(), pass->size());
  const bool match = equal_in_constant_time(given.stored_key, stored.stored_key);
  if (!known) return fail(Reason::unknown_user, "no such account");
  if (!match) return fail(Reason::wrong_password, "the password does not give the stored key");
  if (!authzid_allowed(*config_, username_, m.authzid))
    return fail(Reason::authzid_refused, "the policy does not allow this authzid");
  finished_ = true;
  identity_ = Identity{username_, m.authzid};
  return Step::success({});
}

}  // namespace confab::sasl
