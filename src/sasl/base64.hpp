#pragma once
// Strict base64 (RFC 4648) lives in core; SASL payloads use it.
#include "core/base64.hpp"

namespace confab::sasl {
using confab::base64_decode;
using confab::base64_encode;
}  // namespace confab::sasl
