// libFuzzer target for the RTCP codec: parse arbitrary bytes as a compound
// packet; when they parse, serializing and parsing again must give the same
// packets. NACK items must survive the lost-list round trip.
#include <cstdio>
#include <cstdlib>

#include "rtp/rtcp.hpp"

namespace {

using namespace confab;
using namespace confab::rtp;

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "rtp_rtcp invariant broken: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ByteView in(data, size);
  for (bool reduced : {true, false}) {
    auto packets = parse_rtcp(in, RtcpParseOptions{reduced});
    if (!packets) {
      check(!packets.error().message().empty(), "error message");
      continue;
    }
    const Bytes out = serialize_rtcp(*packets);
    auto again = parse_rtcp(out, RtcpParseOptions{reduced});
    if (!again) {
      std::fprintf(stderr, "%s\n", again.error().message().c_str());
      check(false, "reserialized compound parses");
    }
    check(*again == *packets, "reserialized packets equal");
    for (const RtcpPacket& p : *packets) {
      if (const auto* nack = std::get_if<GenericNack>(&p)) {
        const auto lost = lost_sequence_numbers(nack->items);
        const auto items = make_nack_items(lost);
        check(lost_sequence_numbers(items).size() <= lost.size(), "NACK items cover no more than given");
      }
      if (const auto* sdes = std::get_if<Sdes>(&p)) {
        for (const SdesChunk& c : sdes->chunks) (void)c.cname();
      }
    }
  }
  return 0;
}
