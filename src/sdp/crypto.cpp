// SDES (RFC 4568 §4, §6): a=crypto lines, inline keys, base64.
#include "sdp/crypto.hpp"

#include <array>

#include "sdp/lex.hpp"

namespace confab::sdp {
namespace {

using C = DecodeErrorCode;

Unexpected<DecodeError> bad(std::size_t at, std::string detail) {
  return unexpected(detail::error(C::bad_attribute_value, at, std::move(detail)));
}

std::string quote(std::string_view s) { return "'" + std::string(s.substr(0, 64)) + "'"; }

bool suite_char(char c) { return lex::is_alnum(c) || c == '_'; }

// key-salt ["|" lifetime] ["|" mki]  (RFC 4568 §6.1)
std::optional<DecodeError> parse_inline(std::string_view info, std::size_t at, CryptoKey& k) {
  std::size_t bar = info.find('|');
  const std::string_view key = info.substr(0, bar);
  auto bytes = base64_decode(key);
  if (!bytes || bytes->empty()) return detail::error(C::bad_attribute_value, at, "inline key is not base64");
  k.key_salt = std::move(*bytes);
  bool seen_mki = false;
  while (bar != std::string_view::npos) {
    const std::size_t start = bar + 1;
    bar = info.find('|', start);
    const std::string_view part = info.substr(start, bar == std::string_view::npos ? bar : bar - start);
    if (seen_mki) return detail::error(C::bad_attribute_value, at + start, "nothing may follow the MKI");
    if (const std::size_t colon = part.find(':'); colon != std::string_view::npos) {
      auto value = colon <= 20 ? lex::number(part.substr(0, colon)) : std::nullopt;
      const std::string_view len_text = part.substr(colon + 1);
      auto length = len_text.size() <= 3 ? lex::number(len_text, 128) : std::nullopt;
      const std::uint64_t mki = value.value_or(0);
      const std::uint64_t mki_bytes = length.value_or(0);
      if (!value || mki_bytes == 0) return detail::error(C::bad_attribute_value, at + start, "MKI " + quote(part) + " is not <value>:<length 1..128>");
      if (mki_bytes < 8 && (mki >> (8 * mki_bytes)) != 0)
        return detail::error(C::bad_attribute_value, at + start, "MKI value does not fit its length");
      k.mki_value = mki;
      k.mki_length = static_cast<std::uint8_t>(mki_bytes);
      seen_mki = true;
    } else {
      if (k.lifetime) return detail::error(C::bad_attribute_value, at + start, "two lifetimes");
      if (part.substr(0, 2) == "2^") {
        auto exp = part.size() <= 4 ? lex::number(part.substr(2), 63) : std::nullopt;
        if (!exp) return detail::error(C::bad_attribute_value, at + start, "lifetime " + quote(part) + " is not 2^0..2^63");
        k.lifetime = std::uint64_t{1} << *exp;
        k.lifetime_power = true;
      } else {
        auto n = part.size() <= 20 ? lex::number(part) : std::nullopt;
        if (!n || *n == 0) return detail::error(C::bad_attribute_value, at + start, "lifetime " + quote(part) + " is not a positive number");
        k.lifetime = *n;
      }
    }
  }
  return std::nullopt;
}

std::string inline_info(const CryptoKey& k) {
  std::string out = base64_encode(k.key_salt);
  if (k.lifetime) {
    if (k.lifetime_power) {
      int exp = 0;
      while (exp < 63 && (std::uint64_t{1} << exp) < *k.lifetime) ++exp;
      out += "|2^" + std::to_string(exp);
    } else {
      out += "|" + std::to_string(*k.lifetime);
    }
  }
  if (k.mki_value && k.mki_length) out += "|" + std::to_string(*k.mki_value) + ":" + std::to_string(*k.mki_length);
  return out;
}

}  // namespace

std::optional<CryptoSuiteInfo> crypto_suite(std::string_view name) {
  static constexpr std::array<CryptoSuiteInfo, 10> table{{
      {"AES_CM_128_HMAC_SHA1_80", 16, 14},
      {"AES_CM_128_HMAC_SHA1_32", 16, 14},
      {"F8_128_HMAC_SHA1_80", 16, 14},
      {"F8_128_HMAC_SHA1_32", 16, 14},
      {"AES_192_CM_HMAC_SHA1_80", 24, 14},
      {"AES_192_CM_HMAC_SHA1_32", 24, 14},
      {"AES_256_CM_HMAC_SHA1_80", 32, 14},
      {"AES_256_CM_HMAC_SHA1_32", 32, 14},
      {"AEAD_AES_128_GCM", 16, 12},
      {"AEAD_AES_256_GCM", 32, 12},
  }};
  for (const auto& row : table)
    if (row.name == name) return row;
  return std::nullopt;
}

Result<Crypto, DecodeError> parse_crypto(std::string_view v) {
  const auto f = lex::split_wsp(v);
  if (f.size() < 3 || f[0].at != 0) return bad(0, "expected \"<tag> <crypto-suite> <key-params>\"");
  Crypto c;
  auto tag = f[0].text.size() <= 9 ? lex::number(f[0].text) : std::nullopt;
  if (!tag) return bad(0, "tag " + quote(f[0].text) + " is not 1*9DIGIT");
  c.tag = static_cast<std::uint32_t>(*tag);
  for (char ch : f[1].text)
    if (!suite_char(ch)) return bad(f[1].at, "crypto suite " + quote(f[1].text) + " is not ALPHA / DIGIT / _");
  c.suite = std::string(f[1].text);
  std::string_view params = f[2].text;
  std::size_t at = f[2].at;
  while (true) {
    const std::size_t semi = params.find(';');
    const std::string_view param = params.substr(0, semi);
    const std::size_t colon = param.find(':');
    if (colon == std::string_view::npos || colon == 0) return bad(at, "key parameter is not \"<method>:<info>\"");
    CryptoKey k;
    k.method = std::string(param.substr(0, colon));
    for (char ch : k.method)
      if (!suite_char(ch)) return bad(at, "key method is not ALPHA / DIGIT / _");
    const std::string_view info = param.substr(colon + 1);
    if (info.empty()) return bad(at + colon + 1, "empty key info");
    if (k.method == "inline") {
      if (auto e = parse_inline(info, at + colon + 1, k)) return unexpected(std::move(*e));
    } else {
      k.info = std::string(info);
    }
    c.keys.push_back(std::move(k));
    if (semi == std::string_view::npos) break;
    params = params.substr(semi + 1);
    at += semi + 1;
  }
  for (std::size_t i = 3; i < f.size(); ++i) {
    if (!lex::all_vchar(f[i].text)) return bad(f[i].at, "session parameter is not visible ASCII");
    c.session_params.emplace_back(f[i].text);
  }
  return c;
}

std::string to_value(const Crypto& c) {
  std::string out = std::to_string(c.tag) + " " + c.suite + " ";
  for (std::size_t i = 0; i < c.keys.size(); ++i) {
    if (i) out += ';';
    out += c.keys[i].method + ":" + (c.keys[i].method == "inline" ? inline_info(c.keys[i]) : c.keys[i].info);
  }
  for (const auto& p : c.session_params) out += " " + p;
  return out;
}

std::optional<std::string> key_problem(const Crypto& c) {
  const auto info = crypto_suite(c.suite);
  if (!info) return "unknown crypto suite " + c.suite.substr(0, 64);
  for (const CryptoKey& k : c.keys) {
    if (k.method != "inline") return "key method " + k.method.substr(0, 32) + " is not inline";
    if (k.key_salt.size() != info->key_length + info->salt_length)
      return c.suite + " needs " + std::to_string(info->key_length + info->salt_length) + " bytes of key and salt, not " +
             std::to_string(k.key_salt.size());
  }
  return std::nullopt;
}

CryptoKey inline_key(Bytes key_salt) {
  CryptoKey k;
  k.key_salt = std::move(key_salt);
  return k;
}

}  // namespace confab::sdp
