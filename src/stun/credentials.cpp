// STUN credentials (RFC 8489 §9): SASLprep (RFC 4013) through libidn, and
// the keys MESSAGE-INTEGRITY(-SHA256) are computed with.
#include "stun/credentials.hpp"

#include <openssl/evp.h>
#include <stringprep.h>
#include <idn-free.h>

#include <cstdio>
#include <memory>

namespace confab::stun {
namespace {

struct IdnFree {
  void operator()(char* p) const { idn_free(p); }
};

std::string code_point_name(std::uint32_t cp) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(cp));
  return buf;
}

// Decodes one UTF-8 sequence at `at` (RFC 3629: shortest form, no
// surrogates, at most U+10FFFF). Returns its length, or 0 if invalid.
std::size_t utf8_sequence(std::string_view s, std::size_t at, std::uint32_t& cp) {
  auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(s[at + i]); };
  const std::uint8_t b0 = byte(0);
  std::size_t len = 0;
  std::uint32_t min = 0;
  if (b0 < 0x80) {
    cp = b0;
    return 1;
  } else if ((b0 & 0xE0) == 0xC0) {
    len = 2, cp = b0 & 0x1Fu, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, cp = b0 & 0x0Fu, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, cp = b0 & 0x07u, min = 0x10000;
  } else {
    return 0;
  }
  if (s.size() - at < len) return 0;
  for (std::size_t i = 1; i < len; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i) & 0x3Fu);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

int prep(const std::string& in, std::unique_ptr<char, IdnFree>& out) {
  char* raw = nullptr;
  int rc = stringprep_profile(in.c_str(), &raw, "SASLprep", STRINGPREP_NO_UNASSIGNED);
  out.reset(raw);
  return rc;
}

// libidn says *that* a character is prohibited or unassigned, not which:
// try the characters one at a time to name the culprit.
std::string name_offender(std::string_view in, int rc) {
  const char* what = rc == STRINGPREP_CONTAINS_PROHIBITED ? "prohibited character " : "unassigned code point ";
  std::uint32_t cp = 0;
  for (std::size_t at = 0; at < in.size();) {
    std::size_t len = utf8_sequence(in, at, cp);
    if (len == 0) break;  // saslprep() rejected invalid UTF-8 already
    std::unique_ptr<char, IdnFree> out;
    if (prep(std::string(in.substr(at, len)), out) == rc) return what + code_point_name(cp);
    at += len;
  }
  return rc == STRINGPREP_CONTAINS_PROHIBITED ? "prohibited character" : "unassigned code point";
}

Bytes digest(const EVP_MD* md, std::string_view data) {
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, md, nullptr) != 1) return {};
  out.resize(len);
  return out;
}

}  // namespace

Result<std::string, std::string> saslprep(std::string_view in) {
  // libidn takes a NUL-terminated string and assumes valid UTF-8; check both
  // first so bad input gets a precise answer instead of a garbled one.
  std::uint32_t cp = 0;
  for (std::size_t at = 0; at < in.size();) {
    std::size_t len = utf8_sequence(in, at, cp);
    if (len == 0) return unexpected("invalid UTF-8 at byte " + std::to_string(at));
    if (cp == 0) return unexpected(std::string("prohibited character U+0000"));
    at += len;
  }
  std::unique_ptr<char, IdnFree> out;
  int rc = prep(std::string(in), out);
  switch (rc) {
    case STRINGPREP_OK:
      return std::string(out.get());
    case STRINGPREP_CONTAINS_PROHIBITED:
    case STRINGPREP_CONTAINS_UNASSIGNED:
      return unexpected(name_offender(in, rc));
    case STRINGPREP_BIDI_BOTH_L_AND_RAL:
    case STRINGPREP_BIDI_LEADTRAIL_NOT_RAL:
    case STRINGPREP_BIDI_CONTAINS_PROHIBITED:
      return unexpected(std::string("bidirectional rule violated (") +
                        stringprep_strerror(static_cast<Stringprep_rc>(rc)) + ")");
    default:
      return unexpected(std::string("SASLprep failed: ") + stringprep_strerror(static_cast<Stringprep_rc>(rc)));
  }
}

Result<Bytes, std::string> short_term_key(std::string_view password) {
  auto prepared = saslprep(password);
  if (!prepared) return unexpected(prepared.error());
  ByteView b = as_bytes(*prepared);
  return Bytes(b.begin(), b.end());
}

Result<Bytes, std::string> long_term_key(std::string_view username, std::string_view realm,
                                         std::string_view password, PasswordAlgorithm alg) {
  // RFC 8489 §9.2.2. The username and realm are used as they appear on the
  // wire (already prepared by whoever chose them); only the password is
  // prepared here.
  auto prepared = saslprep(password);
  if (!prepared) return unexpected(prepared.error());
  std::string input;
  input.reserve(username.size() + realm.size() + prepared->size() + 2);
  input.append(username).append(":").append(realm).append(":").append(*prepared);
  Bytes key = digest(alg == PasswordAlgorithm::sha256 ? EVP_sha256() : EVP_md5(), input);
  if (key.empty()) return unexpected(std::string("digest failed (OpenSSL)"));
  return key;
}

Bytes userhash(std::string_view username, std::string_view realm) {
  std::string input;
  input.append(username).append(":").append(realm);
  return digest(EVP_sha256(), input);
}

}  // namespace confab::stun
