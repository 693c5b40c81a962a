// libFuzzer target for the netlink sock_diag codec: the first byte picks
// the dump (TCP/UDP, IPv4/IPv6), the rest is a datagram "from the kernel".
// Bad input must give an error with a message, never a crash; every socket
// parsed must encode back to a message that parses to the same socket.
#include <cstdio>
#include <cstdlib>

#include "diag/sock_diag.hpp"

namespace {

using namespace confab;
using namespace confab::diag;

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "diag_sock_diag invariant broken: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const SockDiagQuery q{(data[0] & 1) ? Proto::udp : Proto::tcp, (data[0] & 2) ? IpFamily::v6 : IpFamily::v4, 1};
  auto chunk = parse_dump_datagram(ByteView(data + 1, size - 1), q);
  if (!chunk) {
    check(!chunk.error().message().empty(), "error message");
    check(chunk.error().offset <= size - 1, "error offset inside the datagram");
    return 0;
  }
  for (const auto& s : chunk->sockets) {
    check(s.local.ip.family() == q.family && s.remote.ip.family() == q.family, "family as asked");
    Bytes again = encode_diag_message(s, 1);
    const Bytes done = encode_done(1);
    again.insert(again.end(), done.begin(), done.end());
    auto back = parse_dump_datagram(again, q);
    check(back.has_value(), "re-encoded socket parses");
    check(back->done && back->sockets.size() == 1, "one socket then done");
    check(back->sockets[0] == s, "same socket after the round trip");
  }
  return 0;
}
