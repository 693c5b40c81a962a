#pragma once
// Helpers shared by the SDP unit tests: descriptions written with "\n"
// line ends, and parse-or-fail wrappers.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "sdp/session.hpp"

namespace confab::sdp::test {

// "a\nb\n" -> "a\r\nb\r\n": tests write descriptions readably.
inline std::string crlf(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

inline SessionDescription must_parse(std::string_view text) {
  auto sd = parse(text);
  EXPECT_TRUE(sd) << (sd ? "" : sd.error().message()) << "\n" << text;
  return sd ? std::move(*sd) : SessionDescription{};
}

inline DecodeError must_fail(std::string_view text, const Limits& limits = {}) {
  auto sd = parse(text, limits);
  EXPECT_FALSE(sd) << text;
  return sd ? DecodeError{} : sd.error();
}

// serialize(parse(text)) == text, and parse(serialize(x)) == x.
inline void expect_round_trip(std::string_view text) {
  auto sd = parse(text);
  ASSERT_TRUE(sd) << sd.error().message();
  const std::string out = serialize(*sd);
  EXPECT_EQ(out, text);
  auto again = parse(out);
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_EQ(*again, *sd);
}

}  // namespace confab::sdp::test
