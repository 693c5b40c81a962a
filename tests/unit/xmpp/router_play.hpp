#pragma once
// A play for the router tests (Prosody's scansion style): alice (two
// resources), bob and carol on example.com, each a client that sends XML
// and reads what the router delivered to it, as XML text.
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <string>
#include <vector>

#include "core/rng.hpp"
#include "xmpp/memory_xmpp_store.hpp"
#include "xmpp/router.hpp"
#include "xmpp/xml_stream_parser.hpp"
#include "xmpp/xml_writer.hpp"

namespace confab::xmpp::test {

// "<message to='x'/>" in jabber:client, as a client writes it on its stream.
inline Element xml(std::string_view text) {
  std::string s(text);
  auto end = s.find_first_of(" />", 1);
  if (s.find("xmlns=", 0) == std::string::npos || s.find("xmlns=") > s.find('>'))
    s.insert(end, " xmlns='jabber:client'");
  auto e = parse_element(s);
  EXPECT_TRUE(e) << "bad test XML: " << text;
  return e ? std::move(*e) : Element();
}

// As the client would read it: jabber:client is the default namespace.
inline std::string text(const Element& e) {
  std::string s = serialize(e, Scope{"jabber:client", {{"stream", "http://etherx.jabber.org/streams"}}});
  // Server-made ids are random: shown as their prefix alone.
  static const std::regex ids("id='(push|block)[0-9a-f]+'");
  return std::regex_replace(s, ids, "id='$1'");
}

struct Client {
  std::uint64_t session = 0;
  Jid jid;
  std::string str() const { return jid.str(); }
};

class RouterPlay : public ::testing::Test {
 protected:
  static RouterConfig config() {
    RouterConfig c;
    c.domains = {"example.com"};
    c.server_version = "1.0";
    c.max_resources_per_account = 4;
    // Instant{} is 2001-09-09T01:46:40Z (XEP-0198 unacked stanzas' stamps).
    c.wall_clock = [](Instant t) {
      return std::chrono::system_clock::time_point(std::chrono::seconds(1'000'000'000)) +
             std::chrono::duration_cast<std::chrono::system_clock::duration>(t - Instant{});
    };
    return c;
  }

  RouterPlay() {
    for (const char* a : {"alice@example.com", "bob@example.com", "carol@example.com"})
      store.add_account(Jid::parse(a).value());
  }

  // Binds a resource (no presence yet).
  Client connect(std::string_view account, std::string_view resource) {
    const std::uint64_t id = ++next_session;
    auto jid = router.bind(id, Jid::parse(account).value(), resource);
    EXPECT_TRUE(jid) << (jid ? "" : jid.error().text);
    drain();
    return {id, jid ? *jid : Jid()};
  }

  // Binds, fetches the roster and sends initial presence, as a client
  // logging in does; the inbox starts empty.
  Client login(std::string_view account, std::string_view resource, int priority = 0) {
    Client c = connect(account, resource);
    send(c, "<iq type='get' id='roster1'><query xmlns='jabber:iq:roster'/></iq>");
    if (priority == 0) send(c, "<presence/>");
    else send(c, "<presence><priority>" + std::to_string(priority) + "</priority></presence>");
    inbox(c);
    return c;
  }

  void send(const Client& c, std::string_view stanza) {
    router.handle_stanza(now, c.session, xml(stanza));
    drain();
  }

  void close(const Client& c) {
    router.session_closed(now, c.session);
    drain();
  }

  // Everything delivered to `c` since the last look.
  std::vector<std::string> inbox(const Client& c) {
    auto out = std::move(got[c.session]);
    got[c.session].clear();
    return out;
  }

  void drain() {
    while (auto d = router.poll_delivery()) {
      got[d->session].push_back((d->close ? "CLOSE " : "") + text(d->stanza));
    }
  }

  // Clears every inbox.
  void forget() { got.clear(); }

  MemoryXmppStore store;
  SeededRng rng{7};
  Router router{config(), store, rng};
  Instant now{};
  std::uint64_t next_session = 0;
  std::map<std::uint64_t, std::vector<std::string>> got;
};

using Lines = std::vector<std::string>;

}  // namespace confab::xmpp::test
