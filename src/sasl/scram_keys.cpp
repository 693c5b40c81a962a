// SCRAM keys through OpenSSL: PBKDF2, the mechanism's digest and HMAC.
#include "sasl/scram_keys.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <limits>

namespace confab::sasl {
namespace {

const EVP_MD* md_of(ScramMechanism m) { return m == ScramMechanism::sha1 ? EVP_sha1() : EVP_sha256(); }

}  // namespace

std::string_view name_of(ScramMechanism m) { return m == ScramMechanism::sha1 ? "SCRAM-SHA-1" : "SCRAM-SHA-256"; }

std::size_t hash_size(ScramMechanism m) { return m == ScramMechanism::sha1 ? 20 : 32; }

Bytes scram_hash(ScramMechanism mech, ByteView data) {
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, md_of(mech), nullptr) != 1) return {};
  out.resize(len);
  return out;
}

Bytes scram_hmac(ScramMechanism mech, ByteView key, ByteView data) {
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned len = 0;
  if (!HMAC(md_of(mech), key.data(), static_cast<int>(key.size()), data.data(), data.size(), out.data(), &len))
    return {};
  out.resize(len);
  return out;
}

Bytes salted_password(ScramMechanism mech, std::string_view prepared_password, ByteView salt,
                      std::uint32_t iterations) {
  Bytes salted(hash_size(mech));
  if (iterations == 0 || iterations > static_cast<std::uint32_t>(std::numeric_limits<int>::max()) ||
      PKCS5_PBKDF2_HMAC(prepared_password.data(), static_cast<int>(prepared_password.size()), salt.data(),
                        static_cast<int>(salt.size()), static_cast<int>(iterations), md_of(mech),
                        static_cast<int>(salted.size()), salted.data()) != 1)
    return {};
  return salted;
}

ScramCredentials scram_credentials_from_salted(ScramMechanism mech, ByteView salted, ByteView salt,
                                               std::uint32_t iterations) {
  ScramCredentials c{Bytes(salt.begin(), salt.end()), iterations, {}, {}};
  if (salted.empty()) return c;  // Hi() failed: empty keys never match a proof
  Bytes client_key = scram_hmac(mech, salted, as_bytes("Client Key"));
  c.stored_key = scram_hash(mech, client_key);
  c.server_key = scram_hmac(mech, salted, as_bytes("Server Key"));
  OPENSSL_cleanse(client_key.data(), client_key.size());
  return c;
}

ScramCredentials scram_credentials(ScramMechanism mech, std::string_view prepared_password, ByteView salt,
                                   std::uint32_t iterations) {
  Bytes salted = salted_password(mech, prepared_password, salt, iterations);
  ScramCredentials c = scram_credentials_from_salted(mech, salted, salt, iterations);
  OPENSSL_cleanse(salted.data(), salted.size());
  return c;
}

Bytes client_proof(ScramMechanism mech, ByteView salted, std::string_view auth_message) {
  Bytes client_key = scram_hmac(mech, salted, as_bytes("Client Key"));
  const Bytes stored_key = scram_hash(mech, client_key);
  const Bytes signature = scram_hmac(mech, stored_key, as_bytes(auth_message));
  if (signature.size() != client_key.size()) return {};
  for (std::size_t i = 0; i < client_key.size(); ++i) client_key[i] ^= signature[i];
  return client_key;
}

bool verify_client_proof(ScramMechanism mech, ByteView stored_key, std::string_view auth_message, ByteView proof) {
  const Bytes signature = scram_hmac(mech, stored_key, as_bytes(auth_message));
  // A proof of the wrong length is XORed against what there is and then
  // fails the comparison: the same work as a wrong proof of the right length.
  Bytes client_key(signature.size());
  for (std::size_t i = 0; i < client_key.size(); ++i)
    client_key[i] = static_cast<std::uint8_t>((i < proof.size() ? proof[i] : 0) ^ signature[i]);
  const Bytes h = scram_hash(mech, client_key);
  OPENSSL_cleanse(client_key.data(), client_key.size());
  const bool match = equal_in_constant_time(h, stored_key);
  return match && proof.size() == hash_size(mech) && stored_key.size() == hash_size(mech);
}

Bytes server_signature(ScramMechanism mech, ByteView server_key, std::string_view auth_message) {
  return scram_hmac(mech, server_key, as_bytes(auth_message));
}

bool equal_in_constant_time(ByteView a, ByteView b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace confab::sasl
