// DigestAuthenticator: self-validating nonces (HMAC-SHA256 over issue time,
// randomness and realm), the verification order of RFC 7616 §3.3 ("stale"
// only with a valid response), and a bounded nonce-count table.
#include "sip/digest_server.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <limits>
#include <stdexcept>

#include "sip/digest.hpp"

namespace confab::sip {
namespace {

constexpr std::size_t time_bytes = 8;
constexpr std::size_t random_bytes = 12;
constexpr std::size_t tag_bytes = 16;
constexpr std::size_t nonce_bytes = time_bytes + random_bytes + tag_bytes;  // 36
constexpr std::size_t nonce_chars = nonce_bytes / 3 * 4;                    // 48, no padding
static_assert(nonce_bytes % 3 == 0);

constexpr std::uint32_t used_without_qop = std::numeric_limits<std::uint32_t>::max();

std::int64_t millis(Instant t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

bool is_base64_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

// tag = first 16 bytes of HMAC-SHA256(secret, issued || random || realm).
std::array<std::uint8_t, tag_bytes> nonce_tag(const Bytes& secret, ByteView issued_and_random,
                                              std::string_view realm) {
  Bytes msg(issued_and_random.begin(), issued_and_random.end());
  msg.insert(msg.end(), realm.begin(), realm.end());
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  std::array<std::uint8_t, tag_bytes> tag{};
  if (HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), msg.data(), msg.size(), mac, &len) !=
          nullptr &&
      len >= tag_bytes)
    std::copy_n(mac, tag_bytes, tag.begin());
  return tag;
}

}  // namespace

const char* to_string(DigestOutcome o) {
  switch (o) {
    case DigestOutcome::ok: return "ok";
    case DigestOutcome::stale: return "stale";
    case DigestOutcome::bad_response: return "bad_response";
    case DigestOutcome::unknown_user: return "unknown_user";
    case DigestOutcome::bad_nonce: return "bad_nonce";
    case DigestOutcome::replay: return "replay";
    case DigestOutcome::malformed: return "malformed";
  }
  return "unknown";
}

DigestAuthenticator::DigestAuthenticator(DigestServerConfig config) : config_(std::move(config)) {
  if (config_.secret.size() < 16) throw std::invalid_argument("digest: the nonce secret needs at least 16 bytes");
  if (!is_quotable(config_.realm)) throw std::invalid_argument("digest: the realm has control characters");
  if (config_.algorithms.empty()) throw std::invalid_argument("digest: no algorithms configured");
  for (std::size_t i = 0; i < config_.algorithms.size(); ++i)
    for (std::size_t j = i + 1; j < config_.algorithms.size(); ++j)
      if (config_.algorithms[i] == config_.algorithms[j])
        throw std::invalid_argument("digest: algorithm listed twice");
  if (config_.nonce_lifetime <= Duration::zero()) throw std::invalid_argument("digest: nonce lifetime must be > 0");
  if (config_.replay_table_size == 0) throw std::invalid_argument("digest: replay table size must be > 0");
}

std::string DigestAuthenticator::make_nonce(Instant now, Rng& rng) const {
  std::array<std::uint8_t, nonce_bytes> raw{};
  const auto issued = static_cast<std::uint64_t>(millis(now));
  for (std::size_t i = 0; i < time_bytes; ++i)
    raw[i] = static_cast<std::uint8_t>(issued >> (8 * (time_bytes - 1 - i)));
  rng.fill(std::span<std::uint8_t>(raw).subspan(time_bytes, random_bytes));
  const auto tag = nonce_tag(config_.secret, ByteView(raw).first(time_bytes + random_bytes), config_.realm);
  std::copy(tag.begin(), tag.end(), raw.begin() + time_bytes + random_bytes);
  std::string out(nonce_chars + 1, '\0');
  EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), raw.data(), static_cast<int>(raw.size()));
  out.resize(nonce_chars);
  return out;
}

std::optional<std::int64_t> DigestAuthenticator::nonce_issued_ms(std::string_view nonce) const {
  if (nonce.size() != nonce_chars || !std::all_of(nonce.begin(), nonce.end(), is_base64_char)) return std::nullopt;
  std::array<std::uint8_t, nonce_bytes + 3> raw{};  // EVP_DecodeBlock writes whole 3-byte groups
  if (EVP_DecodeBlock(raw.data(), reinterpret_cast<const unsigned char*>(nonce.data()),
                      static_cast<int>(nonce.size())) != static_cast<int>(nonce_bytes))
    return std::nullopt;
  const auto tag = nonce_tag(config_.secret, ByteView(raw).first(time_bytes + random_bytes), config_.realm);
  if (CRYPTO_memcmp(tag.data(), raw.data() + time_bytes + random_bytes, tag_bytes) != 0) return std::nullopt;
  std::uint64_t issued = 0;
  for (std::size_t i = 0; i < time_bytes; ++i) issued = (issued << 8) | raw[i];
  return static_cast<std::int64_t>(issued);
}

