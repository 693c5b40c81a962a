#pragma once
// SDP security descriptions for SRTP (RFC 4568): the a=crypto attribute.
//   a=crypto:<tag> <crypto-suite> <key-params> [<session-params>]
//   a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32
// "inline" keys are decoded (base64 key||salt); whether a key fits its
// suite is key_problem()'s question (RFC 4568 §3's own example key is 33
// bytes for a 30-byte suite, so the grammar alone cannot insist).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base64.hpp"
#include "core/bytes.hpp"
#include "core/result.hpp"
#include "sdp/decode_error.hpp"

namespace confab::sdp {

// The SRTP crypto suites of RFC 4568 §6.2, RFC 6188 and RFC 7714 with the
// length of their master key and master salt.
struct CryptoSuiteInfo {
  std::string_view name;
  std::size_t key_length;   // bytes
  std::size_t salt_length;  // bytes
};
// nullopt for a suite this table does not list (it is still parsed).
std::optional<CryptoSuiteInfo> crypto_suite(std::string_view name);

struct CryptoKey {
  std::string method = "inline";  // "inline", or an extension method (kept verbatim in `info`)
  std::string info;               // the text after "method:" as written
  // inline only:
  Bytes key_salt;                           // master key || master salt
  std::optional<std::uint64_t> lifetime;    // packets ("2^20" is 1048576)
  bool lifetime_power = false;              // written as 2^n
  std::optional<std::uint64_t> mki_value;
  std::optional<std::uint8_t> mki_length;   // bytes, 1..128
  bool operator==(const CryptoKey&) const = default;
};

struct Crypto {
  std::uint32_t tag = 1;        // 1*9DIGIT
  std::string suite;            // "AES_CM_128_HMAC_SHA1_80"
  std::vector<CryptoKey> keys;  // one or more, ";"-separated on the wire
  std::vector<std::string> session_params;  // "KDR=1", "UNENCRYPTED_SRTCP", "FEC_ORDER=FEC_SRTP"...
  bool operator==(const Crypto&) const = default;
};
Result<Crypto, DecodeError> parse_crypto(std::string_view value);
std::string to_value(const Crypto& c);

// Why the keys of `c` cannot be used for SRTP: an unknown suite, a method
// other than inline, a key||salt of the wrong length. nullopt when usable.
std::optional<std::string> key_problem(const Crypto& c);

// An "inline" key for `key_salt`, without lifetime or MKI.
CryptoKey inline_key(Bytes key_salt);

// Strict base64 (RFC 4648 §4, with padding). Internal use and tests.
using confab::base64_decode;  // strict RFC 4648, core/base64.hpp
using confab::base64_encode;

}  // namespace confab::sdp
