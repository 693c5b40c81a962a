#include "core/bytes.hpp"

#include <gtest/gtest.h>

using namespace confab;

TEST(ByteReader, ReadsBigEndianAndStopsAtTheEnd) {
  Bytes b = {0x12, 0x34, 0x56, 0x78, 0x9a};
  ByteReader r(b);
  EXPECT_EQ(r.u16(), 0x1234);
  EXPECT_EQ(r.offset(), 2u);
  EXPECT_FALSE(r.u32());  // only 3 left: nothing is consumed
  EXPECT_EQ(r.u8(), 0x56);
  EXPECT_EQ(r.take(2)->size(), 2u);
  EXPECT_TRUE(r.empty());
  EXPECT_FALSE(r.u8());
}

TEST(ByteWriter, WritesBigEndianAndPatches) {
  Bytes b;
  ByteWriter w(b);
  w.u16(0xABCD);
  w.u32(0x01020304);
  w.patch_u16(0, 0x1122);
  EXPECT_EQ(b, (Bytes{0x11, 0x22, 0x01, 0x02, 0x03, 0x04}));
}
