// libFuzzer target for TLS 1.3 record protection after the handshake: a
// peer controls every byte we open. Arbitrary bytes must be taken or
// refused with an error, never crash; the first byte picks how the input is
// cut, so unfinished records are exercised. Whatever we seal, a matching
// layer must open to the same bytes.
#include <cstdio>
#include <cstdlib>

#include "tls/records.hpp"

namespace {
using namespace confab;
using namespace confab::tls;

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "tls_records invariant broken: %s\n", what);
    std::abort();
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const Bytes a(32, 0x5a), b(32, 0xa5);
  auto server = Tls13Records::create(Tls13Suite::aes_128_gcm_sha256, a, b);
  auto client = Tls13Records::create(Tls13Suite::aes_128_gcm_sha256, b, a);
  check(server && client, "create");

  // Raw bytes from a peer, in two pieces.
  const ByteView input(data + 1, size - 1);
  const std::size_t cut = input.empty() ? 0 : data[0] % (input.size() + 1);
  Bytes plain, reply, pending(input.begin(), input.begin() + static_cast<std::ptrdiff_t>(cut));
  auto r = server->open(pending, plain, reply);
  check(r.consumed <= pending.size(), "consumed within input");
  check(r.status != Tls13Records::Status::failed || !r.error.empty(), "a failure names its reason");
  if (r.status == Tls13Records::Status::ok) {
    pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(r.consumed));
    pending.insert(pending.end(), input.begin() + static_cast<std::ptrdiff_t>(cut), input.end());
    r = server->open(pending, plain, reply);
    check(r.consumed <= pending.size(), "consumed within input (second piece)");
  }

  // Round trip of the same bytes as plaintext.
  Bytes wire, opened, none;
  client->seal(input, wire);
  auto round = Tls13Records::create(Tls13Suite::aes_128_gcm_sha256, b, a);
  auto back = Tls13Records::create(Tls13Suite::aes_128_gcm_sha256, a, b);
  Bytes wire2;
  round->seal(input, wire2);
  auto o = back->open(wire2, opened, none);
  check(o.status == Tls13Records::Status::ok && o.consumed == wire2.size(), "sealed records open");
  check(opened == Bytes(input.begin(), input.end()), "round trip");
  return 0;
}
