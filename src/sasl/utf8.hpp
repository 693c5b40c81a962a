#pragma once
// UTF-8 well-formedness (RFC 3629): SCRAM names and PLAIN identities are
// UTF-8 by definition (RFC 5802 §7, RFC 4616 §2), and text that is not
// must be refused before it reaches SASLprep, the store or a log.
#include <string_view>

namespace confab::sasl {

// Shortest forms only, no surrogates, nothing above U+10FFFF. NUL counts as
// well-formed here; callers that forbid it (all of them) check separately.
bool is_valid_utf8(std::string_view s);

}  // namespace confab::sasl
