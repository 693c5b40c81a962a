// The test pattern's frame number: readable from the raw picture, and
// after VP8 at a modest bitrate (what a call's receiver checks).
#include <gtest/gtest.h>

#include "media/pattern.hpp"

namespace confab::media {
namespace {

TEST(Pattern, FrameNumberReadsBackFromTheRawPicture) {
  TestPattern p(320, 240);
  for (std::uint32_t n : {0u, 1u, 2u, 255u, 256u, 4660u, 65535u}) {
    const I420Frame f = p.frame(n);
    ASSERT_TRUE(f.consistent());
    EXPECT_EQ(read_frame_number(f), static_cast<std::uint16_t>(n)) << n;
  }
  EXPECT_EQ(read_frame_number(p.frame(65536 + 7)), 7);  // modulo 65536
}

TEST(Pattern, SmallerPicturesUseSmallerBlocks) {
  EXPECT_EQ(pattern_block_size(320, 240), 16);
  EXPECT_EQ(pattern_block_size(176, 144), 10);
  EXPECT_EQ(pattern_block_size(64, 48), 4);
  EXPECT_EQ(pattern_block_size(48, 48), 0);
  TestPattern qcif(176, 144);
  EXPECT_EQ(read_frame_number(qcif.frame(1234)), 1234);
  EXPECT_EQ(read_frame_number(TestPattern(48, 48).frame(3)), std::nullopt);
}

TEST(Pattern, PicturesThatAreNotThePatternReadAsNothing) {
  EXPECT_EQ(read_frame_number(I420Frame::filled(320, 240)), std::nullopt);
  EXPECT_EQ(read_frame_number(I420Frame::filled(320, 240, 235)), std::nullopt);
  I420Frame f = TestPattern(320, 240).frame(99);
  for (int y = 0; y < 16; ++y) f.y[static_cast<std::size_t>(y * 320 + 40)] = 128;  // damage one stripe, still fine
  EXPECT_EQ(read_frame_number(f), 99);
  for (int y = 16; y < 32; ++y) {
    for (int x = 0; x < 16; ++x) f.y[static_cast<std::size_t>(y * 320 + x)] = f.y[static_cast<std::size_t>(x)];
  }
  EXPECT_EQ(read_frame_number(f), std::nullopt);  // first bit no longer complemented
}

TEST(Pattern, TheBoxMoves) {
  TestPattern p(320, 240);
  EXPECT_NE(p.frame(0).y, p.frame(1).y);
  // Below the code rows too, not only the number.
  const auto a = p.frame(0), b = p.frame(1);
  EXPECT_FALSE(std::equal(a.y.begin() + 320 * 32, a.y.end(), b.y.begin() + 320 * 32));
}

}  // namespace
}  // namespace confab::media
