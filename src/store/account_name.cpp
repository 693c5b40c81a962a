#include "store/account_name.hpp"

#include <algorithm>
#include <optional>

namespace confab::store {

namespace {

std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

// Bytes refused in either part. Non-ASCII UTF-8 is let through (see the
// header): only ASCII controls, DEL and space are checked bytewise.
bool forbidden_anywhere(unsigned char c) { return c < 0x21 || c == 0x7f; }

// RFC 7622 §3.3.1 excludes these from a localpart; SIP userinfo would need
// them escaped. Refusing them keeps one name valid in both protocols.
bool forbidden_in_localpart(char c) {
  return std::string_view("\"&'/:<>@").find(c) != std::string_view::npos;
}

std::optional<std::string> check_part(std::string_view part, std::string_view what, std::string_view text) {
  if (part.empty()) return quoted(text) + " has an empty " + std::string(what);
  if (part.size() > AccountName::max_part_bytes)
    return "the " + std::string(what) + " of an address is at most " + std::to_string(AccountName::max_part_bytes) +
           " bytes";
  for (char c : part) {
    auto u = static_cast<unsigned char>(c);
    if (forbidden_anywhere(u))
      return quoted(text) + ": spaces and control characters are not allowed";
  }
  return std::nullopt;
}

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; });
  return out;
}

}  // namespace

Result<AccountName, std::string> AccountName::parse(std::string_view text) {
  auto at = text.find('@');
  if (at == std::string_view::npos) return unexpected(quoted(text) + " has no domain (expected localpart@domain)");
  std::string_view local = text.substr(0, at);
  std::string_view domain = text.substr(at + 1);
  if (auto e = check_part(local, "localpart", text)) return unexpected(*e);
  if (auto e = check_part(domain, "domain", text)) return unexpected(*e);
  if (auto bad = std::find_if(local.begin(), local.end(), forbidden_in_localpart); bad != local.end())
    return unexpected(quoted(text) + ": the character '" + std::string(1, *bad) + "' is not allowed in a localpart");
  // A domain is a DNS name or an IP literal: '@' (a second one), '/' (a JID
  // resource) and the localpart's specials have no place there either.
  if (domain.find_first_of("@/\"&'<>") != std::string_view::npos)
    return unexpected(quoted(text) + ": the domain may not contain @ / \" & ' < >");
  if (domain.front() == '.' || domain.back() == '.')
    return unexpected(quoted(text) + ": the domain may not start or end with a dot");
  return AccountName{ascii_lower(local), ascii_lower(domain)};
}

}  // namespace confab::store
