#pragma once
// STUN credentials (RFC 8489 §9): keys for MESSAGE-INTEGRITY(-SHA256).
#include <string>
#include <string_view>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace confab::stun {

// RFC 4013 SASLprep (through libidn's stringprep). Errors name the problem,
// e.g. "prohibited character U+0007" or "bidirectional rule violated".
Result<std::string, std::string> saslprep(std::string_view in);

enum class PasswordAlgorithm : std::uint16_t { md5 = 0x0001, sha256 = 0x0002 };

// Short-term: key = SASLprep(password).
Result<Bytes, std::string> short_term_key(std::string_view password);
// Long-term: key = MD5 or SHA-256 of username ":" OpaqueString(realm) ":" SASLprep(password).
Result<Bytes, std::string> long_term_key(std::string_view username, std::string_view realm,
                                         std::string_view password,
                                         PasswordAlgorithm alg = PasswordAlgorithm::md5);
// USERHASH (RFC 8489 §14.4): SHA-256(username ":" realm).
Bytes userhash(std::string_view username, std::string_view realm);

}  // namespace confab::stun
