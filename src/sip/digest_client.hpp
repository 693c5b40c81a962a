#pragma once
// The user agent's side of SIP digest authentication (RFC 3261 §22.2-§22.3,
// RFC 8760 §2.4): pick the strongest challenge a 401/407 offers, then sign
// requests under it with a fresh cnonce and a nonce-count that counts up.
// Sans-I/O: the cnonce comes from an injected Rng.
//
// One DigestClient holds one realm's challenge; a UA facing both a proxy
// (407) and a registrar (401) keeps one per realm. Telling a wrong password
// from a stale nonce is the caller's: after sending credentials, a new
// challenge without stale=TRUE means they were rejected (do not loop).
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "core/rng.hpp"
#include "sip/digest_header.hpp"

namespace confab::sip {

class DigestClient {
 public:
  DigestClient(std::string username, std::string password);

  // Chooses among the challenges of one response: the strongest algorithm
  // (SHA-512-256, then SHA-256, then MD5), the first such challenge if
  // several. The nonce-count restarts when the nonce changes. Errors if
  // `challenges` is empty.
  Result<DigestAlgorithm, std::string> accept(std::span<const DigestChallenge> challenges);
  // The same from header values; values that do not parse (an algorithm this
  // client does not know, say) are skipped, as RFC 8760 §2.4 asks. The error
  // names why each was skipped.
  Result<DigestAlgorithm, std::string> accept_values(std::span<const std::string> values);

  bool has_challenge() const { return challenge_.has_value(); }
  const std::optional<DigestChallenge>& current_challenge() const { return challenge_; }

  // Credentials for a request under the accepted challenge: qop=auth when
  // offered (else auth-int, which signs `body`; else none), a 16-byte random
  // cnonce in hex, the next nonce-count. Errors if there is no challenge,
  // the username or uri cannot be quoted, or the count is exhausted.
  Result<DigestCredentials, std::string> credentials(std::string_view method, std::string_view uri, Rng& rng,
                                                     std::string_view body = {});
  // The same, serialized for Authorization / Proxy-Authorization.
  Result<std::string, std::string> authorization(std::string_view method, std::string_view uri, Rng& rng,
                                                 std::string_view body = {});

 private:
  std::string username_;
  std::string password_;
  std::optional<DigestChallenge> challenge_;
  std::uint32_t nc_ = 0;  // last nonce-count sent under challenge_
};

}  // namespace confab::sip
