#pragma once
// Request targets (RFC 9112 §3.2, RFC 3986): the origin form a server is
// asked for ("/upload/id/name%20x.jpg?v=..."), split into decoded path
// segments and query parameters, and percent-encoding for building URLs.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"

namespace confab::http {

struct OriginTarget {
  std::vector<std::string> segments;  // decoded; "/a/b" → {"a", "b"}; "/" → {""}
  std::vector<std::pair<std::string, std::string>> query;  // decoded name=value pairs, in order

  // The first value of `name` in the query.
  std::optional<std::string_view> param(std::string_view name) const;
};

// Strict: every %XX two hex digits. A decoded segment may not hold '/' or
// NUL (a %2F would change which file a path names), nor be "." or "..".
Result<OriginTarget, std::string> parse_origin_form(std::string_view target);

// %XX → byte; nullopt for a malformed escape. '+' stays '+'.
std::optional<std::string> percent_decode(std::string_view s);

// Everything but RFC 3986's unreserved characters (ALPHA DIGIT - . _ ~)
// as %XX with uppercase hex: safe in a path segment and in a query value.
std::string percent_encode(std::string_view s);

}  // namespace confab::http
