#pragma once
// ICE credentials (RFC 8445 §5.3, RFC 8839 §5.4): ice-ufrag and ice-pwd.
#include <string>
#include <string_view>

#include "core/bytes.hpp"
#include "core/rng.hpp"

namespace confab::ice {

struct IceCredentials {
  std::string ufrag;  // 4..256 ice-chars; at least 24 random bits
  std::string pwd;    // 22..256 ice-chars; at least 128 random bits
  bool operator==(const IceCredentials&) const = default;
};

// ice-char = ALPHA / DIGIT / "+" / "/" (RFC 8839 §5.4).
bool is_ice_char(char c);
bool valid_ufrag(std::string_view ufrag);
bool valid_pwd(std::string_view pwd);

// Fresh credentials: an 8-character ufrag (48 bits) and a 24-character
// pwd (144 bits), drawn from `rng` over the 64 ice-chars.
IceCredentials generate_credentials(Rng& rng);

// The MESSAGE-INTEGRITY key of a password (RFC 8489 §9.1: SASLprep of it,
// which leaves ice-chars as they are).
Bytes password_key(std::string_view pwd);

}  // namespace confab::ice
