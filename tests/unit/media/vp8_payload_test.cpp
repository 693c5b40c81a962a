// RFC 7741: descriptor and payload header codecs, the packetizer, and the
// depacketizer under reordering, duplication, loss and sequence wrap.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "media/pattern.hpp"
#include "media/vp8_codec.hpp"
#include "media/vp8_payload.hpp"

namespace confab::media {
namespace {

// A stand-in VP8 frame: a valid payload header, then filler.
Bytes fake_frame(bool key, std::size_t size, std::uint8_t seed) {
  Bytes f(std::max<std::size_t>(size, 10), seed);
  f[0] = key ? 0x10 : 0x11;  // show_frame, version 0, P bit
  f[1] = 0;
  f[2] = 0;
  if (key) {
    f[3] = 0x9d;
    f[4] = 0x01;
    f[5] = 0x2a;
    f[6] = 64;  // 64x48
    f[7] = 0;
    f[8] = 48;
    f[9] = 0;
  }
  for (std::size_t i = 10; i < f.size(); ++i) f[i] = static_cast<std::uint8_t>(seed + i);
  return f;
}

struct Rtp {
  std::uint16_t seq;
  std::uint32_t ts;
  bool marker;
  Bytes payload;
};

// Packetizes frames into an RTP-like stream starting at `seq`.
std::vector<Rtp> stream(const std::vector<Bytes>& frames, std::uint16_t seq, std::size_t mtu = 100) {
  Vp8Packetizer p(mtu, 0x7FFE);
  std::vector<Rtp> out;
  std::uint32_t ts = 1000;
  for (const Bytes& f : frames) {
    auto payloads = p.packetize(f);
    EXPECT_TRUE(payloads);
    for (std::size_t i = 0; i < payloads->size(); ++i) {
      out.push_back({seq++, ts, i + 1 == payloads->size(), (*payloads)[i]});
    }
    ts += 3000;
  }
  return out;
}

struct Received {
  std::vector<Vp8ReceivedFrame> frames;
  std::vector<std::string> requests;
};

Received feed(Vp8Depacketizer& d, const std::vector<Rtp>& packets) {
  Received r;
  for (const Rtp& p : packets) {
    auto ok = d.handle_packet(p.seq, p.ts, p.marker, p.payload);
    EXPECT_TRUE(ok) << ok.error().message;
    while (auto f = d.poll_frame()) r.frames.push_back(std::move(*f));
    while (auto k = d.poll_keyframe_request()) r.requests.push_back(*k);
  }
  return r;
}

std::vector<Bytes> gop(int n, std::size_t size = 250) {
  std::vector<Bytes> frames;
  for (int i = 0; i < n; ++i) frames.push_back(fake_frame(i == 0, size + static_cast<std::size_t>(i), static_cast<std::uint8_t>(i)));
  return frames;
}

TEST(Vp8Descriptor, EveryFieldRoundTrips) {
  Vp8Descriptor d;
  d.non_reference = true;
  d.start_of_partition = true;
  d.partition_id = 5;
  d.picture_id = 0x1234;
  d.long_picture_id = true;
  d.tl0picidx = 200;
  d.temporal_id = 2;
  d.layer_sync = true;
  d.key_idx = 17;
  Bytes b;
  write_vp8_descriptor(b, d);
  EXPECT_EQ(b, (Bytes{0xB5, 0xF0, 0x92, 0x34, 200, 0xB1}));
  auto back = parse_vp8_descriptor(b);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->size, 6u);
  EXPECT_EQ(back->picture_id, 0x1234);
  EXPECT_TRUE(back->long_picture_id);
  EXPECT_EQ(back->tl0picidx, 200);
  EXPECT_EQ(back->temporal_id, 2);
  EXPECT_TRUE(back->layer_sync);
  EXPECT_EQ(back->key_idx, 17);
  EXPECT_EQ(back->partition_id, 5);
  EXPECT_TRUE(back->non_reference);
}

TEST(Vp8Descriptor, ShortFormsParse) {
  auto one = parse_vp8_descriptor(Bytes{0x10, 0xAA});
  ASSERT_TRUE(one);
  EXPECT_EQ(one->size, 1u);
  EXPECT_TRUE(one->starts_frame());
  EXPECT_FALSE(one->picture_id);
  auto seven = parse_vp8_descriptor(Bytes{0x90, 0x80, 0x15});
  ASSERT_TRUE(seven);
  EXPECT_EQ(seven->picture_id, 0x15);
  EXPECT_FALSE(seven->long_picture_id);
}

TEST(Vp8Descriptor, TruncationsAreNamed) {
  EXPECT_EQ(parse_vp8_descriptor(Bytes{}).error().message, "VP8 payload descriptor: empty payload");
  EXPECT_EQ(parse_vp8_descriptor(Bytes{0x80}).error().message,
            "VP8 payload descriptor: X bit set but the extension byte (byte 1) is missing");
  EXPECT_EQ(parse_vp8_descriptor(Bytes{0x80, 0x80}).error().message,
            "VP8 payload descriptor: I bit set but the PictureID (byte 2) is missing");
  EXPECT_EQ(parse_vp8_descriptor(Bytes{0x80, 0x80, 0x80}).error().message,
            "VP8 payload descriptor: M bit set but the second PictureID byte (byte 3) is missing");
  EXPECT_EQ(parse_vp8_descriptor(Bytes{0x80, 0x40}).error().message,
            "VP8 payload descriptor: L bit set but TL0PICIDX (byte 2) is missing");
  EXPECT_EQ(parse_vp8_descriptor(Bytes{0x80, 0x10}).error().message,
            "VP8 payload descriptor: T or K bit set but the TID/KEYIDX byte (byte 2) is missing");
}

TEST(Vp8PayloadHeader, ReadsARealKeyframe) {
  auto enc = Vp8Encoder::create({});
  ASSERT_TRUE(enc);
  auto out = enc->encode(TestPattern(320, 240).frame(0));
  auto h = parse_vp8_payload_header((*out)[0].data);
  ASSERT_TRUE(h) << h.error().message;
  EXPECT_TRUE(h->keyframe);
  EXPECT_TRUE(h->show_frame);
  EXPECT_EQ(h->width, 320);
  EXPECT_EQ(h->height, 240);
  EXPECT_GT(h->first_partition_size, 0u);
  EXPECT_LT(h->first_partition_size, (*out)[0].data.size());
  auto delta = enc->encode(TestPattern(320, 240).frame(1));
  auto hd = parse_vp8_payload_header((*delta)[0].data);
  ASSERT_TRUE(hd);
  EXPECT_FALSE(hd->keyframe);
}

TEST(Vp8PayloadHeader, ErrorsAreNamed) {
  EXPECT_EQ(parse_vp8_payload_header(Bytes{0x10}).error().message, "VP8 payload header: 1 bytes, the header takes 3");
  EXPECT_EQ(parse_vp8_payload_header(Bytes{0x0E, 0, 0}).error().message,
            "VP8 payload header: version 7 is not 0..3");
  EXPECT_EQ(parse_vp8_payload_header(Bytes{0x10, 0, 0, 1, 2, 3, 4, 5, 6, 7}).error().message,
            "VP8 payload header: keyframe without the 9d 01 2a start code (bytes 3..5)");
}

TEST(Vp8Packetizer, SplitsIntoEqualPayloadsWithinTheLimit) {
  Vp8Packetizer p(100, 0x7FFF);
  const Bytes frame = fake_frame(true, 1000, 1);
  auto payloads = p.packetize(frame);
  ASSERT_TRUE(payloads);
  ASSERT_EQ(payloads->size(), 11u);  // 96 bytes of room each
  Bytes joined;
  for (std::size_t i = 0; i < payloads->size(); ++i) {
    const Bytes& pl = (*payloads)[i];
    EXPECT_LE(pl.size(), 100u);
    EXPECT_GE(pl.size(), 94u);
    auto d = parse_vp8_descriptor(pl);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->start_of_partition, i == 0);
    EXPECT_EQ(d->partition_id, 0);
    EXPECT_FALSE(d->non_reference);
    EXPECT_EQ(d->picture_id, 0x7FFF);
    EXPECT_TRUE(d->long_picture_id);
    joined.insert(joined.end(), pl.begin() + 4, pl.end());
  }
  EXPECT_EQ(joined, frame);
  auto next = p.packetize(frame);
  EXPECT_EQ(parse_vp8_descriptor((*next)[0])->picture_id, 0);  // 15-bit wrap
  EXPECT_EQ(Vp8Packetizer(4).packetize(frame).error().message,
            "VP8 packetizer: maximum payload size 4 leaves no room after the 4-byte descriptor");
  EXPECT_FALSE(p.packetize(Bytes{}));
}

