// The response writer and the client's response parser.
#include <gtest/gtest.h>

#include "http/response.hpp"
#include "http/response_parser.hpp"

namespace confab::http {
namespace {

TEST(HttpResponse, AHeadHasStatusLineFieldsLengthAndClose) {
  Response r{201, {{"X-A", "b"}}, 0, true};
  EXPECT_EQ(serialize_head(r), "HTTP/1.1 201 Created\r\nX-A: b\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(serialize_head(Response{204, {}, 0, false}), "HTTP/1.1 204 No Content\r\n\r\n");
}

TEST(HttpResponse, ControlCharactersCannotSplitAResponse) {
  Response r{200, {{"X-Name", "a\r\nSet-Cookie: evil"}}, 3, false};
  const std::string head = serialize_head(r);
  EXPECT_EQ(head.find("\r\nSet-Cookie"), std::string::npos);
  EXPECT_NE(head.find("X-Name: a  Set-Cookie: evil\r\n"), std::string::npos);
}

TEST(HttpResponse, TextResponsesCarryTheirLengthAndNosniff) {
  const std::string t = text_response(404, "Not Found", false);
  EXPECT_EQ(t.rfind("HTTP/1.1 404 Not Found\r\n", 0), 0u);
  EXPECT_NE(t.find("Content-Length: 10\r\n"), std::string::npos);
  EXPECT_NE(t.find("X-Content-Type-Options: nosniff\r\n"), std::string::npos);
  EXPECT_EQ(t.substr(t.size() - 10), "Not Found\n");
}

std::vector<ResponseEvent> events(ResponseParser& p, std::string_view bytes) {
  p.feed(as_bytes(bytes));
  std::vector<ResponseEvent> out;
  while (auto e = p.poll_event()) out.push_back(std::move(*e));
  return out;
}

TEST(HttpResponseParser, AnInterimContinueComesBeforeTheFinalAnswer) {
  ResponseParser p;
  auto ev = events(p, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 403 Forbidden\r\nContent-Length: 4\r\n\r\nnope");
  ASSERT_EQ(ev.size(), 4u);
  EXPECT_EQ(std::get<ResponseHead>(ev[0]).status, 100);
  EXPECT_EQ(std::get<ResponseHead>(ev[1]).status, 403);
  EXPECT_EQ(std::get<ResponseHead>(ev[1]).reason, "Forbidden");
  EXPECT_EQ(as_chars(std::get<BodyChunk>(ev[2]).bytes), "nope");
  EXPECT_TRUE(std::holds_alternative<MessageComplete>(ev[3]));
}

TEST(HttpResponseParser, ABodyWithoutLengthRunsUntilClose) {
  ResponseParser p;
  auto ev = events(p, "HTTP/1.0 200 OK\r\n\r\nabc");
  ASSERT_EQ(ev.size(), 2u);
  auto end = p.finish();
  ASSERT_TRUE(end);
  EXPECT_TRUE(std::holds_alternative<MessageComplete>(*end));
}

TEST(HttpResponseParser, GarbageIsAnError) {
  ResponseParser p;
  auto ev = events(p, "SSH-2.0-OpenSSH\r\n");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<HttpError>(ev[0]));
}

}  // namespace
}  // namespace confab::http
