// Digest challenge and credentials header values: the rules of each header
// (RFC 7616 §3.3-§3.4, RFC 8760) over the auth-param list of digest_params.
#include "sip/digest_header.hpp"

#include <cstdio>
#include <iterator>

#include "sip/digest_params.hpp"

namespace confab::sip {
namespace {

using namespace digest_detail;

const Param* find(const std::vector<Param>& params, std::string_view name) {
  for (const Param& p : params)
    if (p.name == name) return &p;
  return nullptr;
}

// A required parameter's value, or an error at the end of the input.
Result<std::string, DigestParseError> required(const std::vector<Param>& params, std::string_view name,
                                               std::size_t end) {
  const Param* p = find(params, name);
  if (p == nullptr) return unexpected(fail(end, std::string(name), "missing parameter"));
  return p->value;
}

Result<DigestAlgorithm, DigestParseError> algorithm_of(const std::vector<Param>& params) {
  const Param* p = find(params, "algorithm");
  if (p == nullptr) return DigestAlgorithm::md5;  // RFC 7616 §3.3: absent means MD5
  auto a = digest_algorithm_from_name(p->value);
  if (!a) return unexpected(fail(p->offset, p->name, "unsupported algorithm '" + p->value + "'"));
  return *a;
}

// TRUE / FALSE, case-insensitively (stale, userhash).
Result<bool, DigestParseError> boolean_of(const Param& p) {
  if (iequals(p.value, "true")) return true;
  if (iequals(p.value, "false")) return false;
  return unexpected(fail(p.offset, p.name, "'" + p.value + "' is neither TRUE nor FALSE"));
}

std::optional<Qop> qop_from_name(std::string_view s) {
  if (s == "auth") return Qop::auth;
  if (s == "auth-int") return Qop::auth_int;
  return std::nullopt;
}

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

std::size_t hex_length(DigestAlgorithm a) { return a == DigestAlgorithm::md5 ? 32 : 64; }

std::string quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace

std::string_view to_string(DigestAlgorithm a) {
  switch (a) {
    case DigestAlgorithm::md5: return "MD5";
    case DigestAlgorithm::sha256: return "SHA-256";
    case DigestAlgorithm::sha512_256: return "SHA-512-256";
  }
  return "MD5";
}

std::optional<DigestAlgorithm> digest_algorithm_from_name(std::string_view name) {
  for (DigestAlgorithm a : {DigestAlgorithm::md5, DigestAlgorithm::sha256, DigestAlgorithm::sha512_256})
    if (iequals(name, to_string(a))) return a;
  return std::nullopt;
}

int strength(DigestAlgorithm a) {
  switch (a) {
    case DigestAlgorithm::md5: return 0;
    case DigestAlgorithm::sha256: return 1;
    case DigestAlgorithm::sha512_256: return 2;
  }
  return 0;
}

std::string_view to_string(Qop q) { return q == Qop::auth ? "auth" : "auth-int"; }

std::string DigestParseError::message() const {
  std::string out = "digest header error at byte " + std::to_string(offset);
  if (!param.empty()) out += " (" + param + ")";
  return out + ": " + detail;
}

bool DigestChallenge::offers(Qop q) const {
  for (Qop o : qop)
    if (o == q) return true;
  return false;
}

bool is_quotable(std::string_view s) {
  if (s.size() > max_digest_param_length) return false;
  for (char c : s)
    if (is_control(c)) return false;
  return true;
}

Result<DigestChallenge, DigestParseError> parse_challenge(std::string_view value) {
  auto params = parse_params(value);
  if (!params) return unexpected(params.error());
  const std::size_t end = value.size();
  DigestChallenge c;
  auto realm = required(*params, "realm", end);
  if (!realm) return unexpected(realm.error());
  c.realm = std::move(*realm);
  auto nonce = required(*params, "nonce", end);
  if (!nonce) return unexpected(nonce.error());
  c.nonce = std::move(*nonce);
  if (c.nonce.empty()) return unexpected(fail(find(*params, "nonce")->offset, "nonce", "empty nonce"));
  auto algorithm = algorithm_of(*params);
  if (!algorithm) return unexpected(algorithm.error());
  c.algorithm = *algorithm;

  if (const Param* p = find(*params, "qop")) {
    // qop-options = LDQUOT qop-value *("," qop-value) RDQUOT; unknown values are ignored.
    std::string_view rest = p->value;
    while (!rest.empty()) {
      const std::size_t comma = rest.find(',');
      std::string_view item = rest.substr(0, comma);
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
      while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
      auto q = qop_from_name(item);
      if (q && !c.offers(*q)) c.qop.push_back(*q);
    }
    if (c.qop.empty()) return unexpected(fail(p->offset, p->name, "no supported option in '" + p->value + "'"));
  }
  if (const Param* p = find(*params, "stale")) {
    auto b = boolean_of(*p);
    if (!b) return unexpected(b.error());
    c.stale = *b;
  }
  if (const Param* p = find(*params, "userhash")) {
    auto b = boolean_of(*p);
    if (!b) return unexpected(b.error());
    c.userhash = *b;
  }
  if (const Param* p = find(*params, "opaque")) c.opaque = p->value;
  if (const Param* p = find(*params, "domain")) c.domain = p->value;
  return c;
}

Result<DigestCredentials, DigestParseError> parse_credentials(std::string_view value) {
  auto params = parse_params(value);
  if (!params) return unexpected(params.error());
  const std::size_t end = value.size();
  if (const Param* p = find(*params, "username*"))
    return unexpected(fail(p->offset, p->name, "extended usernames (RFC 7616 §3.4.4) are not supported"));
  if (const Param* p = find(*params, "userhash")) {
    auto b = boolean_of(*p);
    if (!b) return unexpected(b.error());
    if (*b) return unexpected(fail(p->offset, p->name, "hashed usernames (RFC 7616 §3.4.4) are not supported"));
  }

  DigestCredentials c;
  std::string* fields[] = {&c.username, &c.realm, &c.nonce, &c.uri, &c.response};
  const char* names[] = {"username", "realm", "nonce", "uri", "response"};
  for (std::size_t i = 0; i < std::size(fields); ++i) {
    auto v = required(*params, names[i], end);
    if (!v) return unexpected(v.error());
    *fields[i] = std::move(*v);
    if (fields[i]->empty() && fields[i] != &c.realm)
      return unexpected(fail(find(*params, names[i])->offset, names[i], "empty value"));
  }
  auto algorithm = algorithm_of(*params);
  if (!algorithm) return unexpected(algorithm.error());
  c.algorithm = *algorithm;

  const Param* response = find(*params, "response");
  for (char& ch : c.response) {
    if (!is_hex(ch)) return unexpected(fail(response->offset, "response", "not hex"));
    ch = lower(ch);
  }
  if (c.response.size() != hex_length(c.algorithm))
    return unexpected(fail(response->offset, "response",
                           std::to_string(c.response.size()) + " hex digits where " +
                               std::string(to_string(c.algorithm)) + " has " +
                               std::to_string(hex_length(c.algorithm))));

  const Param* qop = find(*params, "qop");
  const Param* cnonce = find(*params, "cnonce");
  const Param* nc = find(*params, "nc");
  if (qop == nullptr) {
    if (cnonce != nullptr) return unexpected(fail(cnonce->offset, "cnonce", "cnonce without qop"));
    if (nc != nullptr) return unexpected(fail(nc->offset, "nc", "nc without qop"));
  } else {
    c.qop = qop_from_name(qop->value);
    if (!c.qop) return unexpected(fail(qop->offset, "qop", "unsupported qop '" + qop->value + "'"));
    if (cnonce == nullptr) return unexpected(fail(end, "cnonce", "missing parameter (required with qop)"));
    if (nc == nullptr) return unexpected(fail(end, "nc", "missing parameter (required with qop)"));
    if (cnonce->value.empty()) return unexpected(fail(cnonce->offset, "cnonce", "empty value"));
    c.cnonce = cnonce->value;
    // nc-value = 8LHEX
    bool lhex = nc->value.size() == 8;
    std::uint32_t n = 0;
    for (char ch : nc->value) {
      lhex = lhex && is_hex(ch) && lower(ch) == ch;
      if (!lhex) break;
      n = (n << 4) | static_cast<std::uint32_t>(ch <= '9' ? ch - '0' : ch - 'a' + 10);
    }
    if (!lhex) return unexpected(fail(nc->offset, "nc", "'" + nc->value + "' is not 8 lowercase hex digits"));
    if (n == 0) return unexpected(fail(nc->offset, "nc", "nonce-count 0 (counting starts at 1)"));
    c.nc = n;
  }
  if (const Param* p = find(*params, "opaque")) c.opaque = p->value;
  return c;
}

std::string serialize(const DigestChallenge& c) {
  std::string out = "Digest realm=" + quote(c.realm) + ", nonce=" + quote(c.nonce);
  out += ", algorithm=";
  out += to_string(c.algorithm);
  if (!c.qop.empty()) {
    out += ", qop=\"";
    for (std::size_t i = 0; i < c.qop.size(); ++i) {
      if (i != 0) out += ',';
      out += to_string(c.qop[i]);
    }
    out += '"';
  }
  if (c.opaque) out += ", opaque=" + quote(*c.opaque);
  if (c.domain) out += ", domain=" + quote(*c.domain);
  if (c.stale) out += ", stale=TRUE";
  if (c.userhash) out += ", userhash=true";
  return out;
}

std::string serialize(const DigestCredentials& c) {
  std::string out = "Digest username=" + quote(c.username) + ", realm=" + quote(c.realm) +
                    ", nonce=" + quote(c.nonce) + ", uri=" + quote(c.uri) + ", response=" + quote(c.response);
  out += ", algorithm=";
  out += to_string(c.algorithm);
  if (c.qop) {
    char nc[9];
    std::snprintf(nc, sizeof nc, "%08x", static_cast<unsigned>(c.nc));
    out += ", cnonce=" + quote(c.cnonce) + ", qop=";
    out += to_string(*c.qop);
    out += ", nc=";
    out += nc;
  }
  if (c.opaque) out += ", opaque=" + quote(*c.opaque);
  return out;
}

}  // namespace confab::sip
