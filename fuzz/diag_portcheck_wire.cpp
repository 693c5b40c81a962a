// libFuzzer target for the port-check protocol's codecs (src/diag): the
// binary probe, control commands and replies (with PORTCHECK 2's CATALOG
// line: JSON inside a control line), the SIP probe's recognition and
// stateless answer, and the line diff. Whatever parses must re-encode to
// something that parses to the same thing; answers are never larger than
// what provoked them.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "diag/portcheck_wire.hpp"
#include "diag/sip_probe.hpp"

namespace {

using namespace confab;
using namespace confab::diag;

void check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "portcheck_wire invariant broken: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ByteView bytes(data, size);
  if (auto p = parse_probe(bytes)) {
    auto again = parse_probe(encode_probe(*p));
    check(again.has_value(), "an encoded probe does not parse");
    check(again->kind == p->kind && again->token == p->token && again->client_port == p->client_port &&
              again->server_port == p->server_port && again->observed == p->observed,
          "probe round trip changed it");
  }
  const std::string_view text = as_chars(bytes);
  const std::string_view line = text.substr(0, text.find('\n'));
  if (auto c = parse_command(line)) {
    auto again = parse_command(format_command(*c));
    check(again.has_value(), "a formatted command does not parse");
    check(format_command(*again) == format_command(*c), "command round trip changed it");
  }
  if (auto r = parse_reply(line)) {
    check(r->catalog.size() <= catalog_max_entries, "a catalog longer than the limit was accepted");
    const auto formatted = format_reply(*r);
    for (char ch : formatted) check(ch >= 0x20 && ch <= 0x7e, "a formatted reply is not one printable line");
    auto again = parse_reply(formatted);
    check(again.has_value(), "a formatted reply does not parse");
    check(format_reply(*again) == formatted, "reply round trip changed it");
  }
  (void)sip_probe_token(bytes);
  auto answer = answer_sip_probe(bytes);
  if (answer.response) check(answer.response->size() <= size, "the SIP probe answer is an amplifier");
  const auto half = text.size() / 2;
  auto changes = diff_sip(text.substr(0, half), text.substr(half));
  if (text.substr(0, half) == text.substr(half)) check(changes.empty(), "identical halves differ");
  return 0;
}
