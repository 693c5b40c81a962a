#pragma once
// The SCRAM key math of RFC 5802 §3, for SCRAM-SHA-1 and SCRAM-SHA-256
// (RFC 7677): the one copy in confab. The account store derives what it
// keeps with it; the SCRAM server, client and the PLAIN check verify with it.
//
//   SaltedPassword  = Hi(Normalize(password), salt, i)     (PBKDF2-HMAC)
//   ClientKey       = HMAC(SaltedPassword, "Client Key")
//   StoredKey       = H(ClientKey)
//   ServerKey       = HMAC(SaltedPassword, "Server Key")
//   ClientSignature = HMAC(StoredKey, AuthMessage)
//   ClientProof     = ClientKey XOR ClientSignature
//   ServerSignature = HMAC(ServerKey, AuthMessage)
//
// A server keeps only salt, i, StoredKey and ServerKey: enough to check a
// proof and to sign, not enough to log in as the user.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/bytes.hpp"

namespace confab::sasl {

enum class ScramMechanism : std::uint8_t { sha1, sha256 };

// "SCRAM-SHA-1", "SCRAM-SHA-256": the SASL names, also the store's keys.
std::string_view name_of(ScramMechanism m);
// 20 or 32: the size of H(), HMAC(), keys, proofs and signatures.
std::size_t hash_size(ScramMechanism m);

// What a SCRAM server needs to check a client proof and sign its answer.
struct ScramCredentials {
  Bytes salt;
  std::uint32_t iterations = 0;
  Bytes stored_key;  // H(ClientKey)
  Bytes server_key;  // HMAC(SaltedPassword, "Server Key")
  friend bool operator==(const ScramCredentials&, const ScramCredentials&) = default;
};

// H() and HMAC() of the mechanism's hash. Empty only if OpenSSL failed
// (allocation), which then fails every comparison rather than matching.
Bytes scram_hash(ScramMechanism mech, ByteView data);
Bytes scram_hmac(ScramMechanism mech, ByteView key, ByteView data);

// Hi(): PBKDF2-HMAC over the already SASLprep'd password. The caller owns
// the result, a password equivalent: OPENSSL_cleanse it when done.
Bytes salted_password(ScramMechanism mech, std::string_view prepared_password, ByteView salt,
                      std::uint32_t iterations);

// StoredKey and ServerKey from SaltedPassword, or from the prepared
// password (which runs Hi() first).
ScramCredentials scram_credentials_from_salted(ScramMechanism mech, ByteView salted, ByteView salt,
                                               std::uint32_t iterations);
ScramCredentials scram_credentials(ScramMechanism mech, std::string_view prepared_password, ByteView salt,
                                   std::uint32_t iterations);

// Client side: ClientProof from SaltedPassword and the AuthMessage.
Bytes client_proof(ScramMechanism mech, ByteView salted, std::string_view auth_message);
// Server side: recovers ClientKey = proof XOR HMAC(StoredKey, AuthMessage)
// and compares H(ClientKey) with StoredKey in constant time. The work done
// does not depend on whether, or where, the proof is wrong.
bool verify_client_proof(ScramMechanism mech, ByteView stored_key, std::string_view auth_message, ByteView proof);
// Both sides: ServerSignature = HMAC(ServerKey, AuthMessage).
Bytes server_signature(ScramMechanism mech, ByteView server_key, std::string_view auth_message);

// Constant-time equality of two byte strings (lengths are not secret).
bool equal_in_constant_time(ByteView a, ByteView b);

}  // namespace confab::sasl
