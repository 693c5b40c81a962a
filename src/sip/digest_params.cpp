// The auth-param list grammar shared by digest challenges and credentials
// (RFC 3261 §25.1: token, quoted-string with quoted-pair, LWS with line
// folding; RFC 7235 §2.1: auth-scheme 1*SP auth-param *("," auth-param)).
#include "sip/digest_params.hpp"

#include <cstdio>

namespace confab::sip::digest_detail {
namespace {

// RFC 3261 §25.1: token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~").
bool is_token_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '-': case '.': case '!': case '%': case '*': case '_': case '+': case '`': case '\'': case '~':
      return true;
    default:
      return false;
  }
}

std::string byte_name(char c) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02X", static_cast<unsigned>(static_cast<unsigned char>(c)));
  return buf;
}

class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) {}

  std::size_t pos() const { return pos_; }
  bool done() const { return pos_ == s_.size(); }
  char peek() const { return s_[pos_]; }
  void advance() { ++pos_; }

  // LWS = [*WSP CRLF] 1*WSP; also accepts plain runs of WSP. Returns whether
  // any was skipped.
  bool skip_lws() {
    const std::size_t start = pos_;
    for (;;) {
      if (!done() && (peek() == ' ' || peek() == '\t')) {
        ++pos_;
      } else if (s_.substr(pos_).starts_with("\r\n") && pos_ + 2 < s_.size() &&
                 (s_[pos_ + 2] == ' ' || s_[pos_ + 2] == '\t')) {
        pos_ += 3;
      } else {
        return pos_ != start;
      }
    }
  }

  std::string_view token() {
    const std::size_t start = pos_;
    while (!done() && is_token_char(peek())) ++pos_;
    return s_.substr(start, pos_ - start);
  }

  // At a '"'. On failure, `error` says why and pos() is where.
  bool quoted_string(std::string& out, std::string& error) {
    ++pos_;
    while (!done()) {
      const char c = peek();
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c == '\\') {
        if (pos_ + 1 == s_.size()) break;
        const char d = s_[pos_ + 1];
        if (is_control(d) || static_cast<unsigned char>(d) > 0x7F) {
          ++pos_;
          error = "invalid escaped byte " + byte_name(d) + " in quoted-string";
          return false;
        }
        out += d;
        pos_ += 2;
      } else if (is_control(c)) {
        error = "control byte " + byte_name(c) + " in quoted-string";
        return false;
      } else {
        out += c;
        ++pos_;
      }
      if (out.size() > max_digest_param_length) {
        error = "value longer than " + std::to_string(max_digest_param_length) + " bytes";
        return false;
      }
    }
    error = "unterminated quoted-string";
    return false;
  }

 private:
  std::string_view s_;
  std::size_t pos_ = 0;
};

}  // namespace

bool is_control(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (u < 0x20 && c != '\t') || u == 0x7F;
}

DigestParseError fail(std::size_t offset, std::string param, std::string detail) {
  return DigestParseError{offset, std::move(param), std::move(detail)};
}

Result<std::vector<Param>, DigestParseError> parse_params(std::string_view s) {
  Lexer lx(s);
  lx.skip_lws();
  const std::size_t scheme_at = lx.pos();
  const std::string_view scheme = lx.token();
  if (scheme.empty()) return unexpected(fail(scheme_at, "", "expected the Digest scheme"));
  if (!iequals(scheme, "Digest"))
    return unexpected(fail(scheme_at, "", "scheme '" + std::string(scheme) + "' is not Digest"));
  if (!lx.skip_lws() && !lx.done())
    return unexpected(fail(lx.pos(), "", "expected whitespace after the scheme"));
  if (lx.done()) return unexpected(fail(lx.pos(), "", "no parameters"));

  std::vector<Param> params;
  for (;;) {
    const std::size_t name_at = lx.pos();
    std::string name(lx.token());
    if (name.empty()) {
      if (!lx.done() && lx.peek() == ',') return unexpected(fail(name_at, "", "empty parameter"));
      return unexpected(fail(name_at, "", "expected a parameter name"));
    }
    for (char& c : name) c = lower(c);
    lx.skip_lws();
    if (lx.done() || lx.peek() != '=') return unexpected(fail(lx.pos(), name, "expected '=' after the name"));
    lx.advance();
    lx.skip_lws();
    Param p{name, {}, lx.pos()};
    if (!lx.done() && lx.peek() == '"') {
      std::string why;
      if (!lx.quoted_string(p.value, why)) return unexpected(fail(lx.pos(), name, why));
    } else {
      p.value = std::string(lx.token());
      if (p.value.empty()) return unexpected(fail(p.offset, name, "expected a token or quoted-string value"));
      if (p.value.size() > max_digest_param_length)
        return unexpected(
            fail(p.offset, name, "value longer than " + std::to_string(max_digest_param_length) + " bytes"));
    }
    for (const Param& q : params)
      if (q.name == name) return unexpected(fail(name_at, name, "duplicate parameter"));
    if (params.size() == max_digest_params)
      return unexpected(fail(name_at, name, "more than " + std::to_string(max_digest_params) + " parameters"));
    params.push_back(std::move(p));
    lx.skip_lws();
    if (lx.done()) break;
    if (lx.peek() != ',') return unexpected(fail(lx.pos(), name, "expected ',' after the value"));
    lx.advance();
    lx.skip_lws();
    if (lx.done()) return unexpected(fail(lx.pos(), "", "trailing ','"));
  }
  return params;
}

}  // namespace confab::sip::digest_detail
