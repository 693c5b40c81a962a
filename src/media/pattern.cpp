// The test pattern. Code blocks are black (16) and white (235) luma with
// neutral chroma: the largest luma step there is, aligned to the 16×16
// macroblock grid, so even a starved VP8 encoder keeps them apart.
#include "media/pattern.hpp"

#include <algorithm>
#include <array>

namespace confab::media {
namespace {

constexpr int code_bits = 16;
constexpr std::uint8_t black = 16, white = 235;

struct Yuv {
  std::uint8_t y, u, v;
};
// 75% colour bars, BT.601 limited range: white, yellow, cyan, green,
// magenta, red, blue, black.
constexpr std::array<Yuv, 8> bars{{{180, 128, 128},
                                   {162, 44, 142},
                                   {131, 156, 44},
                                   {112, 72, 58},
                                   {84, 184, 198},
                                   {65, 100, 212},
                                   {35, 212, 114},
                                   {16, 128, 128}}};

// A cheap integer hash (lowbias32): noise that is the same for the same
// (x, y, frame) everywhere, with no generator state to carry.
std::uint32_t mix(std::uint32_t v) {
  v ^= v >> 16;
  v *= 0x7feb352dU;
  v ^= v >> 15;
  v *= 0x846ca68bU;
  v ^= v >> 16;
  return v;
}

std::size_t at(int x, int y, int stride) {
  return static_cast<std::size_t>(y) * static_cast<std::size_t>(stride) + static_cast<std::size_t>(x);
}

void fill(I420Frame& f, int x0, int y0, int w, int h, Yuv c) {
  const int x1 = std::min(f.width, x0 + w), y1 = std::min(f.height, y0 + h);
  for (int y = std::max(0, y0); y < y1; ++y) {
    for (int x = std::max(0, x0); x < x1; ++x) f.y[at(x, y, f.width)] = c.y;
  }
  for (int y = std::max(0, y0) / 2; y < (y1 + 1) / 2; ++y) {
    for (int x = std::max(0, x0) / 2; x < (x1 + 1) / 2; ++x) {
      f.u[at(x, y, f.chroma_width())] = c.u;
      f.v[at(x, y, f.chroma_width())] = c.v;
    }
  }
}

// Mean luma of the middle half of a block: the edges are where coding
// artefacts (ringing, deblocking) concentrate.
int block_mean(const I420Frame& f, int x0, int y0, int side) {
  const int q = side / 4;
  long sum = 0, n = 0;
  for (int y = y0 + q; y < y0 + side - q; ++y) {
    for (int x = x0 + q; x < x0 + side - q; ++x) {
      sum += f.y[at(x, y, f.width)];
      ++n;
    }
  }
  return n > 0 ? static_cast<int>(sum / n) : 0;
}

}  // namespace

int pattern_block_size(int width, int height) {
  int side = width >= 16 * code_bits ? 16 : (width / code_bits) & ~1;
  if (side < 4 || height < 2 * side) return 0;
  return side;
}

TestPattern::TestPattern(int width, int height) : width_(std::max(2, width)), height_(std::max(2, height)) {}

I420Frame TestPattern::frame(std::uint32_t number) const {
  I420Frame f = I420Frame::filled(width_, height_, black);
  const int side = pattern_block_size(width_, height_);
  const int top = 2 * side;

  // Colour bars between the code rows and the noise strip.
  const int noise_top = top + (height_ - top) * 3 / 4;
  const int bar_w = (width_ + 7) / 8;
  for (int i = 0; i < 8; ++i) fill(f, i * bar_w, top, bar_w, noise_top - top, bars[static_cast<std::size_t>(i)]);

  // The moving box: a white square with a black core, bouncing left-right.
  const int box = std::max(4, std::min(width_, noise_top - top) / 3) & ~1;
  const int travel = std::max(1, width_ - box);
  const int pos = static_cast<int>((number * 4u) % static_cast<std::uint32_t>(2 * travel));
  const int x = pos < travel ? pos : 2 * travel - pos;
  const int y = top + std::max(0, (noise_top - top - box) / 2);
  fill(f, x, y, box, box, {white, 128, 128});
  fill(f, x + box / 4, y + box / 4, box / 2, box / 2, {black, 128, 128});

  // Fresh noise every frame in the bottom strip: nothing to predict, so
  // the encoder runs out of bits at call rates and quantizes hard, as with
  // a real camera's sensor noise and texture.
  for (int ny = noise_top; ny < height_; ++ny) {
    for (int nx = 0; nx < width_; ++nx) {
      const std::uint32_t h = mix(static_cast<std::uint32_t>(nx) * 0x9E3779B1u ^ static_cast<std::uint32_t>(ny) * 0x85EBCA77u ^
                                  number * 0xC2B2AE3Du);
      f.y[at(nx, ny, width_)] = static_cast<std::uint8_t>(88 + h % 81);
    }
  }

  if (side > 0) {
    const auto code = static_cast<std::uint16_t>(number);
    for (int b = 0; b < code_bits; ++b) {
      const bool one = (code >> (code_bits - 1 - b)) & 1u;
      fill(f, b * side, 0, side, side, {one ? white : black, 128, 128});
      fill(f, b * side, side, side, side, {one ? black : white, 128, 128});
    }
  }
  return f;
}

std::optional<std::uint16_t> read_frame_number(const I420Frame& frame) {
  const int side = pattern_block_size(frame.width, frame.height);
  if (side == 0 || frame.y.size() < frame.luma_size()) return std::nullopt;
  unsigned value = 0;
  for (int b = 0; b < code_bits; ++b) {
    const int top = block_mean(frame, b * side, 0, side);
    const int bottom = block_mean(frame, b * side, side, side);
    // Each bit must read as one clear black and one clear white block.
    const int mid = (black + white) / 2;
    const int margin = (white - black) / 4;
    const bool top_white = top > mid + margin, top_black = top < mid - margin;
    const bool bottom_white = bottom > mid + margin, bottom_black = bottom < mid - margin;
    if (!((top_white && bottom_black) || (top_black && bottom_white))) return std::nullopt;
    value = (value << 1) | (top_white ? 1u : 0u);
  }
  return static_cast<std::uint16_t>(value);
}

}  // namespace confab::media
