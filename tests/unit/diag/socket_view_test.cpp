// Sockets joined with their processes and the catalog (what `confab ports`
// prints), the catalog's JSON round trip, and the watch machine fed
// snapshot after snapshot with a fake clock.
#include <gtest/gtest.h>

#include <algorithm>

#include "diag/catalog_json.hpp"
#include "diag/socket_watch.hpp"

namespace confab::diag {
namespace {

SocketRecord sock(Proto p, const char* local, const char* remote, SocketState st, std::uint32_t inode) {
  SocketRecord s;
  s.proto = p;
  s.local = *SocketAddress::parse(local);
  s.remote = *SocketAddress::parse(remote);
  s.state = static_cast<std::uint8_t>(st);
  s.inode = inode;
  return s;
}

const ProcessRef confabd{100, "confabd"};
const ProcessRef client{200, "confab"};

TEST(SocketView, EachSocketIsNamedByTheCatalogServiceOfItsPort) {
  const auto catalog = port_catalog();
  EXPECT_EQ(service_of(sock(Proto::tcp, "0.0.0.0:5222", "0.0.0.0:0", SocketState::listen, 1), catalog), "xmpp");
  EXPECT_EQ(service_of(sock(Proto::tcp, "0.0.0.0:5223", "0.0.0.0:0", SocketState::listen, 1), catalog), "xmpp-tls");
  EXPECT_EQ(service_of(sock(Proto::udp, "0.0.0.0:5060", "0.0.0.0:0", SocketState::close, 1), catalog), "sip");
  EXPECT_EQ(service_of(sock(Proto::tcp, "0.0.0.0:5060", "0.0.0.0:0", SocketState::listen, 1), catalog), "sip-tcp");
  EXPECT_EQ(service_of(sock(Proto::udp, "0.0.0.0:5679", "0.0.0.0:0", SocketState::close, 1), catalog), "reflector");
  // confabd's reflector listens for TCP on the change-port too.
  EXPECT_EQ(service_of(sock(Proto::tcp, "0.0.0.0:5679", "0.0.0.0:0", SocketState::listen, 1), catalog),
            "reflector-tcp");
  EXPECT_EQ(service_of(sock(Proto::udp, "0.0.0.0:16390", "0.0.0.0:0", SocketState::close, 1), catalog), "media");
  // A client's connection is named by the port it connected to.
  EXPECT_EQ(service_of(sock(Proto::tcp, "127.0.0.1:40000", "127.0.0.1:5222", SocketState::established, 1), catalog),
            "xmpp");
  // The server's accepted end by its own port.
  EXPECT_EQ(service_of(sock(Proto::tcp, "127.0.0.1:5061", "127.0.0.1:40000", SocketState::established, 1), catalog),
            "sip-tls");
  // Media is UDP: a TCP socket on 16384 is nothing of ours.
  EXPECT_EQ(service_of(sock(Proto::tcp, "0.0.0.0:16384", "0.0.0.0:0", SocketState::listen, 1), catalog), "-");
  EXPECT_EQ(service_of(sock(Proto::tcp, "0.0.0.0:8080", "0.0.0.0:0", SocketState::listen, 1), catalog), "-");
}

TEST(SocketView, AChangedPortInTheSettingsChangesTheService) {
  PortSettings s;
  s.xmpp_port = 15222;
  s.sip_port = 15060;
  const auto catalog = port_catalog(s);
  EXPECT_EQ(service_of(sock(Proto::tcp, "0.0.0.0:15222", "0.0.0.0:0", SocketState::listen, 1), catalog), "xmpp");
  EXPECT_EQ(service_of(sock(Proto::tcp, "0.0.0.0:5222", "0.0.0.0:0", SocketState::listen, 1), catalog), "-");
  EXPECT_EQ(service_of(sock(Proto::udp, "127.0.0.1:41000", "127.0.0.1:15060", SocketState::established, 1), catalog),
            "sip");
}

TEST(SocketView, OnlyTheWatchedProcessesSocketsAreKeptSortedWithTheirOwners) {
  const std::vector<SocketRecord> sockets = {
      sock(Proto::tcp, "127.0.0.1:40000", "127.0.0.1:5222", SocketState::established, 30),
      sock(Proto::tcp, "0.0.0.0:5222", "0.0.0.0:0", SocketState::listen, 10),
      sock(Proto::udp, "0.0.0.0:5678", "0.0.0.0:0", SocketState::close, 11),
      sock(Proto::tcp, "0.0.0.0:22", "0.0.0.0:0", SocketState::listen, 99),                // sshd's
      sock(Proto::tcp, "127.0.0.1:40001", "127.0.0.1:5222", SocketState::time_wait, 0),  // nobody's
  };
  SocketOwners owners{{10, {confabd}}, {11, {confabd}}, {30, {client}}};
  auto rows = owned_sockets(sockets, owners, port_catalog());
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].owners.front(), confabd);
  EXPECT_EQ(rows[0].socket.proto, Proto::udp);  // confabd's, udp sorts before tcp
  EXPECT_EQ(rows[0].service, "reflector");
  EXPECT_EQ(rows[1].service, "xmpp");
  EXPECT_EQ(rows[2].owners.front(), client);
  EXPECT_EQ(rows[2].service, "xmpp");
}

