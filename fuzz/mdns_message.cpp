// libFuzzer target for the mDNS/DNS codec: arbitrary bytes must parse or
// give a decode error (never crash, never loop on compression pointers);
// what parses must serialize and parse back to the same message (names
// compressed differently, same meaning), and the TXT/presence readers must
// accept whatever TXT strings it holds.
#include <cstdio>
#include <cstdlib>

#include "mdns/link_presence.hpp"
#include "mdns/message.hpp"
#include "mdns/txt.hpp"

namespace {

using namespace confab;
using namespace confab::mdns;

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "mdns_message invariant broken: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto m = parse(ByteView(data, size));
  if (!m) {
    check(!m.error().message().empty(), "error message");
    check(m.error().offset <= size, "error offset inside the input");
    return 0;
  }
  check(is_encodable(*m), "a parsed message is encodable");
  const Bytes wire = serialize(*m);
  auto again = parse(wire);
  if (!again) {
    std::fprintf(stderr, "%s\n", again.error().message().c_str());
    check(false, "serialized message parses");
  }
  check(*again == *m, "round trip keeps the message");
  for (const auto* list : {&m->answers, &m->additionals})
    for (const auto& r : *list)
      if (const auto* t = std::get_if<TxtRecord>(&r.data)) {
        auto attrs = TxtAttributes::from_record(*t);
        (void)presence_from_txt(attrs);
        (void)attrs.to_record();
      }
  return 0;
}
