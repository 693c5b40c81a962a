#pragma once
// What every SASL server exchange shares: one ServerConfig per service,
// built at start-up, outliving the exchanges that point to it; and the
// account lookup they call.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "sasl/scram_keys.hpp"

namespace confab::sasl {

// May `username` (authenticated, SASLprep'd) act as `authzid` (non-empty)?
using AuthzidPolicy = std::function<bool(std::string_view username, std::string_view authzid)>;

// The store's answer for a SASLprep'd username: its credentials for `mech`,
// nullopt when there is no such account (or it has none for `mech`), or an
// error line when the store itself failed (the client is then told to try
// again later, not that its password is wrong).
using CredentialsLookup =
    std::function<Result<std::optional<ScramCredentials>, std::string>(std::string_view username, ScramMechanism mech)>;

struct ServerConfig {
  // Keys the fake salts shown for unknown usernames. At least 16 bytes, and
  // stable across restarts: if it changed, an unknown name's salt would
  // change while a real account's stays, which tells them apart.
  Bytes secret;
  // The domain served ("example.org"): the default policy accepts the
  // authzid "username@domain" (a bare JID) besides the username itself.
  std::string domain;
  // Empty: authzid must be empty, the username, or username@domain (ASCII
  // case-insensitive, as the store folds names).
  AuthzidPolicy authorize;
  // The iteration counts shown for unknown usernames; keep them equal to
  // the store's (store.scram_sha1_iterations / scram_sha256_iterations) so
  // a fake answer looks like a real one.
  std::uint32_t unknown_user_iterations_sha1 = 4096;
  std::uint32_t unknown_user_iterations_sha256 = 8192;
  std::size_t nonce_chars = 24;          // server nonce; 144 bits and more (nonce.hpp)
  std::size_t max_message_bytes = 4096;  // any one client message, after base64 decoding
  bool offer_sha1 = true;                // SCRAM-SHA-1(-PLUS), for older clients
  bool offer_plain = true;               // PLAIN, and only ever over TLS
  // PLAIN checks the password against these stored keys (RFC 4616 over
  // SCRAM-only storage: recompute StoredKey from the password).
  ScramMechanism plain_verifies_with = ScramMechanism::sha256;
  // RFC 6120 §6.4.5: retries on one stream, "at least 2 and no more than 5".
  std::uint32_t max_attempts_per_stream = 3;
};

// Start-up check; the error names the setting.
Result<std::monostate, std::string> validate(const ServerConfig& config);

// The configured policy, or the default one described above.
bool authzid_allowed(const ServerConfig& config, std::string_view username, std::string_view authzid);

// What the server shows for a username that has no account: a salt that is
// HMAC-SHA256(secret, mechanism || username), the same on every attempt
// like a real account's, the configured iteration count, and keys that no
// proof matches (the caller fails the exchange anyway).
ScramCredentials unknown_user_credentials(const ServerConfig& config, ScramMechanism mech, std::string_view username);

}  // namespace confab::sasl
