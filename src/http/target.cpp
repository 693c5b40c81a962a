#include "http/target.hpp"

#include <cctype>

namespace confab::http {

std::optional<std::string_view> OriginTarget::param(std::string_view name) const {
  for (const auto& [k, v] : query)
    if (k == name) return std::string_view(v);
  return std::nullopt;
}

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    const int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

std::string percent_encode(std::string_view s) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(digits[u >> 4]);
      out.push_back(digits[u & 0x0F]);
    }
  }
  return out;
}

Result<OriginTarget, std::string> parse_origin_form(std::string_view target) {
  if (target.empty() || target.front() != '/') return unexpected(std::string("not an origin-form target (no leading /)"));
  if (target.find('#') != std::string_view::npos) return unexpected(std::string("a fragment in a request target"));
  OriginTarget out;
  std::string_view path = target, query;
  if (auto q = target.find('?'); q != std::string_view::npos) {
    path = target.substr(0, q);
    query = target.substr(q + 1);
  }
  std::size_t start = 1;
  for (;;) {
    auto end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    auto seg = percent_decode(path.substr(start, end - start));
    if (!seg) return unexpected(std::string("a malformed %-escape in the path"));
    if (seg->find('/') != std::string::npos || seg->find('\0') != std::string::npos)
      return unexpected(std::string("an encoded / or NUL in a path segment"));
    if (*seg == "." || *seg == "..") return unexpected(std::string("a dot segment in the path"));
    out.segments.push_back(std::move(*seg));
    if (end == path.size()) break;
    start = end + 1;
  }
  if (!query.empty()) {
    std::size_t qs = 0;
    for (;;) {
      auto end = query.find('&', qs);
      if (end == std::string_view::npos) end = query.size();
      std::string_view pair = query.substr(qs, end - qs);
      if (!pair.empty()) {
        auto eq = pair.find('=');
        auto k = percent_decode(pair.substr(0, eq));
        auto v = percent_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
        if (!k || !v) return unexpected(std::string("a malformed %-escape in the query"));
        out.query.emplace_back(std::move(*k), std::move(*v));
      }
      if (end == query.size()) break;
      qs = end + 1;
    }
  }
  return out;
}

}  // namespace confab::http
