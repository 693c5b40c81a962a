// Federation, sans-I/O: two S2sManagers (a.test and b.test) joined by an
// in-memory network — connections, TLS that "happens" when both ends ask
// for it, a resolver that knows what the test says — and the bounces of
// RFC 6120 §10.4 when a server cannot be found or does not answer.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "core/rng.hpp"
#include "xmpp/namespaces.hpp"
#include "xmpp/s2s_manager.hpp"
#include "xmpp/xml_writer.hpp"

namespace confab::xmpp {
namespace {

using namespace std::chrono_literals;
using Lines = std::vector<std::string>;

Element message(std::string from, std::string to, std::string body) {
  Element m("message", std::string(ns::client));
  m.set_attribute("from", std::move(from));
  m.set_attribute("to", std::move(to));
  m.set_attribute("type", "chat");
  m.set_attribute("id", "m1");
  m.add_child(Element("body", std::string(ns::client))).add_text(body);
  return m;
}

std::string text(const Element& e) { return serialize(e, Scope{"jabber:client", {}}); }

struct Server {
  std::string domain;
  SocketAddress address;
  S2sManager manager;
};

class World : public ::testing::Test {
 protected:
  static S2sConfig config(std::string domain, std::uint8_t secret) {
    S2sConfig c;
    c.domains = {std::move(domain)};
    c.secret = Bytes{secret, secret, secret};
    c.connect_timeout = 10s;
    c.max_queue = 3;
    return c;
  }

  World() {
    servers.emplace("a.test", std::make_unique<Server>(Server{"a.test", *SocketAddress::parse("192.0.2.1:5269"),
                                                               S2sManager(config("a.test", 1), rng)}));
    servers.emplace("b.test", std::make_unique<Server>(Server{"b.test", *SocketAddress::parse("192.0.2.2:5269"),
                                                               S2sManager(config("b.test", 2), rng)}));
  }

  S2sManager& a() { return servers.at("a.test")->manager; }
  S2sManager& b() { return servers.at("b.test")->manager; }

  // Runs every server's actions until nothing moves (bounded).
  void run() {
    for (int round = 0; round < 1000; ++round) {
      bool moved = false;
      for (auto& [name, server] : servers)
        while (auto a = server->manager.poll_action()) {
          moved = true;
          act(*server, std::move(*a));
        }
      if (!moved) return;
    }
    FAIL() << "the network never settled";
  }

  void act(Server& from, S2sAction action) {
    const Link self{&from, 0};
    if (auto* r = std::get_if<S2sResolve>(&action)) {
      resolves.push_back(r->domain);
      if (unresolvable.count(r->domain)) return from.manager.handle_resolved(now, r->domain, {}, "NXDOMAIN");
      if (silent.count(r->domain)) return;  // the resolver never answers
      auto it = servers.find(r->domain);
      SocketAddress addr = it != servers.end() ? it->second->address : *SocketAddress::parse("198.51.100.9:5269");
      return from.manager.handle_resolved(now, r->domain, {addr});
    } else if (auto* c = std::get_if<S2sConnect>(&action)) {
      Server* to = nullptr;
      for (auto& [n, s] : servers)
        if (s->address == c->address && !down.count(n)) to = s.get();
      if (!to) return from.manager.handle_closed(now, c->conn);  // connection refused
      const std::uint64_t in = ++next_incoming;
      ASSERT_TRUE(to->manager.accept(now, in));
      links[{&from, c->conn}] = {to, in};
      links[{to, in}] = {&from, c->conn};
      to->manager.handle_bytes(now, in, as_bytes(c->bytes));
    } else if (auto* w = std::get_if<S2sWrite>(&action)) {
      auto it = links.find({&from, w->conn});
      if (it != links.end()) it->second.first->manager.handle_bytes(now, it->second.second, as_bytes(w->bytes));
    } else if (auto* t = std::get_if<S2sTls>(&action)) {
      // Both ends asked: the handshake "completes".
      tls_asked.insert({&from, t->conn});
      auto it = links.find({&from, t->conn});
      if (it != links.end() && tls_asked.count(it->second)) {
        from.manager.handle_secured(now, t->conn);
        it->second.first->manager.handle_secured(now, it->second.second);
      }
    } else if (auto* d = std::get_if<S2sDisconnect>(&action)) {
      auto it = links.find({&from, d->conn});
      if (it != links.end()) {
        auto peer = it->second;
        links.erase(it);
        links.erase(peer);
        peer.first->manager.handle_closed(now, peer.second);
      }
    }
    (void)self;
  }

  Lines to_router(S2sManager& m) {
    Lines out;
    while (auto st = m.poll_stanza()) out.push_back(text(*st));
    return out;
  }

