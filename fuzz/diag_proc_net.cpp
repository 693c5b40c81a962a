// libFuzzer target for the /proc/net socket table parser: the first byte
// picks the table (tcp/udp, v4/v6), the rest is its text. Bad input gives
// an error naming a line inside the text, never a crash.
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "diag/proc_net.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace confab;
  using namespace confab::diag;
  if (size == 0) return 0;
  const Proto proto = (data[0] & 1) ? Proto::udp : Proto::tcp;
  const IpFamily family = (data[0] & 2) ? IpFamily::v6 : IpFamily::v4;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  auto t = parse_proc_net(text, proto, family);
  if (!t) {
    if (t.error().message().empty()) std::abort();
    return 0;
  }
  for (const auto& s : *t)
    if (s.proto != proto || s.local.ip.family() != family) std::abort();
  return 0;
}
