#pragma once
// Server dialback keys (XEP-0220 with XEP-0185's recommended generation):
// the key an Originating Server sends in <db:result/> and that its
// Authoritative Server recomputes when asked with <db:verify/>. Nothing is
// stored per stream: the key is a function of the two domains, the stream
// id and a per-server secret, so any of our processes can check any key.
#include <string>
#include <string_view>

#include "core/bytes.hpp"

namespace confab::xmpp {

// XEP-0185 §3: hex(HMAC-SHA256(hex(SHA-256(secret)), receiving + " " +
// originating + " " + stream_id)), lowercase.
std::string dialback_key(ByteView secret, std::string_view receiving, std::string_view originating,
                         std::string_view stream_id);

// Constant-time comparison of a presented key with the expected one.
bool dialback_key_matches(std::string_view presented, std::string_view expected);

}  // namespace confab::xmpp
