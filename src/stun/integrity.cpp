// MESSAGE-INTEGRITY (HMAC-SHA1, RFC 8489 §14.5) and MESSAGE-INTEGRITY-SHA256
// (§14.6). The MAC covers the message up to the attribute, with the header
// length set as if the attribute were the last one: that is what lets a
// FINGERPRINT (or MI-SHA256) follow without invalidating it.
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <algorithm>
#include <array>
#include <memory>

#include "stun/wire.hpp"

namespace confab::stun {
namespace detail {

namespace {

// One HMAC context per digest and thread, set up once. Fetching the HMAC
// implementation from OpenSSL's provider and the digest by name cost more
// than the MAC of a STUN message itself (over half of an ICE simulation's
// time went there); a context re-initialised with a new key (and no
// parameters) keeps its digest. thread_local: a cache of immutable
// algorithm set-up, not shared state; each thread gets its own.
struct HmacContexts {
  std::unique_ptr<EVP_MAC, decltype(&EVP_MAC_free)> mac{EVP_MAC_fetch(nullptr, "HMAC", nullptr), &EVP_MAC_free};
  std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)> sha1{nullptr, &EVP_MAC_CTX_free};
  std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)> sha256{nullptr, &EVP_MAC_CTX_free};
  bool sha1_ready = false, sha256_ready = false;

  EVP_MAC_CTX* get(Hmac alg) {
    auto& ctx = alg == Hmac::sha1 ? sha1 : sha256;
    bool& ready = alg == Hmac::sha1 ? sha1_ready : sha256_ready;
    if (!ctx && mac) ctx.reset(EVP_MAC_CTX_new(mac.get()));
    if (!ctx) return nullptr;
    if (!ready) {
      char digest[] = "SHA1";
      char digest256[] = "SHA256";
      OSSL_PARAM params[] = {
          OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, alg == Hmac::sha1 ? digest : digest256, 0),
          OSSL_PARAM_construct_end()};
      static constexpr std::uint8_t dummy[1] = {0};
      if (EVP_MAC_init(ctx.get(), dummy, sizeof dummy, params) != 1) return nullptr;
      ready = true;
    }
    return ctx.get();
  }
};

}  // namespace

Bytes hmac(Hmac alg, ByteView key, ByteView header, ByteView body) {
  // EVP_MAC rather than the one-shot HMAC(): it takes the header (with its
  // adjusted length) and the body as two pieces, so nothing is copied.
  thread_local HmacContexts contexts;
  EVP_MAC_CTX* ctx = contexts.get(alg);
  if (!ctx) return {};
  // An empty key is legal for HMAC, but OpenSSL wants a non-null pointer.
  static constexpr std::uint8_t empty_key[1] = {0};
  const std::uint8_t* key_data = key.empty() ? empty_key : key.data();
  if (EVP_MAC_init(ctx, key_data, key.size(), nullptr) != 1) return {};
  if (EVP_MAC_update(ctx, header.data(), header.size()) != 1) return {};
  if (!body.empty() && EVP_MAC_update(ctx, body.data(), body.size()) != 1) return {};
  Bytes out(EVP_MAX_MD_SIZE);
  std::size_t len = 0;
  if (EVP_MAC_final(ctx, out.data(), &len, out.size()) != 1) return {};
  out.resize(len);
  return out;
}

}  // namespace detail

namespace {

// Recomputes the MAC of the attribute `type` in `m` and compares its first
// value-length bytes in constant time.
bool verify(const Message& m, std::uint16_t type, detail::Hmac alg, ByteView key) {
  const RawAttribute* a = m.find(type);
  if (a == nullptr || m.raw.size() < header_size || a->offset < header_size ||
      a->offset > m.raw.size()) {
    return false;
  }
  // Header length as if the message ended right after this attribute.
  std::size_t adjusted = a->offset - header_size + 4 + ((a->value.size() + 3) & ~std::size_t{3});
  if (adjusted > 0xFFFF) return false;
  std::array<std::uint8_t, header_size> header{};
  std::copy_n(m.raw.begin(), header_size, header.begin());
  header[2] = static_cast<std::uint8_t>(adjusted >> 8);
  header[3] = static_cast<std::uint8_t>(adjusted);
  Bytes mac = detail::hmac(alg, key, header, m.raw.subspan(header_size, a->offset - header_size));
  if (mac.empty() || a->value.empty() || a->value.size() > mac.size()) return false;
  return CRYPTO_memcmp(mac.data(), a->value.data(), a->value.size()) == 0;
}

}  // namespace

bool verify_message_integrity(const Message& m, ByteView key) {
  const RawAttribute* a = m.find(attr::message_integrity);
  if (a == nullptr || a->value.size() != 20) return false;
  return verify(m, attr::message_integrity, detail::Hmac::sha1, key);
}

bool verify_message_integrity_sha256(const Message& m, ByteView key) {
  const RawAttribute* a = m.find(attr::message_integrity_sha256);
  // §14.6: truncated to no fewer than 16 bytes, in steps of 4.
  if (a == nullptr || a->value.size() < 16 || a->value.size() > 32 || a->value.size() % 4 != 0) {
    return false;
  }
  return verify(m, attr::message_integrity_sha256, detail::Hmac::sha256, key);
}

}  // namespace confab::stun
