#pragma once
// A moving test picture whose frame number can be read back after lossy
// coding: the receiving side of a call checks it got frame n, in order,
// without a reference file.
//
// Layout (top to bottom): two rows of code blocks; 75% colour bars with a
// box that moves 4 px per frame (motion for the encoder to find); a strip
// (the bottom quarter of the rest) of fresh luma noise every frame, which
// no encoder can predict, so VP8 at call bitrates is starved and quantizes
// the whole picture hard, as it would a noisy camera.
// Code: 16 blocks, the frame number modulo 65536 as bits (MSB first,
// white = 1); the second row repeats them inverted, which lets the reader
// reject a picture that is not the pattern or is damaged. Blocks are 16×16
// when the width allows (≥ 256 px), else width/16 rounded down to even,
// never below 4 px; a narrower picture carries no code.
#include <cstdint>
#include <optional>

#include "media/frame.hpp"

namespace confab::media {

class TestPattern {
 public:
  TestPattern(int width, int height);

  I420Frame frame(std::uint32_t number) const;

  int width() const { return width_; }
  int height() const { return height_; }

 private:
  int width_;
  int height_;
};

// Side of one code block for a picture of this size; 0 if too small.
int pattern_block_size(int width, int height);

// The frame number (modulo 65536) a TestPattern frame carries, or nullopt
// when the code rows do not read consistently (not a pattern, or damaged).
std::optional<std::uint16_t> read_frame_number(const I420Frame& frame);

}  // namespace confab::media
