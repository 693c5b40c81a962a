// confab's client session against the server's own c2s session and router,
// wired together in memory: STARTTLS, SCRAM (with and without channel
// binding), binding, and messages both ways — both ends of the protocol in
// one test, no sockets.
#include "xmpp/client_session.hpp"

#include <gtest/gtest.h>

#include "../sasl/sasl_test_util.hpp"
#include "xmpp/c2s_session.hpp"
#include "xmpp/memory_xmpp_store.hpp"
#include "xmpp/namespaces.hpp"
#include "xmpp/router.hpp"
#include "xmpp/xml_builder.hpp"

using namespace confab;
using namespace confab::xmpp;

namespace {

const Bytes exporter(32, 0x42);

struct World {
  SeededRng rng{5};
  C2sConfig config;
  sasl::test::Accounts accounts;
  MemoryXmppStore store;
  Router router{RouterConfig{.domains = {"example.org"}}, store, rng};
  sasl::AuthLimiter limiter{{}};
  Instant now{};

  World() {
    config.hosts.push_back(sasl::test::server_config());  // example.org
    accounts.add("alice", "wonderland");
    accounts.add("bob", "builder");
    store.add_account(*Jid::parse("alice@example.org"));
    store.add_account(*Jid::parse("bob@example.org"));
  }

  // One client and its server-side session, connected by a pretend TCP
  // connection that can "do TLS" (by flag: the bytes are the same).
  struct Link {
    std::unique_ptr<C2sSession> server;
    std::unique_ptr<ClientSession> client;
    bool tls_supported = true;
    bool bind_channel = true;
  };

  std::unique_ptr<Link> connect(std::uint64_t id, const std::string& jid, const std::string& password,
                                bool bind_channel = true) {
    auto link = std::make_unique<Link>();
    link->bind_channel = bind_channel;
    AccountLookup lookup = [this](std::string_view, std::string_view user, sasl::ScramMechanism m) {
      return accounts.lookup()(user, m);
    };
    link->server = std::make_unique<C2sSession>(config, C2sConnection{id, *IpAddress::parse("192.0.2.7"), false, {}},
                                                lookup, router, rng, &limiter, now);
    ClientConfig cc;
    cc.account = *Jid::parse(jid);
    cc.password = password;
    cc.resource = "test";
    link->client = std::make_unique<ClientSession>(cc, rng);
    link->client->start();
    run(*link);
    return link;
  }

  // Moves bytes both ways until nothing moves; plays the TLS handshake when
  // both sides want it; routes what the server session hands the router.
  void run(Link& l) {
    for (int round = 0; round < 100; ++round) {
      bool moved = false;
      while (auto out = l.client->poll_output()) {
        l.server->handle_bytes(now, *out);
        moved = true;
      }
      while (auto out = l.server->poll_output()) {
        l.client->handle_bytes(as_bytes(*out));
        moved = true;
      }
      while (auto st = l.server->poll_inbound()) {
        router.handle_stanza(now, l.server->id(), *st);
        moved = true;
      }
      while (auto d = router.poll_delivery()) {
        auto* target = find(d->session);
        if (!target) continue;
        if (d->close)
          target->server->close_with_error(d->stanza);
        else
          target->server->send(d->stanza);
        moved = true;
      }
      if (l.client->wants_tls() && l.server->wants_tls()) {
        std::vector<sasl::ChannelBinding> b;
        if (l.bind_channel) b.push_back({"tls-exporter", exporter});
        l.server->tls_established(now, b);
        l.client->tls_established({l.bind_channel ? exporter : Bytes{}});
        moved = true;
      }
      for (Link* other : links)
        if (other != &l)
          while (auto out = other->server->poll_output()) {
            other->client->handle_bytes(as_bytes(*out));
            moved = true;
          }
      if (!moved) return;
    }
  }

  std::vector<Link*> links;
  Link* find(std::uint64_t id) {
    for (Link* l : links)
      if (l->server->id() == id) return l;
    return nullptr;
  }
};

Element chat(const std::string& to, const std::string& body) {
  return Builder("message", std::string(ns::client)).attr("to", to).attr("type", "chat").tag("body").text(body).up().build();
}

}  // namespace

TEST(ClientSession, LogsInWithStartTlsAndScramSha256PlusAndBinds) {
  World w;
  auto alice = w.connect(1, "alice@example.org", "wonderland");
  EXPECT_EQ(alice->client->state(), ClientState::established) << alice->client->failure();
  EXPECT_EQ(alice->client->jid().str(), "alice@example.org/test");
  EXPECT_EQ(alice->client->mechanism(), "SCRAM-SHA-256-PLUS");  // bound to the TLS channel
  EXPECT_TRUE(alice->server->is_established());
}

TEST(ClientSession, WithoutChannelDataItUsesPlainScramSha256) {
  World w;
  auto alice = w.connect(1, "alice@example.org", "wonderland", /*bind_channel=*/false);
  EXPECT_EQ(alice->client->state(), ClientState::established) << alice->client->failure();
  EXPECT_EQ(alice->client->mechanism(), "SCRAM-SHA-256");
}

TEST(ClientSession, AWrongPasswordEndsInAnAuthenticationFailure) {
  World w;
  auto alice = w.connect(1, "alice@example.org", "guess");
  EXPECT_EQ(alice->client->state(), ClientState::failed);
  EXPECT_EQ(alice->client->failure().rfind("authentication failed: not-authorized", 0), 0u) << alice->client->failure();
}

TEST(ClientSession, RefusesToAuthenticateWhenTheServerOffersNoTls) {
  World w;
  w.config.offer_starttls = false;
  w.config.require_tls = false;
  auto alice = w.connect(1, "alice@example.org", "wonderland");
  EXPECT_EQ(alice->client->state(), ClientState::failed);
  EXPECT_NE(alice->client->failure().find("no STARTTLS"), std::string::npos) << alice->client->failure();
}

TEST(ClientSession, MessagesGoBothWaysThroughTheRouter) {
  World w;
  auto alice = w.connect(1, "alice@example.org", "wonderland");
  auto bob = w.connect(2, "bob@example.org", "builder");
  w.links = {alice.get(), bob.get()};
  // Both announce themselves (messages to bare JIDs go to available resources).
  alice->client->send(Builder("presence", std::string(ns::client)).build());
  bob->client->send(Builder("presence", std::string(ns::client)).build());
  w.run(*alice);
  w.run(*bob);
  while (alice->client->poll_stanza()) {
  }
  while (bob->client->poll_stanza()) {
  }

  alice->client->send(chat("bob@example.org", "hi bob"));
  w.run(*alice);
  w.run(*bob);
  std::optional<Element> got;
  while (auto s = bob->client->poll_stanza())
    if (s->is("message", ns::client)) got = *s;
  ASSERT_TRUE(got);
  EXPECT_EQ(got->child_text("body"), "hi bob");
  EXPECT_EQ(got->attribute("from"), "alice@example.org/test");

  bob->client->send(chat("alice@example.org/test", "hi alice"));
  w.run(*bob);
  w.run(*alice);
  got.reset();
  while (auto s = alice->client->poll_stanza())
    if (s->is("message", ns::client)) got = *s;
  ASSERT_TRUE(got);
  EXPECT_EQ(got->child_text("body"), "hi alice");
}

TEST(ClientSession, ClosingEndsBothStreamsCleanly) {
  World w;
  auto alice = w.connect(1, "alice@example.org", "wonderland");
  alice->client->close();
  w.run(*alice);
  EXPECT_EQ(alice->client->state(), ClientState::closed) << alice->client->failure();
  EXPECT_TRUE(alice->server->wants_close());
}