std::vector<DigestChallenge> DigestAuthenticator::challenge(Instant now, Rng& rng, bool stale) {
  ++counters_.challenges;
  const std::string nonce = make_nonce(now, rng);
  std::vector<DigestChallenge> out;
  for (DigestAlgorithm a : config_.algorithms) {
    DigestChallenge c;
    c.realm = config_.realm;
    c.nonce = nonce;
    c.algorithm = a;
    c.qop = config_.offer_auth_int ? std::vector<Qop>{Qop::auth, Qop::auth_int} : std::vector<Qop>{Qop::auth};
    c.stale = stale;
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<std::string> DigestAuthenticator::challenge_values(Instant now, Rng& rng, bool stale) {
  std::vector<std::string> out;
  for (const DigestChallenge& c : challenge(now, rng, stale)) out.push_back(serialize(c));
  return out;
}

DigestCheck DigestAuthenticator::record(DigestOutcome o, std::string username, std::string detail) {
  switch (o) {
    case DigestOutcome::ok: ++counters_.ok; break;
    case DigestOutcome::stale: ++counters_.stale; break;
    case DigestOutcome::bad_response: ++counters_.bad_response; break;
    case DigestOutcome::unknown_user: ++counters_.unknown_user; break;
    case DigestOutcome::bad_nonce: ++counters_.bad_nonce; break;
    case DigestOutcome::replay: ++counters_.replay; break;
    case DigestOutcome::malformed: ++counters_.malformed; break;
  }
  return DigestCheck{o, std::move(username), std::move(detail)};
}

void DigestAuthenticator::prune(std::int64_t now_ms) {
  const auto lifetime_ms = std::chrono::duration_cast<std::chrono::milliseconds>(config_.nonce_lifetime).count();
  // Entries whose nonce has expired can go without moving the horizon: the
  // age check rejects those nonces before the table is consulted.
  while (!order_.empty()) {
    auto it = uses_.find(order_.front());
    if (it != uses_.end() && now_ms - it->second.issued_ms <= lifetime_ms) break;
    if (it != uses_.end()) uses_.erase(it);
    order_.pop_front();
  }
  while (uses_.size() >= config_.replay_table_size && !order_.empty()) {
    auto it = uses_.find(order_.front());
    if (it != uses_.end()) {
      evicted_horizon_ms_ = std::max(evicted_horizon_ms_.value_or(it->second.issued_ms), it->second.issued_ms);
      uses_.erase(it);
      ++counters_.evictions;
    }
    order_.pop_front();
  }
}

DigestCheck DigestAuthenticator::check(Instant now, std::string_view credentials_value, std::string_view method,
                                       const Ha1Lookup& lookup, std::string_view body) {
  auto c = parse_credentials(credentials_value);
  if (!c) return record(DigestOutcome::malformed, {}, c.error().message());
  return check(now, *c, method, lookup, body);
}

DigestCheck DigestAuthenticator::check(Instant now, const DigestCredentials& c, std::string_view method,
                                       const Ha1Lookup& lookup, std::string_view body) {
  using O = DigestOutcome;
  // 1. Only what this server offered.
  if (c.realm != config_.realm)
    return record(O::malformed, c.username, "realm \"" + c.realm + "\" is not \"" + config_.realm + "\"");
  if (std::find(config_.algorithms.begin(), config_.algorithms.end(), c.algorithm) == config_.algorithms.end())
    return record(O::malformed, c.username, "algorithm " + std::string(to_string(c.algorithm)) + " was not offered");
  if (!c.qop && !config_.accept_no_qop)
    return record(O::malformed, c.username, "credentials without qop are not accepted");
  if (c.qop == Qop::auth_int && !config_.offer_auth_int)
    return record(O::malformed, c.username, "qop auth-int was not offered");

  // 2. A nonce this server issued for this realm (no state needed).
  const auto issued_ms = nonce_issued_ms(c.nonce);
  if (!issued_ms) return record(O::bad_nonce, c.username, "nonce was not issued by this server");

  // 3, 4. The account, then the response.
  const auto ha1 = lookup(c.username, c.realm, c.algorithm);
  if (!ha1) {
    // The same hashing as for a known account, so that response time does
    // not tell which usernames exist (the lookup's own timing is the store's).
    (void)verify(c, method, std::string(digest_hex_length(c.algorithm), '0'), body);
    return record(O::unknown_user, c.username, "no such account");
  }
  if (!verify(c, method, *ha1, body)) return record(O::bad_response, c.username, "response does not match");

  // 5. Age: "stale" only now that the response is known to be right.
  const std::int64_t now_ms = millis(now);
  const auto lifetime_ms = std::chrono::duration_cast<std::chrono::milliseconds>(config_.nonce_lifetime).count();
  if (*issued_ms > now_ms) return record(O::stale, c.username, "nonce issued in the future (clock reset?)");
  if (now_ms - *issued_ms > lifetime_ms) return record(O::stale, c.username, "nonce expired");

  // 6. Replay: nonce-counts must grow; a qop-less nonce is good once.
  std::string key = c.nonce;
  key += '\0';
  key += c.username;
  if (auto it = uses_.find(key); it != uses_.end()) {
    if (!c.qop || it->second.last_nc == used_without_qop)
      return record(O::replay, c.username, "nonce already used without qop");
    if (c.nc <= it->second.last_nc)
      return record(O::replay, c.username,
                    "nc " + std::to_string(c.nc) + " not above " + std::to_string(it->second.last_nc));
    it->second.last_nc = c.nc;
    return record(O::ok, c.username, {});
  }
  if (evicted_horizon_ms_ && *issued_ms <= *evicted_horizon_ms_)
    return record(O::stale, c.username, "nonce no longer tracked");
  prune(now_ms);
  uses_.emplace(key, NonceUse{c.qop ? c.nc : used_without_qop, *issued_ms});
  order_.push_back(std::move(key));
  return record(O::ok, c.username, {});
}

}  // namespace confab::sip
