#pragma once
// The registrar's and proxy's side of SIP digest authentication (RFC 3261
// §22.4, RFC 8760, RFC 7616 §3.3 and §5), sans-I/O: time and randomness are
// parameters, accounts are a lookup callback, nothing is logged here (the
// outcome says what to log) and every outcome is counted.
//
// Nonces carry their own proof: base64(issued || random || tag) where tag is
// HMAC-SHA256(secret, issued || random || realm) truncated to 16 bytes, so
// authenticity and age need no per-nonce state. What does need state is
// replay protection: the highest nonce-count seen per (nonce, username),
// kept only after a response verified, in a table of bounded size. When the
// table is full the oldest entry goes, and every untracked nonce issued no
// later than an evicted one is treated as stale from then on, so eviction
// never reopens a replay.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/bytes.hpp"
#include "core/rng.hpp"
#include "core/time.hpp"
#include "sip/digest_header.hpp"

namespace confab::sip {

struct DigestServerConfig {
  std::string realm;                 // e.g. "example.org"; must be quotable
  Bytes secret;                      // HMAC key for nonces, at least 16 bytes, from config
  // Challenged in this order (RFC 8760 §2.4: most preferred first).
  std::vector<DigestAlgorithm> algorithms{DigestAlgorithm::sha256, DigestAlgorithm::md5};
  Duration nonce_lifetime = std::chrono::seconds(300);
  std::size_t replay_table_size = 4096;  // (nonce, username) pairs tracked
  // Credentials without qop (RFC 2069 style, old clients): each nonce is then
  // good for one request only.
  bool accept_no_qop = true;
  bool offer_auth_int = false;       // offer qop="auth,auth-int" rather than "auth"
};

enum class DigestOutcome : std::uint8_t {
  ok,            // authenticated as DigestCheck::username
  stale,         // right password, but the nonce is too old (or no longer tracked)
  bad_response,  // wrong password (or credentials forged)
  unknown_user,  // no HA1 for this username, realm and algorithm
  bad_nonce,     // a nonce this server did not issue for this realm
  replay,        // right password, but this nonce-count (or qop-less nonce) was used already
  malformed,     // unparseable, or asks for what was not offered; see detail
};
const char* to_string(DigestOutcome o);

struct DigestCheck {
  DigestOutcome outcome = DigestOutcome::malformed;
  std::string username;  // as the client sent it (untrusted text: escape before logging)
  std::string detail;    // one line for the log, e.g. "algorithm MD5 was not offered"

  bool ok() const { return outcome == DigestOutcome::ok; }
  // The client proved it knows the password: answer 401/407 with a fresh
  // challenge(now, rng, /*stale=*/true) so it retries without prompting.
  bool password_was_right() const {
    return outcome == DigestOutcome::stale || outcome == DigestOutcome::replay;
  }
};

struct DigestCounters {
  std::uint64_t challenges = 0;  // challenge() calls
  std::uint64_t ok = 0;
  std::uint64_t stale = 0;
  std::uint64_t bad_response = 0;
  std::uint64_t unknown_user = 0;
  std::uint64_t bad_nonce = 0;
  std::uint64_t replay = 0;
  std::uint64_t malformed = 0;
  std::uint64_t evictions = 0;   // replay-table entries dropped because it was full

  std::uint64_t failures() const {
    return stale + bad_response + unknown_user + bad_nonce + replay + malformed;
  }
};

// The stored HA1 (hex) for an account, or nullopt if there is none.
using Ha1Lookup =
    std::function<std::optional<std::string>(std::string_view username, std::string_view realm, DigestAlgorithm)>;

class DigestAuthenticator {
 public:
  // Throws std::invalid_argument on a bad config (a start-up error, never
  // one caused by input): short secret, unquotable realm, no or duplicate
  // algorithms, zero lifetime or table size.
  explicit DigestAuthenticator(DigestServerConfig config);

  const DigestServerConfig& config() const { return config_; }

  // One challenge per configured algorithm, all with the same fresh nonce,
  // for WWW-Authenticate (registrar, 401) or Proxy-Authenticate (proxy, 407).
  std::vector<DigestChallenge> challenge(Instant now, Rng& rng, bool stale = false);
  // The same, serialized as header values.
  std::vector<std::string> challenge_values(Instant now, Rng& rng, bool stale = false);

  // Checks credentials for a request with `method` (and `body`, only read
  // for qop=auth-int). Order: what was offered (malformed), nonce
  // authenticity (bad_nonce), account (unknown_user), response
  // (bad_response), nonce age (stale), nonce-count (replay, or stale if the
  // nonce is no longer tracked).
  DigestCheck check(Instant now, const DigestCredentials& c, std::string_view method, const Ha1Lookup& lookup,
                    std::string_view body = {});
  // The same from an Authorization / Proxy-Authorization header value.
  DigestCheck check(Instant now, std::string_view credentials_value, std::string_view method,
                    const Ha1Lookup& lookup, std::string_view body = {});

  const DigestCounters& counters() const { return counters_; }
  std::size_t tracked_nonces() const { return uses_.size(); }

 private:
  struct NonceUse {
    std::uint32_t last_nc = 0;  // UINT32_MAX once used without qop
    std::int64_t issued_ms = 0;
  };

  std::string make_nonce(Instant now, Rng& rng) const;
  std::optional<std::int64_t> nonce_issued_ms(std::string_view nonce) const;  // nullopt: not ours
  DigestCheck record(DigestOutcome o, std::string username, std::string detail);
  void prune(std::int64_t now_ms);

  DigestServerConfig config_;
  DigestCounters counters_;
  std::unordered_map<std::string, NonceUse> uses_;  // key: nonce '\0' username
  std::deque<std::string> order_;                   // keys of uses_, oldest first
  std::optional<std::int64_t> evicted_horizon_ms_;  // latest issue time among evicted entries
};

}  // namespace confab::sip
