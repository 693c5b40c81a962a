// Strict base64: RFC 4648 §10 vectors both ways, and every non-canonical
// form refused.
#include "sasl/base64.hpp"

#include <gtest/gtest.h>

namespace confab::sasl {
namespace {

TEST(Base64, TheRfc4648TestVectorsRoundTrip) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},         {"f", "Zg=="},     {"fo", "Zm8="},         {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
  };
  for (auto [plain, encoded] : vectors) {
    EXPECT_EQ(base64_encode(as_bytes(plain)), encoded);
    auto d = base64_decode(encoded);
    ASSERT_TRUE(d) << encoded;
    EXPECT_EQ(as_chars(*d), plain);
  }
}

TEST(Base64, AllByteValuesRoundTrip) {
  Bytes all(256);
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = static_cast<std::uint8_t>(i);
  EXPECT_EQ(base64_decode(base64_encode(all)), all);
}

TEST(Base64, NonCanonicalTextIsRefused) {
  for (const char* bad : {"Zg", "Zg=", "Zh==", "Zm9=", "Zm8", " Zm9v", "Zm9v ", "Zm 9v", "Zm9v\n", "Z===", "====",
                          "Zg==Zg==", "Zm=v", "Zm9v-_==", "Zm9v!"})
    EXPECT_FALSE(base64_decode(bad)) << bad;
}

}  // namespace
}  // namespace confab::sasl
