#include "xmpp/upload_slot.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <charconv>

#include "xmpp/utf8.hpp"

namespace confab::xmpp {

namespace {

constexpr char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string base64url(ByteView data) {
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (std::uint8_t b : data) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(b64url[(acc >> bits) & 0x3F]);
    }
  }
  if (bits > 0) out.push_back(b64url[(acc << (6 - bits)) & 0x3F]);
  return out;
}

bool is_b64url_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

template <class T>
std::optional<T> parse_number(std::string_view s) {
  T v{};
  if (s.empty() || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

bool is_token_char(char c) {
  if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$&-^_.+").find(c) != std::string_view::npos;
}

}  // namespace

std::string new_slot_id(Rng& rng) {
  std::array<std::uint8_t, 16> raw{};
  rng.fill(raw);
  return base64url(raw);
}

bool valid_slot_id(std::string_view id) {
  if (id.size() != 22) return false;
  for (char c : id)
    if (!is_b64url_char(c)) return false;
  return true;
}

std::optional<std::string> check_upload_filename(std::string_view name) {
  if (name.empty()) return "the filename is empty";
  if (name.size() > 200) return "the filename is longer than 200 bytes";
  if (name == "." || name == "..") return "the filename is a dot name";
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return "a control character in the filename";
    if (c == '/' || c == '\\') return "a path separator in the filename";
  }
  Utf8Validator v;
  if (v.feed(as_bytes(name)) != Utf8Validator::npos || !v.at_boundary()) return "the filename is not UTF-8";
  return std::nullopt;
}

bool valid_content_type(std::string_view type) {
  if (type.empty() || type.size() > 255) return false;
  const auto semi = type.find(';');
  std::string_view media = type.substr(0, semi);
  while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
  const auto slash = media.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == media.size()) return false;
  for (std::size_t i = 0; i < media.size(); ++i)
    if (i != slash && !is_token_char(media[i])) return false;
  if (semi != std::string_view::npos) {
    for (char c : type.substr(semi)) {
      const auto u = static_cast<unsigned char>(c);
      if (u < 0x20 || u >= 0x7f) return false;
    }
  }
  return true;
}

std::string slot_signature(const UploadSlot& slot, ByteView secret) {
  // Fields separated by NUL, which none of them may contain.
  std::string msg = "confab-upload-v1";
  for (const std::string& part : {slot.id, slot.filename, std::to_string(slot.size), slot.content_type,
                                  std::to_string(slot.expires), slot.owner}) {
    msg.push_back('\0');
    msg += part;
  }
  std::array<std::uint8_t, EVP_MAX_MD_SIZE> mac{};
  unsigned int len = 0;
  if (!HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
            reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), mac.data(), &len))
    return {};
  return base64url(ByteView(mac.data(), len));
}

bool verify_slot_signature(const UploadSlot& slot, ByteView secret, std::string_view signature) {
  const std::string expected = slot_signature(slot, secret);
  if (expected.empty() || expected.size() != signature.size()) return false;
  return CRYPTO_memcmp(expected.data(), signature.data(), expected.size()) == 0;
}

std::string slot_get_url(std::string_view base, const UploadSlot& slot) {
  std::string url(base);
  url += "/";
  url += upload_path;
  url += "/" + slot.id + "/" + http::percent_encode(slot.filename);
  return url;
}

std::string slot_put_url(std::string_view base, const UploadSlot& slot, ByteView secret) {
  std::string url = slot_get_url(base, slot);
  url += "?size=" + std::to_string(slot.size);
  if (!slot.content_type.empty()) url += "&type=" + http::percent_encode(slot.content_type);
  url += "&exp=" + std::to_string(slot.expires);
  url += "&owner=" + http::percent_encode(slot.owner);
  url += "&sig=" + slot_signature(slot, secret);
  return url;
}

std::optional<SlotPath> slot_path(const http::OriginTarget& target) {
  const auto& s = target.segments;
  if (s.size() != 3 || s[0] != upload_path || !valid_slot_id(s[1]) || check_upload_filename(s[2])) return std::nullopt;
  return SlotPath{s[1], s[2]};
}

Result<SignedSlot, std::string> slot_from_put_target(const http::OriginTarget& target) {
  auto path = slot_path(target);
  if (!path) return unexpected(std::string("not an upload path"));
  SignedSlot out;
  out.slot.id = std::move(path->id);
  out.slot.filename = std::move(path->filename);
  auto size = target.param("size");
  auto exp = target.param("exp");
  auto owner = target.param("owner");
  auto sig = target.param("sig");
  if (!size || !exp || !owner || !sig) return unexpected(std::string("the upload URL lacks its signed parameters"));
  auto n = parse_number<std::uint64_t>(*size);
  auto e = parse_number<std::int64_t>(*exp);
  if (!n || !e) return unexpected(std::string("a malformed size or expiry in the upload URL"));
  out.slot.size = *n;
  out.slot.expires = *e;
  out.slot.content_type = std::string(target.param("type").value_or(""));
  out.slot.owner = std::string(*owner);
  out.signature = std::string(*sig);
  return out;
}

}  // namespace confab::xmpp
