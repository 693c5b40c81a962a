#include "sasl/server_config.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/text.hpp"

namespace confab::sasl {

Result<std::monostate, std::string> validate(const ServerConfig& c) {
  if (c.secret.size() < 16) return unexpected(std::string("sasl: the secret needs at least 16 bytes"));
  if (c.unknown_user_iterations_sha1 < 4096 || c.unknown_user_iterations_sha256 < 4096)
    return unexpected(std::string("sasl: unknown-user iteration counts below 4096 (RFC 7677)"));
  if (c.nonce_chars < 16) return unexpected(std::string("sasl: the server nonce needs at least 16 characters"));
  if (c.max_message_bytes < 256) return unexpected(std::string("sasl: max_message_bytes below 256"));
  if (c.max_attempts_per_stream < 1) return unexpected(std::string("sasl: max_attempts_per_stream must be >= 1"));
  return std::monostate{};
}

bool authzid_allowed(const ServerConfig& c, std::string_view username, std::string_view authzid) {
  if (authzid.empty()) return true;
  if (c.authorize) return c.authorize(username, authzid);
  if (ascii_lower(authzid) == ascii_lower(username)) return true;
  if (c.domain.empty()) return false;
  std::string jid(username);
  jid.append("@").append(c.domain);
  return ascii_lower(authzid) == ascii_lower(jid);
}

ScramCredentials unknown_user_credentials(const ServerConfig& c, ScramMechanism mech, std::string_view username) {
  // Domain-separated from anything else the secret may key.
  std::string input = "confab SCRAM unknown-user salt";
  input += '\0';
  input.append(name_of(mech));
  input += '\0';
  input.append(username);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  ScramCredentials out;
  if (HMAC(EVP_sha256(), c.secret.data(), static_cast<int>(c.secret.size()),
           reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &len) != nullptr &&
      len >= 16)
    out.salt.assign(mac, mac + 16);
  else
    out.salt.assign(16, 0);
  out.iterations = mech == ScramMechanism::sha1 ? c.unknown_user_iterations_sha1 : c.unknown_user_iterations_sha256;
  out.stored_key.assign(hash_size(mech), 0);
  out.server_key.assign(hash_size(mech), 0);
  return out;
}

}  // namespace confab::sasl
