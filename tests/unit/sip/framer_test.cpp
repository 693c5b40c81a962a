// Stream framing on TCP/TLS: back-to-back messages, partial reads, CRLF
// keep-alives (RFC 5626 §3.5.1) and the errors that should close a connection.
#include <gtest/gtest.h>

#include "sip/parser.hpp"
#include "sip_test_util.hpp"

namespace confab::sip {
namespace {

using test::crlf;

const std::string first = crlf("MESSAGE sip:a@b.example SIP/2.0\nContent-Length: 5\n\nhello");
const std::string second = crlf("OPTIONS sip:a@b.example SIP/2.0\nl: 0\n\n");

std::optional<Frame> frame(std::string_view buffered, bool pong = false) {
  auto f = frame_size(as_bytes(buffered), {}, pong);
  EXPECT_TRUE(f) << (f ? "" : f.error().message());
  return f ? *f : std::nullopt;
}

TEST(Framer, BackToBackMessagesFrameOneAtATime) {
  std::string stream = first + second + "\r\n\r\n" + first;
  std::vector<std::string> methods;
  while (!stream.empty()) {
    auto f = frame(stream);
    ASSERT_TRUE(f);
    if (f->kind == FrameKind::message) {
      auto m = parse(stream.substr(0, f->size));
      ASSERT_TRUE(m) << m.error().message();
      methods.emplace_back(m->method);
    } else {
      methods.emplace_back("ping");
    }
    stream.erase(0, f->size);
  }
  EXPECT_EQ(methods, (std::vector<std::string>{"MESSAGE", "OPTIONS", "ping", "MESSAGE"}));
}

TEST(Framer, EveryPartialReadAsksForMoreBytes) {
  const std::string both = first + second;
  for (std::size_t n = 0; n < first.size(); ++n) EXPECT_FALSE(frame(both.substr(0, n))) << n;
  auto f = frame(both.substr(0, first.size()));
  ASSERT_TRUE(f);
  EXPECT_EQ(f->size, first.size());
}

TEST(Framer, KeepAlivePingsAndPongsAreRecognised) {
  EXPECT_EQ(frame("\r\n\r\n")->kind, FrameKind::ping);
  EXPECT_EQ(frame("\r\n\r\n")->size, 4u);
  EXPECT_FALSE(frame("\r\n"));    // half a ping, or a pong: wait, unless we sent a ping
  EXPECT_FALSE(frame("\r\n\r"));
  EXPECT_EQ(frame("\r\n", true)->kind, FrameKind::pong);
  EXPECT_EQ(frame("\r\n" + second)->kind, FrameKind::pong);
  EXPECT_EQ(frame("\r\n" + second)->size, 2u);
}

TEST(Framer, FoldedAndCompactContentLengthIsFound) {
  std::string m = crlf("MESSAGE sip:a@b.example SIP/2.0\nL:\n 3\n\nabcEXTRA");
  EXPECT_EQ(frame(m)->size, m.size() - 5);
}

TEST(Framer, ErrorsThatShouldCloseTheConnection) {
  auto code = [](std::string_view s, const Limits& limits = {}) {
    auto f = frame_size(as_bytes(s), limits);
    EXPECT_FALSE(f) << s;
    return f ? DecodeErrorCode::empty : f.error().code;
  };
  EXPECT_EQ(code(crlf("OPTIONS sip:a@b.example SIP/2.0\nVia: x\n\n")), DecodeErrorCode::missing_content_length);
  EXPECT_EQ(code(crlf("OPTIONS sip:a@b.example SIP/2.0\nContent-Length: -1\n\n")), DecodeErrorCode::bad_content_length);
  EXPECT_EQ(code(crlf("OPTIONS sip:a@b.example SIP/2.0\nl: 1\nl: 2\n\n")), DecodeErrorCode::bad_content_length);
  EXPECT_EQ(code("\rX"), DecodeErrorCode::bad_line_ending);
  Limits small{100, 10};
  EXPECT_EQ(code(std::string(100, 'a'), small), DecodeErrorCode::too_large);
  EXPECT_EQ(code(crlf("OPTIONS sip:a@b.example SIP/2.0\nl: 1000\n\n"), small), DecodeErrorCode::too_large);
}

}  // namespace
}  // namespace confab::sip
