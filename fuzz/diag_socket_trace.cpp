// libFuzzer target for the kernel trace line parser behind `confab ports
// --watch`: any text is a socket event or not, never a crash, and an event
// always has a process-context owner unless it is an accepted connection.
#include <cstdlib>
#include <string_view>

#include "diag/socket_trace.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace confab::diag;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto e = parse_socket_trace_line(text);
  if (!e) return 0;
  if (e->interrupt && e->kind != TraceKind::accept) std::abort();
  if ((e->kind == TraceKind::send || e->kind == TraceKind::connect) && (e->local.port == 0 || e->remote.port == 0))
    std::abort();
  return 0;
}
