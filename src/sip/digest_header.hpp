#pragma once
// The auth-param lists of SIP digest authentication (RFC 3261 §25.1 and
// §22.4, RFC 7616 §3.3-§3.4, RFC 8760): challenges (WWW-Authenticate,
// Proxy-Authenticate) and credentials (Authorization, Proxy-Authorization),
// parsed from and serialized to one header *value*. SIP never combines these
// headers with commas (RFC 3261 §7.3.1), so one value is one challenge.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace confab::sip {

// RFC 8760 §2.1 / RFC 7616 §3.2 (the IANA "HTTP Digest Algorithm Values"
// registry minus the -sess variants, which SIP does not use).
enum class DigestAlgorithm : std::uint8_t { md5, sha256, sha512_256 };
// "MD5", "SHA-256", "SHA-512-256".
std::string_view to_string(DigestAlgorithm a);
// Case-insensitive. nullopt for anything else, "MD5-sess" included.
std::optional<DigestAlgorithm> digest_algorithm_from_name(std::string_view name);
// Higher is stronger: the order a client prefers them in (RFC 8760 §2.4).
int strength(DigestAlgorithm a);

enum class Qop : std::uint8_t { auth, auth_int };
// "auth", "auth-int".
std::string_view to_string(Qop q);

// Longest value (after unescaping) any parameter may have.
inline constexpr std::size_t max_digest_param_length = 1024;
// Most parameters one header value may carry.
inline constexpr std::size_t max_digest_params = 32;

// Why a header value did not parse, and where.
struct DigestParseError {
  std::size_t offset = 0;  // byte offset in the header value
  std::string param;       // the parameter involved (lowercase), empty if none
  std::string detail;      // e.g. "nc must be 8 lowercase hex digits"

  // "digest header error at byte 42 (nc): nc must be 8 lowercase hex digits"
  std::string message() const;
};

// WWW-Authenticate / Proxy-Authenticate.
struct DigestChallenge {
  std::string realm;
  std::string nonce;
  DigestAlgorithm algorithm = DigestAlgorithm::md5;  // absent means MD5
  std::vector<Qop> qop;               // offered options; empty: no qop (RFC 2069 style)
  std::optional<std::string> opaque;
  std::optional<std::string> domain;  // kept as given (a space-separated URI list)
  bool stale = false;
  bool userhash = false;              // the server would accept a hashed username

  bool offers(Qop q) const;
};

// Authorization / Proxy-Authorization.
struct DigestCredentials {
  std::string username;
  std::string realm;
  std::string nonce;
  std::string uri;                    // digest-uri, as the client signed it
  std::string response;               // lowercase hex, as long as the algorithm's digest
  DigestAlgorithm algorithm = DigestAlgorithm::md5;
  std::optional<Qop> qop;             // present iff cnonce and nc are
  std::string cnonce;
  std::uint32_t nc = 0;               // nonce-count; 0 when qop is absent
  std::optional<std::string> opaque;
};

// `Digest realm="example.org", nonce="...", algorithm=SHA-256, qop="auth"`.
// Strict: the scheme must be Digest; names are case-insensitive tokens;
// values are tokens or quoted-strings (either is accepted for every
// parameter, as RFC 7235 §2.1 asks); a duplicate, an empty element, a
// missing realm or nonce, an unknown algorithm or a stale that is neither
// TRUE nor FALSE is an error naming the parameter. Unknown parameters are
// ignored (RFC 7616 §3.3), as are unknown qop options, but a qop with no
// known option is an error.
Result<DigestChallenge, DigestParseError> parse_challenge(std::string_view value);

// `Digest username="alice", realm="...", nonce="...", uri="sip:...",
// response="...", algorithm=SHA-256, cnonce="...", qop=auth, nc=00000001`.
// Besides the rules above: username, realm, nonce, uri and response are
// required; the response must be hex of the algorithm's length (stored
// lowercase); qop, cnonce and nc come together or not at all; nc is 8
// lowercase hex digits and not 0; `userhash=true` and `username*` (RFC 7616
// §3.4.4, §3.4.5) are rejected as unsupported.
Result<DigestCredentials, DigestParseError> parse_credentials(std::string_view value);

// Header values in the forms RFC 7616 §3.3-§3.4 prescribe (quoted-strings
// for realm, nonce, uri, ...; tokens for algorithm, qop in credentials, nc,
// stale). Every field must be quotable (see is_quotable), which parsed
// values always are.
std::string serialize(const DigestChallenge& c);
std::string serialize(const DigestCredentials& c);

// True if `s` can be carried in a quoted-string: no control characters
// other than HTAB (so never CR or LF: no header injection), at most
// max_digest_param_length bytes.
bool is_quotable(std::string_view s);

}  // namespace confab::sip
