// Request targets: decoded segments and queries, refused escapes.
#include <gtest/gtest.h>

#include "http/target.hpp"

namespace confab::http {
namespace {

TEST(HttpTarget, SegmentsAndQueryAreDecoded) {
  auto t = parse_origin_form("/upload/AbC/tr%C3%A8s%20cool.jpg?size=5&type=image%2Fjpeg&empty");
  ASSERT_TRUE(t) << t.error();
  EXPECT_EQ(t->segments, (std::vector<std::string>{"upload", "AbC", "très cool.jpg"}));
  EXPECT_EQ(t->param("type"), "image/jpeg");
  EXPECT_EQ(t->param("empty"), "");
  EXPECT_FALSE(t->param("none"));
}

TEST(HttpTarget, EncodedSlashesNulsDotSegmentsAndBadEscapesAreRefused) {
  EXPECT_FALSE(parse_origin_form("/upload/a%2Fb"));
  EXPECT_FALSE(parse_origin_form("/upload/a%00b"));
  EXPECT_FALSE(parse_origin_form("/upload/../x"));
  EXPECT_FALSE(parse_origin_form("/upload/%2e%2e/x"));
  EXPECT_FALSE(parse_origin_form("/upload/%zz"));
  EXPECT_FALSE(parse_origin_form("/upload/%4"));
  EXPECT_FALSE(parse_origin_form("upload"));
  EXPECT_FALSE(parse_origin_form("/a#frag"));
}

TEST(HttpTarget, PercentEncodingRoundTrips) {
  const std::string name = "très cool & 100%/x?.jpg";
  const std::string enc = percent_encode(name);
  EXPECT_EQ(enc.find_first_of(" &%/?"), enc.find('%'));  // only escapes
  EXPECT_EQ(percent_decode(enc), name);
  EXPECT_EQ(percent_encode("a-b_c.d~e"), "a-b_c.d~e");
}

}  // namespace
}  // namespace confab::http

#include "http/range.hpp"

namespace confab::http {
namespace {

TEST(HttpRange, OneRangeIsServedAndEverythingElseIsTheWholeOrUnsatisfiable) {
  auto range = [](std::string_view v, std::uint64_t size) { return parse_range(v, size); };
  auto r = std::get<ByteRange>(range("bytes=0-99", 1000));
  EXPECT_EQ(r.first, 0u);
  EXPECT_EQ(r.last, 99u);
  EXPECT_EQ(r.length(), 100u);
  EXPECT_EQ(std::get<ByteRange>(range("bytes=900-", 1000)).last, 999u);
  EXPECT_EQ(std::get<ByteRange>(range("bytes=900-5000", 1000)).last, 999u);
  EXPECT_EQ(std::get<ByteRange>(range("bytes=-100", 1000)).first, 900u);
  EXPECT_EQ(std::get<ByteRange>(range("bytes=-5000", 1000)).first, 0u);
  EXPECT_TRUE(std::holds_alternative<Unsatisfiable>(range("bytes=1000-", 1000)));
  EXPECT_TRUE(std::holds_alternative<Unsatisfiable>(range("bytes=-0", 1000)));
  for (std::string_view v : {"", "items=0-1", "bytes=0-1,5-6", "bytes=5-1", "bytes=a-b", "bytes=-", "bytes=1"})
    EXPECT_TRUE(std::holds_alternative<WholeRepresentation>(range(v, 1000))) << v;
}

}  // namespace
}  // namespace confab::http
