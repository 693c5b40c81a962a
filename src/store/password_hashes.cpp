#include "store/password_hashes.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "core/text.hpp"
#include "stun/credentials.hpp"

namespace confab::store {

namespace {

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
