#pragma once
// Everything the store keeps about a password, computed once when it is set;
// the clear password itself is never stored.
//
// - SIP digest (RFC 3261, RFC 7616/8760): HA1 = H(username ":" realm ":"
//   password) for H = MD5 and SHA-256, with username = the account's
//   localpart and realm = its domain (confab's registrar challenges with the
//   domain as realm). The password's UTF-8 bytes are used as typed, since
//   that is what a SIP client hashes.
// - XMPP SCRAM (RFC 5802 §3, RFC 7677): SaltedPassword =
//   PBKDF2(SASLprep(password), salt, i); StoredKey = H(HMAC(SaltedPassword,
//   "Client Key")); ServerKey = HMAC(SaltedPassword, "Server Key"), for
//   SCRAM-SHA-1 and SCRAM-SHA-256, each with its own random 16-byte salt.
//
// A password must pass SASLprep (RFC 4013) or it is refused, so the same
// password works for both protocols. The SCRAM key math itself lives in
// confab_sasl (sasl/scram_keys.hpp), the one copy; its names are also
// available here as store:: names.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "core/rng.hpp"
#include "sasl/scram_keys.hpp"
#include "store/account_name.hpp"

namespace confab::store {

enum class DigestAlgorithm { md5, sha256 };

using sasl::name_of;  // name_of(ScramMechanism): "SCRAM-SHA-1", "SCRAM-SHA-256"
using sasl::scram_credentials;
using sasl::scram_hash;
using sasl::scram_hmac;
using sasl::ScramCredentials;
using sasl::ScramMechanism;

std::string_view name_of(DigestAlgorithm a);  // "MD5", "SHA-256" (RFC 7616 algorithm names)

struct StoredCredentials {
  std::string realm;       // the digest realm HA1 was computed for
  std::string ha1_md5;     // lowercase hex, 32 digits
  std::string ha1_sha256;  // lowercase hex, 64 digits
  ScramCredentials scram_sha1;
  ScramCredentials scram_sha256;
};

struct HashParams {
  // RFC 5802 and RFC 7677 ask for at least 4096.
  static constexpr std::uint32_t min_iterations = 4096;
  static constexpr std::size_t salt_bytes = 16;
  static constexpr std::size_t max_password_bytes = 1023;
  std::uint32_t scram_sha1_iterations = 4096;
  std::uint32_t scram_sha256_iterations = 8192;
};

// Checks the password (not empty, at most max_password_bytes, SASLprep
// accepts it) and computes every stored value; salts come from `rng`.
// Errors describe the password problem, e.g. "prohibited character U+0007".
Result<StoredCredentials, std::string> derive_credentials(const AccountName& account, std::string_view password,
                                                          const HashParams& params, Rng& rng);

// The building block, public for the RFC test vectors and for the SIP code
// that verifies against stored values.
std::string digest_ha1(DigestAlgorithm alg, std::string_view username, std::string_view realm,
                       std::string_view password);

}  // namespace confab::store