TEST(CatalogJson, TheCatalogSurvivesTheRoundTripThroughJson) {
  PortSettings s;
  s.sip_port = 5070;
  s.reflector_alternate_offset = 10;
  const auto catalog = port_catalog(s);
  auto back = catalog_from_json(nlohmann::json::parse(catalog_to_json(catalog).dump()));
  ASSERT_TRUE(back) << back.error();
  ASSERT_EQ(back->size(), catalog.size());
  for (std::size_t i = 0; i < catalog.size(); ++i) {
    EXPECT_EQ((*back)[i].service, catalog[i].service);
    EXPECT_EQ((*back)[i].ports(), catalog[i].ports());
    EXPECT_EQ((*back)[i].proto, catalog[i].proto);
    EXPECT_EQ((*back)[i].direction, catalog[i].direction);
    EXPECT_EQ((*back)[i].local_only, catalog[i].local_only);
    EXPECT_EQ((*back)[i].breaks, catalog[i].breaks);
  }
  // An alternate offset other than 1 puts the change-port answers in a row of their own.
  EXPECT_TRUE(std::any_of(catalog.begin(), catalog.end(),
                          [](const CatalogEntry& e) { return e.service == "reflector" && e.ports() == "5688"; }));
}

TEST(CatalogJson, ABadEntryIsAnErrorNamingIt) {
  auto j = catalog_to_json(port_catalog());
  j[2]["first"] = "5060";
  auto back = catalog_from_json(j);
  ASSERT_FALSE(back);
  EXPECT_EQ(back.error(), "entry 2: \"first\": expected a port number");
  j = catalog_to_json(port_catalog());
  j[0]["local_only"] = 1;
  EXPECT_FALSE(catalog_from_json(j));
  EXPECT_FALSE(catalog_from_json(nlohmann::json::object()));
}

