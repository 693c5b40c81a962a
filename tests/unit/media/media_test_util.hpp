#pragma once
// Helpers shared by the media tests: scratch files and little-endian bytes.
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <string>

#include "core/bytes.hpp"

namespace confab::media::test {

// A path in the temp directory, unique to this process, removed on scope exit.
class ScratchFile {
 public:
  explicit ScratchFile(const std::string& name)
      : path_(std::filesystem::temp_directory_path() /
              ("confab_media_" + std::to_string(::getpid()) + "_" + name)) {}
  ~ScratchFile() {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
  std::string str() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

inline void put_le16(Bytes& b, std::uint16_t v) {
  b.push_back(static_cast<std::uint8_t>(v));
  b.push_back(static_cast<std::uint8_t>(v >> 8));
}
inline void put_le32(Bytes& b, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
inline void put_text(Bytes& b, const char* s) {
  while (*s != 0) b.push_back(static_cast<std::uint8_t>(*s++));
}

}  // namespace confab::media::test