TEST(Vp8Depacketizer, InOrderStreamComesOutWhole) {
  const auto frames = gop(10);
  Vp8Depacketizer d;
  auto r = feed(d, stream(frames, 100));
  ASSERT_EQ(r.frames.size(), frames.size());
  for (std::size_t i = 0; i < frames.size(); ++i) {
    EXPECT_EQ(r.frames[i].data, frames[i]);
    EXPECT_EQ(r.frames[i].timestamp, 1000 + 3000 * i);
    EXPECT_EQ(r.frames[i].keyframe, i == 0);
  }
  EXPECT_EQ(r.frames[1].picture_id, 0x7FFF);
  EXPECT_EQ(r.frames[2].picture_id, 0);
  EXPECT_TRUE(r.requests.empty());
  EXPECT_EQ(d.stats().frames_out, 10u);
}

TEST(Vp8Depacketizer, SequenceNumbersWrapAround) {
  const auto frames = gop(6);
  Vp8Depacketizer d;
  auto r = feed(d, stream(frames, 65530));
  ASSERT_EQ(r.frames.size(), 6u);
  EXPECT_EQ(r.frames.back().data, frames.back());
  EXPECT_TRUE(r.requests.empty());
}

TEST(Vp8Depacketizer, ReorderingWithinTheWindowLosesNothing) {
  const auto frames = gop(20);
  auto packets = stream(frames, 40000);
  // Shuffle within blocks of 5 packets: crosses frame boundaries.
  std::mt19937 rng(7);
  for (std::size_t i = 0; i + 5 <= packets.size(); i += 5) {
    std::shuffle(packets.begin() + static_cast<std::ptrdiff_t>(i), packets.begin() + static_cast<std::ptrdiff_t>(i + 5), rng);
  }
  // ...and a duplicate.
  packets.insert(packets.begin() + 9, packets[3]);
  Vp8Depacketizer d;
  auto r = feed(d, packets);
  ASSERT_EQ(r.frames.size(), frames.size());
  for (std::size_t i = 0; i < frames.size(); ++i) EXPECT_EQ(r.frames[i].data, frames[i]) << i;
  EXPECT_TRUE(r.requests.empty());
  // Counted as a duplicate, or as late if its frame was already delivered.
  EXPECT_EQ(d.stats().packets_duplicate + d.stats().packets_late, 1u);
}

