// DigestClient: challenge choice by algorithm strength, cnonce and nc.
#include "sip/digest_client.hpp"

#include <limits>

#include "sip/digest.hpp"

namespace confab::sip {

DigestClient::DigestClient(std::string username, std::string password)
    : username_(std::move(username)), password_(std::move(password)) {}

Result<DigestAlgorithm, std::string> DigestClient::accept(std::span<const DigestChallenge> challenges) {
  const DigestChallenge* best = nullptr;
  for (const DigestChallenge& c : challenges)
    if (best == nullptr || strength(c.algorithm) > strength(best->algorithm)) best = &c;
  if (best == nullptr) return unexpected(std::string("no digest challenge"));
  if (!challenge_ || challenge_->nonce != best->nonce) nc_ = 0;
  challenge_ = *best;
  return best->algorithm;
}

Result<DigestAlgorithm, std::string> DigestClient::accept_values(std::span<const std::string> values) {
  std::vector<DigestChallenge> usable;
  std::string why;
  for (const std::string& v : values) {
    auto c = parse_challenge(v);
    if (c) {
      usable.push_back(std::move(*c));
    } else {
      if (!why.empty()) why += "; ";
      why += c.error().message();
    }
  }
  if (usable.empty()) return unexpected(why.empty() ? std::string("no digest challenge") : why);
  return accept(usable);
}

Result<DigestCredentials, std::string> DigestClient::credentials(std::string_view method, std::string_view uri,
                                                                 Rng& rng, std::string_view body) {
  if (!challenge_) return unexpected(std::string("no challenge accepted"));
  if (username_.empty() || !is_quotable(username_)) return unexpected(std::string("username cannot be sent"));
  if (uri.empty() || !is_quotable(uri)) return unexpected(std::string("uri cannot be sent"));
  const DigestChallenge& ch = *challenge_;

  DigestCredentials c;
  c.username = username_;
  c.realm = ch.realm;
  c.nonce = ch.nonce;
  c.uri = std::string(uri);
  c.algorithm = ch.algorithm;
  c.opaque = ch.opaque;
  if (ch.offers(Qop::auth)) {
    c.qop = Qop::auth;
  } else if (ch.offers(Qop::auth_int)) {
    c.qop = Qop::auth_int;
  }
  if (c.qop) {
    if (nc_ == std::numeric_limits<std::uint32_t>::max())
      return unexpected(std::string("nonce-count exhausted; a new challenge is needed"));
    c.nc = ++nc_;
    c.cnonce = rng.random_hex(16);
  }
  const std::string ha1 = compute_ha1(c.algorithm, username_, ch.realm, password_);
  c.response = compute_response(c, method, ha1, body);
  if (c.response.empty()) return unexpected("algorithm " + std::string(to_string(c.algorithm)) + " unavailable");
  return c;
}

Result<std::string, std::string> DigestClient::authorization(std::string_view method, std::string_view uri,
                                                             Rng& rng, std::string_view body) {
  auto c = credentials(method, uri, rng, body);
  if (!c) return unexpected(c.error());
  return serialize(*c);
}

}  // namespace confab::sip
