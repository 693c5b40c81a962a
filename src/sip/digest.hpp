#pragma once
// The digest computation (RFC 7616 §3.4.1-§3.4.3, RFC 8760 §2, RFC 2617
// §3.2.2): HA1, HA2 and the response, in lowercase hex, and a constant-time
// check of a response against a stored HA1. The password itself is only
// needed to compute HA1; a server keeps HA1 per realm and algorithm and
// never sees the password.
#include <optional>
#include <string>
#include <string_view>

#include "sip/digest_header.hpp"

namespace confab::sip {

// Hex length of an algorithm's digest: 32 for MD5, 64 for the SHA-2 ones.
std::size_t digest_hex_length(DigestAlgorithm a);

// H(data) in lowercase hex; empty if the crypto library refuses the
// algorithm (e.g. MD5 under a FIPS-only provider).
std::string digest_hex(DigestAlgorithm a, std::string_view data);

// HA1 = H(username ":" realm ":" password): what an account store keeps.
std::string compute_ha1(DigestAlgorithm a, std::string_view username, std::string_view realm,
                        std::string_view password);

// HA2 = H(method ":" digest-uri), or for qop=auth-int
// H(method ":" digest-uri ":" H(entity-body)).
std::string compute_ha2(DigestAlgorithm a, std::string_view method, std::string_view uri,
                        std::optional<Qop> qop, std::string_view body = {});

// The request-digest for `c` (every field but c.response is read):
//   with qop:    H(HA1 ":" nonce ":" nc ":" cnonce ":" qop ":" HA2)
//   without qop: H(HA1 ":" nonce ":" HA2)                (RFC 2069 / RFC 3261 §22.4)
std::string compute_response(const DigestCredentials& c, std::string_view method, std::string_view ha1_hex,
                             std::string_view body = {});

// Whether c.response is right for `method` (and `body`, for auth-int),
// given the stored HA1 (hex, either case) for c.username, c.realm and
// c.algorithm. The comparison takes the same time wherever the responses
// differ (CRYPTO_memcmp). A stored HA1 that is not hex of the algorithm's
// length never verifies.
bool verify(const DigestCredentials& c, std::string_view method, std::string_view stored_ha1_hex,
            std::string_view body = {});

// Constant-time equality of two strings (false at once if the lengths differ:
// lengths are not secret).
bool constant_time_equals(std::string_view a, std::string_view b);

}  // namespace confab::sip
