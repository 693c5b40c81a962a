#pragma once
// One uncompressed picture in I420 (planar 4:2:0, 8-bit): the format Y4M
// files, the test pattern and the VP8 encoder and decoder exchange. Planes
// are tightly packed (stride = plane width); odd sizes round chroma up.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace confab::media {

struct I420Frame {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> y, u, v;

  int chroma_width() const { return (width + 1) / 2; }
  int chroma_height() const { return (height + 1) / 2; }
  std::size_t luma_size() const { return static_cast<std::size_t>(width) * static_cast<std::size_t>(height); }
  std::size_t chroma_size() const {
    return static_cast<std::size_t>(chroma_width()) * static_cast<std::size_t>(chroma_height());
  }
  // True when every plane has the size the dimensions call for.
  bool consistent() const {
    return width > 0 && height > 0 && y.size() == luma_size() && u.size() == chroma_size() &&
           v.size() == chroma_size();
  }

  // A frame of the given size filled with one colour (default mid grey).
  static I420Frame filled(int width, int height, std::uint8_t luma = 128, std::uint8_t cb = 128,
                          std::uint8_t cr = 128) {
    I420Frame f;
    f.width = width;
    f.height = height;
    f.y.assign(f.luma_size(), luma);
    f.u.assign(f.chroma_size(), cb);
    f.v.assign(f.chroma_size(), cr);
    return f;
  }
};

}  // namespace confab::media
