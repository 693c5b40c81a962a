// libFuzzer target for the STUN codec: parse arbitrary bytes; when they
// parse, every accessor must agree with what parse() validated, and the
// message rebuilt from its raw attributes must parse again to the same thing.
#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "stun/attributes.hpp"
#include "stun/message.hpp"

namespace {

using namespace confab;
using namespace confab::stun;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "stun_message invariant broken: %s\n", what);
  std::abort();
}

void check(bool ok, const char* what) {
  if (!ok) fail(what);
}

// Calls every accessor; for a known attribute, the one matching its kind
// must succeed, since parse() validated it.
void exercise_accessors(const Message& m) {
  (void)m.transaction_id.to_hex();
  (void)method_name(m.method);
  (void)to_string(m.cls);
  (void)m.response_port();
  (void)m.change_request();
  (void)m.error_code();
  (void)m.unknown_attributes();
  (void)m.unknown_comprehension_required();
  for (const RawAttribute& a : m.attributes) {
    (void)attr::name(a.type);
    auto addr = m.address(a.type);
    auto xaddr = m.xor_address(a.type);
    auto str = m.string(a.type);
    auto n32 = m.u32(a.type);
    auto n64 = m.u64(a.type);
    check(str.has_value(), "string() of a present attribute");
    const attr::Info* row = attr::info(a.type);
    if (row == nullptr || m.find(a.type) != &a) continue;
    switch (row->kind) {
      case attr::ValueKind::address: check(addr.has_value(), "address() of a validated address"); break;
      case attr::ValueKind::xor_address:
        check(xaddr.has_value() != m.is_classic(), "xor_address() of a validated XOR address");
        break;
      case attr::ValueKind::u32: check(n32.has_value(), "u32() of a validated number"); break;
      case attr::ValueKind::u64: check(n64.has_value(), "u64() of a validated number"); break;
      case attr::ValueKind::error: check(m.error_code().has_value(), "error_code() of a validated ERROR-CODE"); break;
      default: break;
    }
  }
  if (m.has(attr::response_port)) check(m.response_port().has_value(), "response_port()");
  if (m.has(attr::change_request)) check(m.change_request().has_value(), "change_request()");
}

void rebuild_and_reparse(const Message& m) {
  MessageBuilder b(m.cls, m.method, m.transaction_id, m.cookie);
  for (const RawAttribute& a : m.attributes) {
    // FINGERPRINT covers the padding, which the builder writes as zeros
    // where the input may have had anything: compute it afresh.
    if (a.type == attr::fingerprint) {
      b.add_fingerprint();
    } else {
      b.add_raw(a.type, a.value);
    }
  }
  Bytes out = std::move(b).finish();
  check(out.size() == m.raw.size(), "rebuilt size");
  auto again = parse(out);
  if (!again) {
    std::fprintf(stderr, "%s\n", again.error().message().c_str());
    fail("rebuilt message does not parse");
  }
  check(again->cls == m.cls && again->method == m.method, "rebuilt type");
  check(again->cookie == m.cookie && again->transaction_id == m.transaction_id, "rebuilt header");
  check(again->attributes.size() == m.attributes.size(), "rebuilt attribute count");
  for (std::size_t i = 0; i < m.attributes.size(); ++i) {
    const RawAttribute& x = m.attributes[i];
    const RawAttribute& y = again->attributes[i];
    check(x.type == y.type && x.offset == y.offset, "rebuilt attribute type/offset");
    if (x.type == attr::fingerprint) continue;
    check(x.value.size() == y.value.size() && std::equal(x.value.begin(), x.value.end(), y.value.begin()),
          "rebuilt attribute value");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ByteView in(data, size);
  (void)looks_like_stun(in);
  (void)stream_frame_size(in);
  auto m = parse(in);
  if (!m) {
    check(!m.error().message().empty(), "error message");
    return 0;
  }
  exercise_accessors(*m);
  static const std::uint8_t key[] = {'V', 'O', 'k', 'J', 'x', 'b', 'R', 'l', '1', 'R', 'm',
                                     'T', 'x', 'U', 'k', '/', 'W', 'v', 'J', 'x', 'B', 't'};
  (void)verify_message_integrity(*m, key);
  (void)verify_message_integrity_sha256(*m, key);
  rebuild_and_reparse(*m);
  return 0;
}
