#include "http/fields.hpp"

#include <cctype>

namespace confab::http {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

std::optional<std::string_view> find_header(const std::vector<Header>& headers, std::string_view name) {
  for (const auto& h : headers)
    if (iequals(h.name, name)) return std::string_view(h.value);
  return std::nullopt;
}

namespace detail {

bool is_tchar(char c) {
  if (std::isalnum(static_cast<unsigned char>(c))) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-': case '.':
    case '^': case '_': case '`': case '|': case '~':
      return true;
    default:
      return false;
  }
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!is_tchar(c)) return false;
  return true;
}

namespace {

bool is_ows(char c) { return c == ' ' || c == '\t'; }

// field-vchar / SP / HTAB; obs-text (0x80-0xFF) is allowed, controls are not.
bool is_field_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u == '\t' || (u >= 0x20 && u != 0x7f);
}

}  // namespace

std::optional<std::string> parse_field_line(std::string_view line, Header& out) {
  if (!line.empty() && is_ows(line.front())) return "obsolete line folding (a line starting with whitespace)";
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return "no colon in a header line";
  std::string_view name = line.substr(0, colon);
  if (name.empty()) return "empty field name";
  if (is_ows(name.back())) return "whitespace between the field name and the colon";
  if (!is_token(name)) return "the field name is not a token";
  std::string_view value = line.substr(colon + 1);
  for (char c : value)
    if (!is_field_char(c)) return "a control character in the value of " + std::string(name);
  while (!value.empty() && is_ows(value.front())) value.remove_prefix(1);
  while (!value.empty() && is_ows(value.back())) value.remove_suffix(1);
  out.name.assign(name);
  out.value.assign(value);
  return std::nullopt;
}

std::optional<std::uint64_t> parse_decimal(std::string_view s) {
  if (s.empty() || s.size() > 19) return std::nullopt;  // 19 digits always fit in 64 bits
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v;
}

std::vector<std::string_view> list_elements(std::string_view value) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start <= value.size()) {
    auto end = value.find(',', start);
    if (end == std::string_view::npos) end = value.size();
    std::string_view e = value.substr(start, end - start);
    while (!e.empty() && is_ows(e.front())) e.remove_prefix(1);
    while (!e.empty() && is_ows(e.back())) e.remove_suffix(1);
    if (!e.empty()) out.push_back(e);
    start = end + 1;
  }
  return out;
}

bool list_contains(std::string_view value, std::string_view token) {
  for (auto e : list_elements(value))
    if (iequals(e, token)) return true;
  return false;
}

}  // namespace detail
}  // namespace confab::http
