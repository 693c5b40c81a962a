// Y4M: header tags, round trips through memory and files, the colour
// spaces we take and refuse, and errors that name the frame.
#include <gtest/gtest.h>

#include "media/pattern.hpp"
#include "media/y4m.hpp"
#include "media_test_util.hpp"

namespace confab::media {
namespace {

Bytes file_of(const Y4mHeader& h, const std::vector<I420Frame>& frames) {
  const std::string head = format_y4m_header(h);
  Bytes out(head.begin(), head.end());
  for (const auto& f : frames) append_y4m_frame(out, f);
  return out;
}

Bytes text(std::string_view s) { return Bytes(s.begin(), s.end()); }

TEST(Y4mHeader, ParsesEveryTagFfmpegWrites) {
  auto h = parse_y4m_header("YUV4MPEG2 W640 H480 F30000:1001 Ip A1:1 C420jpeg XYSCSS=420JPEG");
  ASSERT_TRUE(h) << h.error().message;
  EXPECT_EQ(h->width, 640);
  EXPECT_EQ(h->height, 480);
  EXPECT_EQ(h->fps_num, 30000);
  EXPECT_EQ(h->fps_den, 1001);
  EXPECT_NEAR(h->fps(), 29.97, 0.01);
  EXPECT_EQ(h->interlace, 'p');
  EXPECT_EQ(h->colorspace, "420jpeg");
  EXPECT_EQ(h->extra, "A1:1 XYSCSS=420JPEG");
}

TEST(Y4mHeader, NoColourTagMeans420) {
  auto h = parse_y4m_header("YUV4MPEG2 W2 H2 F25:1");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->colorspace, "420");
  for (const char* c : {"C420", "C420jpeg", "C420paldv", "C420mpeg2"}) {
    EXPECT_TRUE(parse_y4m_header(std::string("YUV4MPEG2 W2 H2 ") + c)) << c;
  }
}

TEST(Y4mHeader, OtherColourSpacesAreRefusedByName) {
  for (const char* c : {"C444", "C422", "Cmono", "C420p10"}) {
    auto h = parse_y4m_header(std::string("YUV4MPEG2 W2 H2 ") + c);
    ASSERT_FALSE(h) << c;
    EXPECT_NE(h.error().message.find(std::string("colour space ") + c + " is not supported"), std::string::npos)
        << h.error().message;
  }
}

TEST(Y4mHeader, BadTagsAreNamed) {
  EXPECT_EQ(parse_y4m_header("YUV4MPEG W2 H2").error().message, "not a Y4M file (it must start with 'YUV4MPEG2 ')");
  EXPECT_EQ(parse_y4m_header("YUV4MPEG2 W0 H2").error().message, "header: W '0' is not a size in 1..8192");
  EXPECT_EQ(parse_y4m_header("YUV4MPEG2 W2 H99999").error().message, "header: H '99999' is not a size in 1..8192");
  EXPECT_EQ(parse_y4m_header("YUV4MPEG2 W2 H2 F30").error().message,
            "header: frame rate '30' is not <num>:<den> with both positive");
  EXPECT_EQ(parse_y4m_header("YUV4MPEG2 W2").error().message, "header: no W (width) or H (height) tag");
}

TEST(Y4m, MemoryRoundTripKeepsEveryPixel) {
  Y4mHeader h;
  h.width = 35;  // odd sizes: chroma rounds up
  h.height = 21;
  h.fps_num = 15;
  TestPattern pattern(35, 21);
  std::vector<I420Frame> frames{pattern.frame(0), pattern.frame(7), pattern.frame(100)};
  const Bytes bytes = file_of(h, frames);
  auto reader = Y4mReader::from_memory(bytes, "mem.y4m");
  ASSERT_TRUE(reader) << reader.error().message;
  EXPECT_EQ(reader->header().width, 35);
  EXPECT_EQ(reader->header().fps_num, 15);
  for (const auto& want : frames) {
    auto got = reader->next();
    ASSERT_TRUE(got) << got.error().message;
    ASSERT_TRUE(got->has_value());
    EXPECT_EQ((*got)->y, want.y);
    EXPECT_EQ((*got)->u, want.u);
    EXPECT_EQ((*got)->v, want.v);
    EXPECT_EQ((*got)->u.size(), 18u * 11u);
  }
  auto end = reader->next();
  ASSERT_TRUE(end);
  EXPECT_FALSE(end->has_value());
  EXPECT_EQ(reader->frames_read(), 3);
}

TEST(Y4m, FileWriterThenReader) {
  test::ScratchFile file("round.y4m");
  Y4mHeader h;
  h.width = 64;
  h.height = 48;
  TestPattern pattern(64, 48);
  {
    auto w = Y4mWriter::open(file.str(), h);
    ASSERT_TRUE(w) << w.error().message;
    for (std::uint32_t n = 0; n < 5; ++n) ASSERT_TRUE(w->write(pattern.frame(n)));
    EXPECT_EQ(w->frames_written(), 5);
    ASSERT_TRUE(w->close());
  }
  auto r = Y4mReader::open(file.str());
  ASSERT_TRUE(r) << r.error().message;
  for (std::uint32_t n = 0; n < 5; ++n) {
    auto f = r->next();
    ASSERT_TRUE(f && f->has_value());
    EXPECT_EQ((*f)->y, pattern.frame(n).y);
  }
  EXPECT_FALSE(r->next()->has_value());
}

TEST(Y4m, WriterRefusesAFrameOfAnotherSize) {
  test::ScratchFile file("size.y4m");
  Y4mHeader h;
  h.width = 64;
  h.height = 48;
  auto w = Y4mWriter::open(file.str(), h);
  ASSERT_TRUE(w);
  auto r = w->write(I420Frame::filled(32, 32));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("frame 0: 32x32 frame"), std::string::npos) << r.error().message;
}

