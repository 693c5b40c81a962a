// WAV: round trips through memory and files, the streaming writer, and the
// malformed files a user might feed `confab call --audio`.
#include <gtest/gtest.h>

#include <fstream>

#include "media/wav.hpp"
#include "media_test_util.hpp"

namespace confab::media {
namespace {

using test::put_le16;
using test::put_le32;
using test::put_text;

Wav stereo_ramp() {
  Wav w;
  w.sample_rate = 44100;
  w.channels = 2;
  for (int i = 0; i < 1000; ++i) {
    w.samples.push_back(static_cast<std::int16_t>(i * 30 - 15000));
    w.samples.push_back(static_cast<std::int16_t>(-i * 31));
  }
  w.samples.push_back(-32768);
  w.samples.push_back(32767);
  return w;
}

// A hand-built file: RIFF header, then the given chunks.
Bytes riff(std::initializer_list<Bytes> chunks) {
  Bytes body;
  put_text(body, "WAVE");
  for (const Bytes& c : chunks) body.insert(body.end(), c.begin(), c.end());
  Bytes out;
  put_text(out, "RIFF");
  put_le32(out, static_cast<std::uint32_t>(body.size()));
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

Bytes chunk(const char* id, const Bytes& body) {
  Bytes c;
  put_text(c, id);
  put_le32(c, static_cast<std::uint32_t>(body.size()));
  c.insert(c.end(), body.begin(), body.end());
  if (body.size() % 2 != 0) c.push_back(0);
  return c;
}

Bytes fmt_body(std::uint16_t tag, std::uint16_t channels, std::uint32_t rate, std::uint16_t bits) {
  Bytes b;
  put_le16(b, tag);
  put_le16(b, channels);
  put_le32(b, rate);
  put_le32(b, rate * channels * bits / 8);
  put_le16(b, static_cast<std::uint16_t>(channels * bits / 8));
  put_le16(b, bits);
  return b;
}

Bytes pcm_body(std::initializer_list<std::int16_t> samples) {
  Bytes b;
  for (auto s : samples) put_le16(b, static_cast<std::uint16_t>(s));
  return b;
}

std::string error_of(const Bytes& file) {
  auto w = parse_wav(file, "in.wav");
  EXPECT_FALSE(w) << "parsed a malformed file";
  return w ? std::string() : w.error().message;
}

TEST(Wav, FormatThenParseGivesBackTheSamples) {
  const Wav w = stereo_ramp();
  const Bytes bytes = format_wav(w);
  EXPECT_EQ(bytes.size(), 44 + w.samples.size() * 2);
  auto back = parse_wav(bytes);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->sample_rate, 44100);
  EXPECT_EQ(back->channels, 2);
  EXPECT_EQ(back->frames(), 1001u);
  EXPECT_EQ(back->samples, w.samples);
}

TEST(Wav, StreamingWriterPatchesTheSizesOnClose) {
  test::ScratchFile file("stream.wav");
  const Wav w = stereo_ramp();
  {
    auto writer = WavWriter::open(file.str(), w.sample_rate, w.channels);
    ASSERT_TRUE(writer) << writer.error().message;
    const std::span<const std::int16_t> all(w.samples);
    ASSERT_TRUE(writer->write(all.first(500)));
    ASSERT_TRUE(writer->write(all.subspan(500)));
    EXPECT_EQ(writer->frames_written(), 1001u);
    auto closed = writer->close();
    ASSERT_TRUE(closed) << closed.error().message;
  }
  auto back = read_wav(file.str());
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->samples, w.samples);
  EXPECT_EQ(back->sample_rate, 44100);
}

TEST(Wav, TheDestructorAlsoFinishesTheFile) {
  test::ScratchFile file("dtor.wav");
  {
    auto writer = WavWriter::open(file.str(), 8000, 1);
    ASSERT_TRUE(writer);
    const std::int16_t s[] = {1, 2, 3, -4};
    ASSERT_TRUE(writer->write(s));
  }
  auto back = read_wav(file.str());
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->samples, (std::vector<std::int16_t>{1, 2, 3, -4}));
}

TEST(Wav, WriterRejectsAHalfStereoFrame) {
  test::ScratchFile file("half.wav");
  auto writer = WavWriter::open(file.str(), 48000, 2);
  ASSERT_TRUE(writer);
  const std::int16_t s[] = {1, 2, 3};
  auto r = writer->write(s);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("not a whole number of 2-channel frames"), std::string::npos);
}

