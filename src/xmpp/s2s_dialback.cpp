// XEP-0185 dialback key generation (s2s_dialback.hpp).
#include "xmpp/s2s_dialback.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/text.hpp"

namespace confab::xmpp {

std::string dialback_key(ByteView secret, std::string_view receiving, std::string_view originating,
                         std::string_view stream_id) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(secret.data(), secret.size(), digest, &size, EVP_sha256(), nullptr) != 1) return {};
  // The XEP hashes the secret first and keys the HMAC with the hash's hex
  // text, so a secret of any length gives a 64-byte key.
  const std::string hmac_key = to_hex(ByteView(digest, size));
  std::string input;
  input.reserve(receiving.size() + originating.size() + stream_id.size() + 2);
  input.append(receiving).append(" ").append(originating).append(" ").append(stream_id);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_size = 0;
  if (!HMAC(EVP_sha256(), hmac_key.data(), static_cast<int>(hmac_key.size()),
            reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &mac_size))
    return {};
  return to_hex(ByteView(mac, mac_size));
}

bool dialback_key_matches(std::string_view presented, std::string_view expected) {
  return !expected.empty() && presented.size() == expected.size() &&
         CRYPTO_memcmp(presented.data(), expected.data(), expected.size()) == 0;
}

}  // namespace confab::xmpp
