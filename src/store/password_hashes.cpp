#include "store/password_hashes.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/text.hpp"
#include "stun/credentials.hpp"

namespace confab::store {

namespace {

const EVP_MD* md_of(ScramMechanism m) { return m == ScramMechanism::sha1 ? EVP_sha1() : EVP_sha256(); }
const EVP_MD* md_of(DigestAlgorithm a) { return a == DigestAlgorithm::md5 ? EVP_md5() : EVP_sha256(); }

Bytes digest(const EVP_MD* md, ByteView data) {
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned len = 0;
  // Only fails on allocation failure inside OpenSSL; an empty result then
  // makes every later comparison fail rather than match.
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, md, nullptr) != 1) return {};
  out.resize(len);
  return out;
}

}  // namespace

std::string_view name_of(DigestAlgorithm a) { return a == DigestAlgorithm::md5 ? "MD5" : "SHA-256"; }
std::string_view name_of(ScramMechanism m) { return m == ScramMechanism::sha1 ? "SCRAM-SHA-1" : "SCRAM-SHA-256"; }

Bytes scram_hash(ScramMechanism mech, ByteView data) { return digest(md_of(mech), data); }

Bytes scram_hmac(ScramMechanism mech, ByteView key, ByteView data) {
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned len = 0;
  if (!HMAC(md_of(mech), key.data(), static_cast<int>(key.size()), data.data(), data.size(), out.data(), &len))
    return {};
  out.resize(len);
  return out;
}

std::string digest_ha1(DigestAlgorithm alg, std::string_view username, std::string_view realm,
                       std::string_view password) {
  std::string a1;
  a1.reserve(username.size() + realm.size() + password.size() + 2);
  a1.append(username).append(":").append(realm).append(":").append(password);
  auto h = digest(md_of(alg), as_bytes(a1));
  // A1 held the clear password: do not leave it in freed heap memory.
  OPENSSL_cleanse(a1.data(), a1.size());
  return to_hex(h);
}

ScramCredentials scram_credentials(ScramMechanism mech, std::string_view prepared_password, ByteView salt,
                                   std::uint32_t iterations) {
  const EVP_MD* md = md_of(mech);
  Bytes salted(static_cast<std::size_t>(EVP_MD_get_size(md)));
  ScramCredentials c{Bytes(salt.begin(), salt.end()), iterations, {}, {}};
  if (PKCS5_PBKDF2_HMAC(prepared_password.data(), static_cast<int>(prepared_password.size()), salt.data(),
                        static_cast<int>(salt.size()), static_cast<int>(iterations), md,
                        static_cast<int>(salted.size()), salted.data()) != 1)
    return c;  // empty keys: never match a proof
  c.stored_key = scram_hash(mech, scram_hmac(mech, salted, as_bytes("Client Key")));
  c.server_key = scram_hmac(mech, salted, as_bytes("Server Key"));
  OPENSSL_cleanse(salted.data(), salted.size());
  return c;
}

Result<StoredCredentials, std::string> derive_credentials(const AccountName& account, std::string_view password,
                                                          const HashParams& params, Rng& rng) {
  if (password.empty()) return unexpected(std::string("the password is empty"));
  if (password.size() > HashParams::max_password_bytes)
    return unexpected("the password is longer than " + std::to_string(HashParams::max_password_bytes) + " bytes");
  if (params.scram_sha1_iterations < HashParams::min_iterations ||
      params.scram_sha256_iterations < HashParams::min_iterations)
    return unexpected("SCRAM iteration counts below " + std::to_string(HashParams::min_iterations) +
                      " are not allowed (RFC 7677)");
  auto prepared = stun::saslprep(password);
  if (!prepared) return unexpected("the password is not allowed: " + prepared.error());
  if (prepared->empty()) return unexpected(std::string("the password is empty after SASLprep"));

  StoredCredentials c;
  c.realm = account.domain;
  c.ha1_md5 = digest_ha1(DigestAlgorithm::md5, account.localpart, c.realm, password);
  c.ha1_sha256 = digest_ha1(DigestAlgorithm::sha256, account.localpart, c.realm, password);
  Bytes salt(HashParams::salt_bytes);
  rng.fill(salt);
  c.scram_sha1 = scram_credentials(ScramMechanism::sha1, *prepared, salt, params.scram_sha1_iterations);
  rng.fill(salt);
  c.scram_sha256 = scram_credentials(ScramMechanism::sha256, *prepared, salt, params.scram_sha256_iterations);
  OPENSSL_cleanse(prepared->data(), prepared->size());
  return c;
}

}  // namespace confab::store
