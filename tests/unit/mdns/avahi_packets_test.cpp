// Packets avahi-daemon 0.8 sent in the NAT lab (avahi-publish of
// bob@avahi._presence._tcp, then avahi-browse): the codec reads them, and
// the browser and responder act on them as on their own kind's.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "mdns/endpoint.hpp"
#include "mdns/link_presence.hpp"
#include "sim_link.hpp"

namespace confab::mdns {
namespace {

Bytes avahi(const std::string& name) {
  std::ifstream f(std::string(CONFAB_VECTORS_DIR) + "/mdns/avahi_" + name + ".bin", std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(f), {});
}

const Name presence = Name::parse("_presence._tcp.local");
const SocketAddress avahi_host{IpAddress::v4({192, 0, 2, 2}), mdns_port};

TEST(AvahiPackets, TheProbeProposesSrvAndTxtInTheAuthoritySection) {
  auto m = parse(avahi("probe"));
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_FALSE(m->is_response());
  ASSERT_EQ(m->questions.size(), 1u);
  EXPECT_EQ(m->questions[0].name.to_string(), "bob@avahi._presence._tcp.local");
  EXPECT_EQ(m->questions[0].qtype, type::any);
  std::vector<std::uint16_t> proposed;
  for (const auto& r : m->authorities) proposed.push_back(r.rtype);
  std::sort(proposed.begin(), proposed.end());
  EXPECT_EQ(proposed, (std::vector<std::uint16_t>{type::txt, type::srv}));
}

TEST(AvahiPackets, TheAnnouncementResolvesToAPersonWithXep0174Keys) {
  SeededRng rng(1);
  const Instant now = Instant{} + 100s;
  Endpoint ep;
  ep.browse(presence, rng, now);
  ep.set_interfaces(now, {InterfaceInfo{1, "eth0", {IpAddress::v4({192, 0, 2, 9})}}});
  const Bytes wire = avahi("announce");
  ep.handle_packet(now, InPacket{1, avahi_host, wire});
  EXPECT_EQ(ep.counters().malformed_dropped, 0u);
  auto services = ep.browser()->services();
  ASSERT_EQ(services.size(), 1u);
  EXPECT_EQ(services[0].instance, "bob@avahi");
  EXPECT_EQ(services[0].port, 5298);
  EXPECT_EQ(services[0].host.to_string(), "avahi-lab.local");
  EXPECT_EQ(services[0].addresses, (std::vector<IpAddress>{IpAddress::v4({192, 0, 2, 2})}));
  const auto p = presence_from_txt(services[0].txt);
  EXPECT_EQ(p.status, "dnd");
  EXPECT_EQ(p.message, "busy busy");
}

TEST(AvahiPackets, TheBrowseQueryCarriesAKnownAnswerThatSuppressesOurs) {
  auto m = parse(avahi("browse_query"));
  ASSERT_TRUE(m) << m.error().message();
  ASSERT_EQ(m->questions.size(), 1u);
  EXPECT_EQ(m->questions[0].qtype, type::ptr);
  ASSERT_EQ(m->answers.size(), 1u);
  EXPECT_EQ(std::get<PtrRecord>(m->answers[0].data).target.labels[0], "bob@avahi");

  // A responder for bob@avahi (same PTR) stays quiet; one for carol answers.
  for (const std::string who : {"bob@avahi", "carol"}) {
    test::SimLink link;
    auto& n = link.add(3, 4);
    n.endpoint.advertise(test::spec(who, "h"), *n.rng, link.now);
    link.start(n);
    link.run_for(10s);
    n.sent.clear();
    link.inject(n, avahi("browse_query"), SocketAddress{IpAddress::v4({192, 0, 2, 2}), mdns_port});
    link.run_for(1s);
    EXPECT_EQ(n.sent.size(), who == "carol" ? 1u : 0u) << who;
  }
}

TEST(AvahiPackets, AvahisAnnouncementOfOurNameIsAConflict) {
  test::SimLink link;
  auto& n = link.add(3, 4);
  n.endpoint.advertise(test::spec("bob@avahi", "h"), *n.rng, link.now);
  link.start(n);
  link.run_for(100ms);  // probing
  link.inject(n, avahi("announce"), avahi_host);
  link.run_for(5s);
  EXPECT_EQ(n.endpoint.responder()->spec().instance, "bob@avahi (2)");
}

}  // namespace
}  // namespace confab::mdns
