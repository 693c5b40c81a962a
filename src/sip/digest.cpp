// HA1, HA2 and the digest response over OpenSSL's EVP digests.
#include "sip/digest.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstdio>

#include "core/text.hpp"

namespace confab::sip {
namespace {

const EVP_MD* md_of(DigestAlgorithm a) {
  switch (a) {
    case DigestAlgorithm::md5: return EVP_md5();
    case DigestAlgorithm::sha256: return EVP_sha256();
    case DigestAlgorithm::sha512_256: return EVP_sha512_256();
  }
  return nullptr;
}

std::string joined(std::initializer_list<std::string_view> parts) {
  std::string out;
  bool first = true;
  for (std::string_view p : parts) {
    if (!first) out += ':';
    out += p;
    first = false;
  }
  return out;
}

}  // namespace

std::size_t digest_hex_length(DigestAlgorithm a) { return a == DigestAlgorithm::md5 ? 32 : 64; }

std::string digest_hex(DigestAlgorithm a, std::string_view data) {
  const EVP_MD* md = md_of(a);
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  if (md == nullptr || EVP_Digest(data.data(), data.size(), out, &len, md, nullptr) != 1) return {};
  return to_hex(ByteView(out, len));
}

std::string compute_ha1(DigestAlgorithm a, std::string_view username, std::string_view realm,
                        std::string_view password) {
  return digest_hex(a, joined({username, realm, password}));
}

std::string compute_ha2(DigestAlgorithm a, std::string_view method, std::string_view uri,
                        std::optional<Qop> qop, std::string_view body) {
  if (qop == Qop::auth_int) return digest_hex(a, joined({method, uri, digest_hex(a, body)}));
  return digest_hex(a, joined({method, uri}));
}

std::string compute_response(const DigestCredentials& c, std::string_view method, std::string_view ha1_hex,
                             std::string_view body) {
  const std::string ha2 = compute_ha2(c.algorithm, method, c.uri, c.qop, body);
  if (!c.qop) return digest_hex(c.algorithm, joined({ha1_hex, c.nonce, ha2}));
  char nc[9];
  std::snprintf(nc, sizeof nc, "%08x", static_cast<unsigned>(c.nc));
  return digest_hex(c.algorithm, joined({ha1_hex, c.nonce, nc, c.cnonce, to_string(*c.qop), ha2}));
}

bool constant_time_equals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool verify(const DigestCredentials& c, std::string_view method, std::string_view stored_ha1_hex,
            std::string_view body) {
  if (stored_ha1_hex.size() != digest_hex_length(c.algorithm)) return false;
  std::string ha1(stored_ha1_hex);
  for (char& ch : ha1) {
    if (ch >= 'A' && ch <= 'F') ch = static_cast<char>(ch - 'A' + 'a');
    if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'))) return false;
  }
  const std::string expected = compute_response(c, method, ha1, body);
  return !expected.empty() && constant_time_equals(expected, c.response);
}

}  // namespace confab::sip