  using Link = std::pair<Server*, std::uint64_t>;
  SeededRng rng{5};
  Instant now{};
  std::map<std::string, std::unique_ptr<Server>> servers;
  std::map<Link, Link> links;
  std::set<Link> tls_asked;
  std::set<std::string> unresolvable, silent, down;
  Lines resolves;
  std::uint64_t next_incoming = 0;
};

TEST_F(World, AMessageCrossesAfterTlsAndDialbackBothWays) {
  a().handle_stanza(now, message("alice@a.test/pc", "bob@b.test", "hi bob"));
  run();
  EXPECT_EQ(to_router(b()), Lines{"<message from='alice@a.test/pc' to='bob@b.test' type='chat' id='m1'>"
                                  "<body>hi bob</body></message>"});
  EXPECT_EQ(a().outgoing_domains(), Lines{"b.test"});
  EXPECT_EQ(b().incoming_domains(), Lines{"a.test"});
  EXPECT_EQ(a().counters().tls, 2u);  // its outgoing stream, and the incoming one b.test opened to verify
  b().handle_stanza(now, message("bob@b.test/phone", "alice@a.test", "hi alice"));
  run();
  EXPECT_EQ(to_router(a()), Lines{"<message from='bob@b.test/phone' to='alice@a.test' type='chat' id='m1'>"
                                  "<body>hi alice</body></message>"});
  // One stream per pair and direction: a second message opens nothing new.
  const auto streams = a().counters().outgoing_streams;
  a().handle_stanza(now, message("alice@a.test/pc", "bob@b.test", "again"));
  run();
  EXPECT_EQ(to_router(b()).size(), 1u);
  EXPECT_EQ(a().counters().outgoing_streams, streams);
  EXPECT_EQ(a().counters().bounced + b().counters().bounced, 0u);
}

TEST_F(World, AnUnknownDomainBouncesRemoteServerNotFound) {
  unresolvable.insert("nowhere.test");
  a().handle_stanza(now, message("alice@a.test/pc", "x@nowhere.test", "hello?"));
  run();
  auto got = to_router(a());
  ASSERT_EQ(got.size(), 1u);
  EXPECT_NE(got[0].find("type='error'"), std::string::npos) << got[0];
  EXPECT_NE(got[0].find("<remote-server-not-found"), std::string::npos) << got[0];
  EXPECT_NE(got[0].find("to='alice@a.test/pc'"), std::string::npos) << got[0];
}

TEST_F(World, AServerThatIsDownBouncesRemoteServerNotFound) {
  down.insert("b.test");
  a().handle_stanza(now, message("alice@a.test/pc", "bob@b.test", "hi"));
  run();
  auto got = to_router(a());
  ASSERT_EQ(got.size(), 1u);
  EXPECT_NE(got[0].find("<remote-server-not-found"), std::string::npos) << got[0];
  EXPECT_EQ(a().counters().connect_failures, 1u);
}

TEST_F(World, ASilentServerBouncesRemoteServerTimeoutAtTheDeadline) {
  silent.insert("b.test");
  a().handle_stanza(now, message("alice@a.test/pc", "bob@b.test", "hi"));
  run();
  EXPECT_TRUE(to_router(a()).empty());
  ASSERT_TRUE(a().poll_timeout());
  EXPECT_EQ(*a().poll_timeout(), now + 10s);
  now += 10s;
  a().handle_timeout(now);
  run();
  auto got = to_router(a());
  ASSERT_EQ(got.size(), 1u);
  EXPECT_NE(got[0].find("<remote-server-timeout"), std::string::npos) << got[0];
}

TEST_F(World, TheQueueWhileConnectingIsBounded) {
  silent.insert("b.test");
  for (int i = 0; i < 5; ++i) a().handle_stanza(now, message("alice@a.test/pc", "bob@b.test", "m"));
  auto got = to_router(a());
  ASSERT_EQ(got.size(), 2u);  // max_queue is 3
  EXPECT_NE(got[0].find("<resource-constraint"), std::string::npos) << got[0];
  EXPECT_EQ(a().counters().queue_full, 2u);
}

TEST_F(World, AForgedKeyIsRefusedAndNothingIsDelivered) {
  // A third server pretends to be a.test towards b.test: its key was not
  // made with a.test's secret, so a.test's authoritative answer is invalid.
  servers.emplace("mallory.test", std::make_unique<Server>(Server{"mallory.test", *SocketAddress::parse("203.0.113.5:5269"),
                                                                   S2sManager(config("a.test", 9), rng)}));
  servers.at("mallory.test")->manager.handle_stanza(now, message("alice@a.test/pc", "bob@b.test", "forged"));
  run();
  EXPECT_TRUE(to_router(b()).empty());
  EXPECT_EQ(b().counters().domains_refused, 1u);
  // What mallory queued came back to it: its stream was refused.
  auto bounced = to_router(servers.at("mallory.test")->manager);
  ASSERT_EQ(bounced.size(), 1u);
  EXPECT_NE(bounced[0].find("type='error'"), std::string::npos) << bounced[0];
}

TEST_F(World, ShutdownBouncesWhatIsQueued) {
  silent.insert("b.test");
  a().handle_stanza(now, message("alice@a.test/pc", "bob@b.test", "hi"));
  a().shutdown(now);
  auto got = to_router(a());
  ASSERT_EQ(got.size(), 1u);
  EXPECT_NE(got[0].find("type='error'"), std::string::npos);
}

}  // namespace
}  // namespace confab::xmpp
