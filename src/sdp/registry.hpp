#pragma once
// The attribute registry: one row per attribute this codec knows (name,
// level, flag or value, once per level, value grammar). Internal to
// confab_sdp; validate_attribute() in session.hpp is its public face.
#include <cstdint>
#include <optional>
#include <string_view>

#include "sdp/decode_error.hpp"

namespace confab::sdp::registry {

enum Level : std::uint8_t { session_level = 1, media_level = 2, any_level = 3 };
enum class Kind : std::uint8_t { flag, value };
using Validator = std::optional<DecodeError> (*)(std::string_view value);

struct Entry {
  std::string_view name;
  Level level;
  Kind kind;
  bool once;           // at most one per level (section)
  Validator validate;  // nullptr: any value
  std::string_view rfc;
};

const Entry* find(std::string_view name);

}  // namespace confab::sdp::registry
