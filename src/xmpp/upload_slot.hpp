#pragma once
// XEP-0363 upload slots, as a capability: the PUT URL the upload service
// hands out carries everything the HTTP server needs to accept the upload
// (size, content type, expiry, owner) and an HMAC-SHA256 over it with a
// server secret (kept in the data directory, so slots outlive a restart).
// The HTTP server checks the signature; it shares no state with the XMPP
// side but the secret. The GET URL is the same path without the query:
// whoever has it may download, as XEP-0363 §3 intends.
//
//   PUT https://example.org:5443/upload/<id>/<name>?size=N&type=T&exp=UNIX&owner=JID&sig=S
//   GET https://example.org:5443/upload/<id>/<name>
//
// <id> is 16 random bytes in base64url (22 characters): unguessable, and
// the directory the file is stored in.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "core/rng.hpp"
#include "http/target.hpp"

namespace confab::xmpp {

inline constexpr std::string_view upload_ns = "urn:xmpp:http:upload:0";
// The path prefix of every upload URL.
inline constexpr std::string_view upload_path = "upload";

struct UploadSlot {
  std::string id;
  std::string filename;      // passes check_upload_filename()
  std::uint64_t size = 0;    // the exact size the PUT must carry
  std::string content_type;  // "" when the request named none (the PUT may then send any)
  std::int64_t expires = 0;  // Unix seconds: a PUT after this is refused
  std::string owner;         // the uploader's bare JID, for quotas
};

// 16 random bytes as base64url without padding.
std::string new_slot_id(Rng& rng);
bool valid_slot_id(std::string_view id);

// Why `name` cannot be a stored file's name (nullopt when it can): 1..200
// bytes of valid UTF-8 without '/', '\', controls or NUL, and not "." or "..".
std::optional<std::string> check_upload_filename(std::string_view name);
// "type/subtype" of RFC 6838 tokens, optional parameters ("; charset=utf-8"), ≤ 255 bytes.
bool valid_content_type(std::string_view type);

// base64url(HMAC-SHA256(secret, every field)), 43 characters.
std::string slot_signature(const UploadSlot& slot, ByteView secret);
// Constant-time comparison with slot_signature().
bool verify_slot_signature(const UploadSlot& slot, ByteView secret, std::string_view signature);

// `base` is "https://host[:port]" without a trailing slash.
std::string slot_get_url(std::string_view base, const UploadSlot& slot);
std::string slot_put_url(std::string_view base, const UploadSlot& slot, ByteView secret);

// The (id, filename) a target's path names: /upload/<id>/<name>; nullopt
// for any other path.
struct SlotPath {
  std::string id;
  std::string filename;
};
std::optional<SlotPath> slot_path(const http::OriginTarget& target);

// The signed slot a PUT target carries (signature not checked yet: that is
// verify_slot_signature's), or what is missing or malformed.
struct SignedSlot {
  UploadSlot slot;
  std::string signature;
};
Result<SignedSlot, std::string> slot_from_put_target(const http::OriginTarget& target);

}  // namespace confab::xmpp