TEST(Y4m, FrameParametersAreAllowed) {
  Bytes bytes = text("YUV4MPEG2 W2 H2 F30:1\nFRAME Ip XFOO=1\n");
  bytes.insert(bytes.end(), {1, 2, 3, 4, 5, 6});
  auto r = Y4mReader::from_memory(bytes);
  ASSERT_TRUE(r);
  auto f = r->next();
  ASSERT_TRUE(f && f->has_value()) << (f ? "" : f.error().message);
  EXPECT_EQ((*f)->y, (std::vector<std::uint8_t>{1, 2, 3, 4}));
  EXPECT_EQ((*f)->u, (std::vector<std::uint8_t>{5}));
  EXPECT_EQ((*f)->v, (std::vector<std::uint8_t>{6}));
}

TEST(Y4m, TruncatedFrameNamesTheFrameNumber) {
  Bytes bytes = text("YUV4MPEG2 W2 H2 F30:1\nFRAME\n");
  bytes.insert(bytes.end(), {1, 2, 3, 4, 5, 6});
  const std::string tail = "FRAME\n";
  bytes.insert(bytes.end(), tail.begin(), tail.end());
  bytes.insert(bytes.end(), {1, 2, 3});
  auto r = Y4mReader::from_memory(bytes, "cam.y4m");
  ASSERT_TRUE(r);
  ASSERT_TRUE(r->next());
  auto f = r->next();
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().message, "cam.y4m: frame 1: 3 bytes left, a 2x2 frame takes 6 (truncated file)");
}

TEST(Y4m, GarbageWhereAFrameLineBelongsIsNamed) {
  Bytes bytes = text("YUV4MPEG2 W2 H2\nFRAMES\n");
  auto r = Y4mReader::from_memory(bytes, "cam.y4m");
  ASSERT_TRUE(r);
  auto f = r->next();
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().message, "cam.y4m: frame 0: expected a FRAME line, found 'FRAMES'");
}

TEST(Y4m, HeaderWithoutNewlineIsTruncated) {
  auto r = Y4mReader::from_memory(text("YUV4MPEG2 W2 H2"), "cam.y4m");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("has no terminating newline (truncated file)"), std::string::npos);
}

}  // namespace
}  // namespace confab::media