TEST(Vp8Depacketizer, LostPacketMeansFrameLostNeedKeyframeThenOnlyKeyframesUntilOne) {
  auto frames = gop(8);
  frames.push_back(fake_frame(true, 250, 99));  // the keyframe sent after the PLI
  frames.push_back(fake_frame(false, 250, 100));
  auto packets = stream(frames, 500);
  // Drop the second packet of frame 3 (each frame is 3 packets at mtu 100).
  packets.erase(packets.begin() + 3 * 3 + 1);
  Vp8Depacketizer d;
  auto r = feed(d, packets);
  ASSERT_EQ(r.requests.size(), 1u);
  EXPECT_EQ(r.requests[0], "frame lost (seq 510 of the frame at seq 509 missing), need keyframe");
  // Frames 0-2 before the loss; 4-7 dropped (delta); then the keyframe and its successor.
  ASSERT_EQ(r.frames.size(), 5u);
  EXPECT_EQ(r.frames[2].data, frames[2]);
  EXPECT_TRUE(r.frames[3].keyframe);
  EXPECT_EQ(r.frames[3].data, frames[8]);
  EXPECT_EQ(r.frames[4].data, frames[9]);
  EXPECT_EQ(d.stats().frames_lost, 1u);
  EXPECT_EQ(d.stats().frames_dropped, 4u);
  EXPECT_FALSE(d.waiting_for_keyframe());
}

TEST(Vp8Depacketizer, AWholeMissingFrameIsSeenFromTheSequenceGap) {
  const auto frames = gop(6, 50);  // one packet per frame
  auto packets = stream(frames, 7);
  packets.erase(packets.begin() + 2);
  Vp8Depacketizer d;
  auto r = feed(d, packets);
  ASSERT_EQ(r.requests.size(), 1u);
  EXPECT_EQ(r.requests[0], "frame lost (seq 9 missing), need keyframe");
  EXPECT_EQ(r.frames.size(), 2u);
  // A late arrival of the lost packet is counted and ignored.
  ASSERT_TRUE(d.handle_packet(9, 7000, true, stream(frames, 7)[2].payload));
  EXPECT_EQ(d.stats().packets_late, 1u);
  EXPECT_FALSE(d.poll_frame());
}

TEST(Vp8Depacketizer, StartingOnADeltaFrameAsksForAKeyframe) {
  auto frames = gop(4);
  frames.erase(frames.begin());
  Vp8Depacketizer d;
  auto r = feed(d, stream(frames, 1));
  EXPECT_TRUE(r.frames.empty());
  ASSERT_EQ(r.requests.size(), 1u);
  EXPECT_EQ(r.requests[0], "stream starts with a delta frame (seq 1), need keyframe");
}

