#pragma once
// SCRAM's saslname (RFC 5802 §5.1, §7): a username or authzid inside a
// comma-separated message, with ',' written "=2C" and '=' written "=3D".
#include <optional>
#include <string>
#include <string_view>

namespace confab::sasl {

std::string escape_saslname(std::string_view name);
// nullopt unless `text` is a saslname: not empty, well-formed UTF-8, no NUL
// and no ',', and every '=' starts "=2C" or "=3D" (RFC 5802: anything else
// MUST fail the exchange). Upper-case hex only, as the grammar says.
std::optional<std::string> unescape_saslname(std::string_view text);

}  // namespace confab::sasl
