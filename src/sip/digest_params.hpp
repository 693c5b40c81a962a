#pragma once
// Internal to the digest codec: the auth-param list both digest headers
// share. Not part of the API; digest_header.hpp is.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "sip/digest_header.hpp"
#include "sip/lex.hpp"

namespace confab::sip::digest_detail {

struct Param {
  std::string name;        // lowercase
  std::string value;       // unescaped
  std::size_t offset = 0;  // of the value in the header value
};

// `Digest` LWS auth-param *(COMMA auth-param): names are tokens, values
// tokens or quoted-strings; each name at most once, at most
// max_digest_params of them, each value at most max_digest_param_length.
Result<std::vector<Param>, DigestParseError> parse_params(std::string_view value);

// Case folding and comparison are the codec's own (lex.hpp).
using lex::iequals;
using lex::lower;
// A CTL other than HTAB: never allowed in a value.
bool is_control(char c);
DigestParseError fail(std::size_t offset, std::string param, std::string detail);

}  // namespace confab::sip::digest_detail