// The watch, poll by poll.
struct WatchScript {
  SocketWatch watch;
  WallTime t{std::chrono::seconds(1'700'000'000)};
  std::vector<WatchEvent> poll(std::vector<ProcessRef> processes, std::vector<SocketRecord> sockets,
                               SocketOwners owners) {
    t += std::chrono::milliseconds(200);
    return watch.observe(t, {processes, owned_sockets(sockets, owners, port_catalog())});
  }
};

std::vector<std::string> lines(const std::vector<WatchEvent>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e.process.name + " " + describe(e));
  return out;
}

TEST(SocketWatch, WhatIsHeldAtTheStartIsPresentThenOnlyChangesAreReported) {
  WatchScript w;
  const auto listen = sock(Proto::tcp, "0.0.0.0:5222", "0.0.0.0:0", SocketState::listen, 10);
  auto events = w.poll({confabd}, {listen}, {{10, {confabd}}});
  EXPECT_EQ(lines(events), (std::vector<std::string>{"confabd has tcp 0.0.0.0:5222 LISTEN (xmpp)"}));
  EXPECT_TRUE(w.poll({confabd}, {listen}, {{10, {confabd}}}).empty());
}

TEST(SocketWatch, AClientThatStartsConnectsAndExitsIsFollowedThrough) {
  WatchScript w;
  const auto listen = sock(Proto::tcp, "0.0.0.0:5222", "0.0.0.0:0", SocketState::listen, 10);
  w.poll({confabd}, {listen}, {{10, {confabd}}});

  // confab starts and its handshake is under way.
  auto syn = sock(Proto::tcp, "127.0.0.1:40000", "127.0.0.1:5222", SocketState::syn_sent, 30);
  auto events = w.poll({confabd, client}, {listen, syn}, {{10, {confabd}}, {30, {client}}});
  EXPECT_EQ(lines(events), (std::vector<std::string>{
                               "confab started",
                               "confab connecting tcp 127.0.0.1:40000 \u2192 127.0.0.1:5222 (xmpp)"}));

  // Established on both ends; confab also opens a media port.
  auto est = syn;
  est.state = static_cast<std::uint8_t>(SocketState::established);
  auto accepted = sock(Proto::tcp, "127.0.0.1:5222", "127.0.0.1:40000", SocketState::established, 31);
  auto media = sock(Proto::udp, "0.0.0.0:16384", "0.0.0.0:0", SocketState::close, 32);
  SocketOwners owners{{10, {confabd}}, {30, {client}}, {31, {confabd}}, {32, {client}}};
  events = w.poll({confabd, client}, {listen, est, accepted, media}, owners);
  EXPECT_EQ(lines(events), (std::vector<std::string>{
                               "confabd accepted tcp 127.0.0.1:5222 \u2190 127.0.0.1:40000 (xmpp)",
                               "confab opened udp 0.0.0.0:16384 (media)",
                               "confab connected tcp 127.0.0.1:40000 \u2192 127.0.0.1:5222 (xmpp)"}));

  // The media socket is connect()ed to the peer: one more event.
  auto media_connected = media;
  media_connected.remote = *SocketAddress::parse("192.0.2.7:16390");
  media_connected.state = static_cast<std::uint8_t>(SocketState::established);
  events = w.poll({confabd, client}, {listen, est, accepted, media_connected}, owners);
  EXPECT_EQ(lines(events),
            (std::vector<std::string>{"confab connected udp 0.0.0.0:16384 \u2192 192.0.2.7:16390 (media)"}));

  // confab exits: its sockets close, and so does confabd's end.
  events = w.poll({confabd}, {listen}, {{10, {confabd}}});
  EXPECT_EQ(lines(events), (std::vector<std::string>{
                               "confabd closed tcp 127.0.0.1:5222 \u2190 127.0.0.1:40000 ESTAB (xmpp)",
                               "confab closed udp 0.0.0.0:16384 \u2192 192.0.2.7:16390 ESTAB (media)",
                               "confab closed tcp 127.0.0.1:40000 \u2192 127.0.0.1:5222 ESTAB (xmpp)",
                               "confab exited"}));
  ASSERT_EQ(events.front().kind, WatchEventKind::closed);

  // The summary: every port touched, once each, in the order first seen.
  auto summary = w.watch.summary();
  std::vector<std::string> got;
  for (const auto& t : summary)
    got.push_back(t.process + " " + t.role + " " + to_string(t.proto) + " " + t.endpoint + " " + t.service + " " +
                  std::to_string(t.sockets));
  EXPECT_EQ(got, (std::vector<std::string>{"confabd listen tcp 0.0.0.0:5222 xmpp 1",
                                           "confab connect tcp 127.0.0.1:5222 xmpp 1",
                                           "confabd accept tcp 127.0.0.1:5222 xmpp 1",
                                           "confab bind udp 0.0.0.0:16384 media 1",
                                           "confab connect udp 192.0.2.7:16390 media 1"}));
}

TEST(SocketWatch, ASocketSharedAfterAForkIsReportedForEachOwner) {
  WatchScript w;
  w.poll({confabd}, {}, {});
  const ProcessRef child{101, "confabd"};
  auto s = sock(Proto::udp, "0.0.0.0:5678", "0.0.0.0:0", SocketState::close, 11);
  auto events = w.poll({confabd, child}, {s}, {{11, {child, confabd}}});
  ASSERT_EQ(events.size(), 3u);  // child started, opened twice
  EXPECT_EQ(events[1].process.pid, 100);
  EXPECT_EQ(events[2].process.pid, 101);
  EXPECT_EQ(events[1].kind, WatchEventKind::opened);
}

}  // namespace
}  // namespace confab::diag