TEST(Wav, UnknownChunksAreSkippedAndOddChunksPadded) {
  const Bytes file = riff({chunk("LIST", Bytes{'I', 'N', 'F', 'O', 'x'}), chunk("fmt ", fmt_body(1, 1, 16000, 16)),
                           chunk("fact", Bytes{0, 0, 0, 0}), chunk("data", pcm_body({5, -5, 32767}))});
  auto w = parse_wav(file);
  ASSERT_TRUE(w) << w.error().message;
  EXPECT_EQ(w->sample_rate, 16000);
  EXPECT_EQ(w->channels, 1);
  EXPECT_EQ(w->samples, (std::vector<std::int16_t>{5, -5, 32767}));
}

TEST(Wav, ExtensibleFormatWithPcmSubformatIsAccepted) {
  Bytes fmt = fmt_body(0xFFFE, 2, 48000, 16);
  put_le16(fmt, 22);      // cbSize
  put_le16(fmt, 16);      // valid bits
  put_le32(fmt, 3);       // channel mask: FL | FR
  put_le16(fmt, 1);       // sub-format GUID, PCM ...
  fmt.resize(fmt.size() + 14, 0x11);  // ... rest of the GUID
  auto w = parse_wav(riff({chunk("fmt ", fmt), chunk("data", pcm_body({1, 2}))}));
  ASSERT_TRUE(w) << w.error().message;
  EXPECT_EQ(w->channels, 2);
}

TEST(Wav, NotRiffIsNamed) {
  EXPECT_EQ(error_of(Bytes{'R', 'I', 'F', 'X', 0, 0, 0, 0, 'W', 'A', 'V', 'E'}), "in.wav: not a RIFF file");
  EXPECT_EQ(error_of(Bytes{}), "in.wav: not a RIFF file");
}

TEST(Wav, OtherRiffFormsAreNamed) {
  Bytes avi;
  put_text(avi, "RIFF");
  put_le32(avi, 4);
  put_text(avi, "AVI ");
  EXPECT_EQ(error_of(avi), "in.wav: RIFF form type 'AVI ' is not WAVE");
}

TEST(Wav, TwentyFourBitSamplesAreRefusedByName) {
  EXPECT_EQ(error_of(riff({chunk("fmt ", fmt_body(1, 2, 48000, 24)), chunk("data", Bytes(6))})),
            "in.wav: fmt chunk: 24-bit samples are not supported (16-bit PCM only)");
}

TEST(Wav, FloatAndSurroundAreRefused) {
  EXPECT_NE(error_of(riff({chunk("fmt ", fmt_body(3, 1, 48000, 32)), chunk("data", Bytes(4))}))
                .find("format 3 (IEEE float) is not supported"),
            std::string::npos);
  EXPECT_NE(error_of(riff({chunk("fmt ", fmt_body(1, 6, 48000, 16)), chunk("data", Bytes(12))}))
                .find("6 channels are not supported"),
            std::string::npos);
}

TEST(Wav, TruncatedDataIsNamed) {
  Bytes file = format_wav(stereo_ramp());
  file.resize(file.size() - 10);
  EXPECT_EQ(error_of(file), "in.wav: data chunk declares 4004 bytes but only 3994 follow (truncated file)");
}

TEST(Wav, MissingChunksAndOrderAreNamed) {
  EXPECT_EQ(error_of(riff({chunk("data", pcm_body({1}))})), "in.wav: data chunk at byte 12 comes before the fmt chunk");
  EXPECT_EQ(error_of(riff({chunk("fmt ", fmt_body(1, 1, 8000, 16))})), "in.wav: no data chunk");
  EXPECT_EQ(error_of(riff({})), "in.wav: no fmt chunk");
}

TEST(Wav, TruncatedChunkHeaderIsNamed) {
  Bytes file = riff({chunk("fmt ", fmt_body(1, 1, 8000, 16))});
  file.insert(file.end(), {'d', 'a', 't'});
  file[4] = static_cast<std::uint8_t>(file.size() - 8);
  EXPECT_EQ(error_of(file), "in.wav: chunk header at byte 36: 3 bytes left, a header takes 8 (truncated file)");
}

TEST(Wav, OddDataLengthInStereoIsNamed) {
  EXPECT_EQ(error_of(riff({chunk("fmt ", fmt_body(1, 2, 8000, 16)), chunk("data", pcm_body({1, 2, 3}))})),
            "in.wav: data chunk: 6 bytes is not a whole number of 4-byte sample frames");
}

TEST(Wav, MissingFileIsNamed) {
  auto w = read_wav("/nonexistent/dir/in.wav");
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().message, "/nonexistent/dir/in.wav: cannot open for reading");
}

}  // namespace
}  // namespace confab::media
