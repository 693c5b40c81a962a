// libFuzzer target for the RTP header codec: parse arbitrary bytes; when
// they parse, serializing and parsing again must give the same packet, and
// RFC 8285 elements rebuilt into an extension must parse to the same list.
#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "rtp/packet.hpp"

namespace {

using namespace confab;
using namespace confab::rtp;

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "rtp_packet invariant broken: %s\n", what);
    std::abort();
  }
}

bool same(ByteView a, ByteView b) { return std::equal(a.begin(), a.end(), b.begin(), b.end()); }

void check_extension(const HeaderExtension& ext) {
  auto elements = parse_extension_elements(ext);
  if (!elements) {
    check(!elements.error().message().empty(), "extension error message");
    return;
  }
  HeaderExtension rebuilt = make_extension(*elements);
  auto again = parse_extension_elements(rebuilt);
  check(again.has_value(), "rebuilt extension parses");
  check(again->size() == elements->size(), "rebuilt element count");
  for (std::size_t i = 0; i < elements->size(); ++i) {
    check((*again)[i].id == (*elements)[i].id, "rebuilt element id");
    check(same((*again)[i].data, (*elements)[i].data), "rebuilt element data");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ByteView in(data, size);
  (void)looks_like_rtp_or_rtcp(in);
  (void)is_rtcp(in);
  auto p = parse_rtp(in);
  if (!p) {
    check(!p.error().message().empty(), "error message");
    return 0;
  }
  check(p->header_size + p->payload.size() + p->padding == size, "sizes add up");
  const Bytes out = serialize(*p);
  check(out.size() == size, "reserialized size");
  auto again = parse_rtp(out);
  check(again.has_value(), "reserialized packet parses");
  check(again->header == p->header, "reserialized header");
  check(again->padding == p->padding && again->header_size == p->header_size, "reserialized layout");
  check(same(again->payload, p->payload), "reserialized payload");
  if (p->header.extension) check_extension(*p->header.extension);
  return 0;
}