TEST(Vp8Depacketizer, KeepsAskingWhileNoKeyframeComes) {
  Vp8DepacketizerConfig cfg;
  cfg.rerequest_after_frames = 5;
  auto frames = gop(30, 50);
  frames.erase(frames.begin());
  Vp8Depacketizer d(cfg);
  auto r = feed(d, stream(frames, 1));
  EXPECT_EQ(r.requests.size(), 1u + (29 - 1) / 5);
}

TEST(Vp8Depacketizer, MalformedPayloadsAreNamedAndCountAsMissing) {
  Vp8Depacketizer d;
  auto r = d.handle_packet(42, 0, true, Bytes{0x80});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "seq 42: VP8 payload descriptor: X bit set but the extension byte (byte 1) is missing");
  auto e = d.handle_packet(43, 0, true, Bytes{0x10});
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().message, "seq 43: VP8 payload: no frame data after the 1-byte descriptor");
  EXPECT_EQ(d.stats().packets_malformed, 2u);
}

TEST(Vp8Depacketizer, MissingMarkerBitEndsAFrameAtTheNextTimestamp) {
  const auto frames = gop(3, 50);
  auto packets = stream(frames, 1);
  for (auto& p : packets) p.marker = false;
  Vp8Depacketizer d;
  auto r = feed(d, packets);
  ASSERT_EQ(r.frames.size(), 2u);  // the last one has nothing after it yet
  EXPECT_EQ(r.frames[1].data, frames[1]);
}

// The real chain: encoder → packetizer → a lossy, reordering link →
// depacketizer → decoder, with the PLI answered by a keyframe.
TEST(Vp8Depacketizer, EndToEndWithLossAndReorderingRecoversThroughPli) {
  auto enc = Vp8Encoder::create({});
  auto dec = Vp8Decoder::create();
  ASSERT_TRUE(enc && dec);
  TestPattern pattern(320, 240);
  Vp8Packetizer packetizer(300);
  Vp8Depacketizer depacketizer;
  std::mt19937 rng(1);
  std::uint16_t seq = 60000;
  // The link: packet i arrives at 2i, or at 2i + 3 (after packet i + 1) one
  // time in four; the first packet of frames 30 and 70 never arrives.
  std::vector<std::pair<std::uint64_t, Rtp>> link;
  std::uint64_t sent = 0;
  int shown = 0, plis = 0, lost_packets = 0;
  std::uint16_t last_number = 0;
  bool have_last = false;
  for (std::uint32_t n = 0; n < 120; ++n) {
    auto out = enc->encode(pattern.frame(n));
    ASSERT_TRUE(out);
    for (const auto& f : *out) {
      auto payloads = packetizer.packetize(f.data);
      for (std::size_t i = 0; i < payloads->size(); ++i) {
        Rtp p{seq++, n * 3000, i + 1 == payloads->size(), (*payloads)[i]};
        const std::uint64_t arrival = 2 * sent + (rng() % 4 == 0 ? 3 : 0);
        ++sent;
        if ((n == 30 || n == 70) && i == 0) {
          ++lost_packets;
          continue;
        }
        link.emplace_back(arrival, std::move(p));
      }
    }
    std::stable_sort(link.begin(), link.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
    std::size_t delivered = 0;
    for (; delivered < link.size() && link[delivered].first < 2 * sent; ++delivered) {
      const Rtp& p = link[delivered].second;
      ASSERT_TRUE(depacketizer.handle_packet(p.seq, p.ts, p.marker, p.payload));
    }
    link.erase(link.begin(), link.begin() + static_cast<std::ptrdiff_t>(delivered));
    if (depacketizer.poll_keyframe_request()) {
      ++plis;
      enc->request_keyframe();
    }
    while (auto f = depacketizer.poll_frame()) {
      auto picture = dec->decode(f->data);
      ASSERT_TRUE(picture) << picture.error().message;
      ASSERT_TRUE(picture->has_value());
      auto number = read_frame_number(**picture);
      ASSERT_TRUE(number);
      if (have_last) EXPECT_GT(*number, last_number);  // in order, never repeated
      last_number = *number;
      have_last = true;
      ++shown;
    }
  }
  EXPECT_EQ(lost_packets, 2);
  EXPECT_EQ(plis, 2);
  EXPECT_EQ(depacketizer.stats().frames_lost, 2u);
  EXPECT_GT(shown, 100);
  EXPECT_GE(last_number, 115);
}

}  // namespace
}  // namespace confab::media
