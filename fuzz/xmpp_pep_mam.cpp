// libFuzzer target for the account features on the router: XEP-0313 archive
// queries, XEP-0163 pubsub requests (with the XEP-0398 and XEP-0402
// conversions they start), vCards, and XEP-0115 caps (presence, and answers
// to the server's disco#info queries), and the caps verification string of
// any element.
//
// Input: stanzas separated by a 0 byte, each parsed as one element and sent
// by alice (bob is her contact and online with caps; a few messages are
// archived beforehand). Whatever alice sends, the router must not crash,
// and every delivery must serialize and parse back.
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/rng.hpp"
#include "xmpp/caps.hpp"
#include "xmpp/mam.hpp"
#include "xmpp/memory_xmpp_store.hpp"
#include "xmpp/pep.hpp"
#include "xmpp/vcard.hpp"
#include "xmpp/xml_stream_parser.hpp"
#include "xmpp/xml_writer.hpp"

namespace {

using namespace confab;
using namespace confab::xmpp;

Element stanza(std::string_view text) {
  auto e = parse_element(text);
  if (!e) std::abort();
  e->ns = "jabber:client";
  return std::move(*e);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  MemoryXmppStore store;
  const Jid alice = Jid::parse("alice@example.com").value();
  const Jid bob = Jid::parse("bob@example.com").value();
  store.add_account(alice);
  store.add_account(bob);
  SeededRng rng{1};
  Router router({.domains = {"example.com"}}, store, rng);
  register_mam(router, store, rng, {.max_archived_messages = 20, .default_page = 5, .max_page = 10, .wall_clock = {}});
  // vCards too: XEP-0398 converts between their PHOTO and PEP avatars, and
  // XEP-0402 bookmarks between PEP nodes, on whatever alice stores.
  register_vcards(router, store, 8192,
                  register_pep(router, store, rng, {.max_nodes = 4, .max_items = 4, .max_item_bytes = 4096,
                                                    .caps_cache = 8, .max_vcard_bytes = 8192, .wall_clock = {}}));
  const Instant now{};
  if (!router.bind(1, alice, "a") || !router.bind(2, bob, "b")) std::abort();
  for (std::uint64_t s : {1, 2}) router.handle_stanza(now, s, stanza("<presence xmlns='jabber:client'/>"));
  router.handle_stanza(now, 2, stanza("<message xmlns='jabber:client' to='alice@example.com' type='chat'><body>1</body></message>"));
  router.handle_stanza(now, 1, stanza("<message xmlns='jabber:client' to='bob@example.com' type='chat'><body>2</body></message>"));
  while (router.poll_delivery()) {
  }

  std::string_view input(reinterpret_cast<const char*>(data), size);
  while (!input.empty()) {
    const auto end = input.find('\0');
    const std::string_view one = input.substr(0, end);
    input = end == std::string_view::npos ? std::string_view() : input.substr(end + 1);
    auto e = parse_element(one);
    if (!e) continue;
    (void)verification_string(*e);
    e->ns = "jabber:client";
    router.handle_stanza(now, 1, *e);
    while (auto d = router.poll_delivery())
      if (!parse_element(serialize(d->stanza))) std::abort();
  }
  return 0;
}
