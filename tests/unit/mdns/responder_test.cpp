// The responder and browser together on a simulated link: probing,
// announcing, conflicts, answering, goodbyes (RFC 6762, RFC 6763).
#include <gtest/gtest.h>

#include "sim_link.hpp"

namespace confab::mdns {
namespace {

using test::SimLink;
using test::spec;

const Name presence = Name::parse("_presence._tcp.local");

bool is_probe(const Message& m) { return !m.is_response() && !m.authorities.empty(); }

std::vector<std::string> instances(Browser& b) {
  std::vector<std::string> out;
  for (const auto& s : b.services()) out.push_back(s.instance);
  return out;
}

TEST(Responder, ProbesThreeTimes250msApartThenAnnouncesThreeTimes) {
  SimLink link;
  auto& a = link.add(1, 7);
  a.endpoint.advertise(spec("alice", "alice-h"), *a.rng, link.now);
  link.start(a);
  const Instant t0 = link.now;
  link.run_for(5s);
  std::vector<Instant> probes, announcements;
  for (std::size_t i = 0; i < a.sent.size(); ++i) {
    if (is_probe(a.sent[i])) probes.push_back(a.sent_at[i]);
    else if (a.sent[i].is_response()) announcements.push_back(a.sent_at[i]);
  }
  ASSERT_EQ(probes.size(), 3u);
  EXPECT_LE(probes[0] - t0, 250ms);
  EXPECT_EQ(probes[1] - probes[0], 250ms);
  EXPECT_EQ(probes[2] - probes[1], 250ms);
  ASSERT_EQ(announcements.size(), 3u);
  EXPECT_EQ(announcements[0] - probes[2], 250ms);
  EXPECT_EQ(announcements[1] - announcements[0], 1s);
  EXPECT_EQ(announcements[2] - announcements[1], 2s);
  // The first probe asks for unicast answers; probes carry the proposed records.
  const Message& first = a.sent[0];
  EXPECT_TRUE(first.questions[0].unicast_response);
  EXPECT_EQ(first.questions[0].qtype, type::any);
  EXPECT_EQ(first.authorities.size(), 3u);  // SRV, TXT, A
  // Announcements: unique records with cache-flush, the shared PTR without.
  for (const auto& r : a.sent.back().answers) EXPECT_EQ(r.cache_flush, r.rtype != type::ptr) << type_name(r.rtype);
  EXPECT_EQ(a.endpoint.responder()->state(), Responder::State::established);
}

TEST(Responder, TwoPeopleOnALinkFindEachOther) {
  SimLink link;
  auto& a = link.add(1, 1);
  auto& b = link.add(2, 2);
  a.endpoint.advertise(spec("alice", "alice-h"), *a.rng, link.now);
  a.endpoint.browse(presence, *a.rng, link.now);
  b.endpoint.advertise(spec("bob", "bob-h", "away"), *b.rng, link.now);
  b.endpoint.browse(presence, *b.rng, link.now);
  link.start(a);
  link.start(b);
  link.run_for(3s);
  EXPECT_EQ(instances(*a.endpoint.browser()), (std::vector<std::string>{"alice", "bob"}));
  EXPECT_EQ(instances(*b.endpoint.browser()), (std::vector<std::string>{"alice", "bob"}));
  auto bob = a.endpoint.browser()->services()[1];
  EXPECT_EQ(bob.port, 5298);
  EXPECT_EQ(bob.host.to_string(), "bob-h.local");
  EXPECT_EQ(bob.addresses, (std::vector<IpAddress>{test::addr(2)}));
  EXPECT_EQ(bob.txt.get("status"), "away");
}

TEST(Responder, ALaterAliceBecomesAlice2) {
  SimLink link;
  auto& a = link.add(1, 1);
  a.endpoint.advertise(spec("alice", "host-a"), *a.rng, link.now);
  link.start(a);
  link.run_for(5s);
  auto& b = link.add(2, 2);
  b.endpoint.advertise(spec("alice", "host-b"), *b.rng, link.now);
  b.endpoint.browse(presence, *b.rng, link.now);
  link.start(b);
  link.run_for(5s);
  EXPECT_EQ(a.endpoint.responder()->spec().instance, "alice");
  EXPECT_EQ(b.endpoint.responder()->spec().instance, "alice (2)");
  EXPECT_EQ(b.endpoint.responder()->state(), Responder::State::established);
  EXPECT_EQ(instances(*b.endpoint.browser()), (std::vector<std::string>{"alice", "alice (2)"}));
  bool renamed = false;
  while (auto e = b.endpoint.responder()->poll_event())
    if (e->kind == ResponderEvent::Kind::renamed) renamed = e->instance == "alice (2)";
  EXPECT_TRUE(renamed);
}

TEST(Responder, SimultaneousProbesForOneNameLeaveExactlyOneAlice) {
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    SimLink link;
    auto& a = link.add(1, seed);
    auto& b = link.add(2, seed + 100);
    a.endpoint.advertise(spec("alice", "host-a"), *a.rng, link.now);
    b.endpoint.advertise(spec("alice", "host-b"), *b.rng, link.now);
    a.endpoint.browse(presence, *a.rng, link.now);
    link.start(a);
    link.start(b);
    link.run_for(8s);
    std::vector<std::string> names{a.endpoint.responder()->spec().instance, b.endpoint.responder()->spec().instance};
    std::sort(names.begin(), names.end());
    EXPECT_EQ(names, (std::vector<std::string>{"alice", "alice (2)"})) << "seed " << seed;
    // §8.2: "host-b" sorts after "host-a" in the SRV RDATA, so b keeps the name.
    EXPECT_EQ(b.endpoint.responder()->spec().instance, "alice") << "seed " << seed;
    EXPECT_GE(a.endpoint.responder()->counters().probe_tiebreaks_lost, 1u);
    EXPECT_EQ(instances(*a.endpoint.browser()), (std::vector<std::string>{"alice", "alice (2)"}));
  }
}

Bytes ptr_query(std::optional<std::uint32_t> known_ttl, bool qu = false, std::uint16_t id = 0) {
  Message q;
  q.id = id;
  q.questions.push_back({presence, type::ptr, class_in, qu});
  if (known_ttl)
    q.answers.push_back({presence, type::ptr, class_in, false, *known_ttl,
                         PtrRecord{Name::service_instance("alice", presence)}});
  return serialize(q);
}

struct Established : ::testing::Test {
  SimLink link;
  test::Node* a = nullptr;
  void SetUp() override {
    a = &link.add(1, 3);
    a->endpoint.advertise(spec("alice", "alice-h"), *a->rng, link.now);
    link.start(*a);
    link.run_for(10s);
    a->sent.clear();
    a->sent_at.clear();
    a->sent_unicast.clear();
  }
  const SocketAddress querier{test::addr(9), mdns_port};
};

TEST_F(Established, AnswersAPtrQueryAfter20To120msWithSrvTxtAndAddressAsAdditionals) {
  const Instant asked = link.now;
  link.inject(*a, ptr_query(std::nullopt), querier);
  link.run_for(1s);
  ASSERT_EQ(a->sent.size(), 1u);
  EXPECT_GE(a->sent_at[0] - asked, 20ms);
  EXPECT_LE(a->sent_at[0] - asked, 120ms);
  const Message& r = a->sent[0];
  ASSERT_EQ(r.answers.size(), 1u);
  EXPECT_EQ(r.answers[0].rtype, type::ptr);
  std::vector<std::uint16_t> extra;
  for (const auto& x : r.additionals) extra.push_back(x.rtype);
  std::sort(extra.begin(), extra.end());
  EXPECT_EQ(extra, (std::vector<std::uint16_t>{type::a, type::txt, type::srv, type::nsec, type::nsec}));
}

TEST_F(Established, AKnownAnswerWithMoreThanHalfItsTtlIsNotRepeated) {
  link.inject(*a, ptr_query(4500), querier);
  link.run_for(2s);
  EXPECT_TRUE(a->sent.empty());
  EXPECT_EQ(a->endpoint.responder()->counters().answers_suppressed, 1u);
  link.inject(*a, ptr_query(2000), querier);  // less than half of 4500: answer it
  link.run_for(2s);
  EXPECT_EQ(a->sent.size(), 1u);
}

TEST_F(Established, ARecordIsMulticastAtMostOncePerSecond) {
  for (int i = 0; i < 10; ++i) {
    link.inject(*a, ptr_query(std::nullopt), querier);
    link.run_for(150ms);
  }
  // 1.5 s of queries every 150 ms: the PTR goes out twice, not ten times.
  EXPECT_EQ(a->sent.size(), 2u);
  EXPECT_GE(a->sent_at[1] - a->sent_at[0], 1s);
  EXPECT_GE(a->endpoint.responder()->counters().answers_rate_limited, 1u);
}

TEST_F(Established, AQuQuestionForARecentlyMulticastRecordIsAnsweredByUnicast) {
  link.inject(*a, ptr_query(std::nullopt, true), querier);
  link.run_for(1s);
  ASSERT_EQ(a->sent.size(), 1u);
  EXPECT_TRUE(a->sent_unicast[0]);
}

TEST_F(Established, ALegacyQuerierGetsItsIdAndQuestionBackWithShortTtls) {
  link.inject(*a, ptr_query(std::nullopt, false, 0x1234), SocketAddress{test::addr(9), 40000});
  link.run_for(1s);
  ASSERT_EQ(a->sent.size(), 1u);
  EXPECT_TRUE(a->sent_unicast[0]);
  const Message& r = a->sent[0];
  EXPECT_EQ(r.id, 0x1234);
  ASSERT_EQ(r.questions.size(), 1u);
  for (const auto& x : r.answers) {
    EXPECT_LE(x.ttl, 10u);
    EXPECT_FALSE(x.cache_flush);
  }
}

TEST_F(Established, AQueryForATypeTheNameLacksGetsAnNsec) {
  Message q;
  q.questions.push_back({Name::parse("alice-h.local"), type::aaaa, class_in, false});
  link.inject(*a, serialize(q), querier);
  link.run_for(1s);
  ASSERT_EQ(a->sent.size(), 1u);
  ASSERT_EQ(a->sent[0].answers.size(), 1u);
  const auto& nsec = std::get<NsecRecord>(a->sent[0].answers[0].data);
  EXPECT_EQ(nsec.types, (std::vector<std::uint16_t>{type::a}));
}

TEST_F(Established, MalformedPacketsAreDroppedAndCountedAndGoodOnesStillAnswered) {
  int answered_before = 0;
  for (int i = 0; i < 20; ++i) {
    Bytes garbage = ptr_query(std::nullopt);
    garbage.resize(static_cast<std::size_t>(5 + i));  // cut anywhere
    if (i % 3 == 0) garbage.assign({0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 0x0C, 0, 12, 0, 1});  // pointer loop
    link.inject(*a, garbage, querier);
    link.inject(*a, ptr_query(std::nullopt), querier);
    link.run_for(1100ms);
    answered_before = static_cast<int>(a->sent.size());
  }
  EXPECT_EQ(answered_before, 20);
  EXPECT_EQ(a->endpoint.counters().malformed_dropped, 20u);
  EXPECT_NE(a->endpoint.counters().last_error.find("mDNS decode error"), std::string::npos);
}

TEST(Responder, GoodbyesRemoveTheServiceFromOtherBrowsersWithinASecond) {
  SimLink link;
  auto& a = link.add(1, 1);
  auto& b = link.add(2, 2);
  a.endpoint.advertise(spec("alice", "alice-h"), *a.rng, link.now);
  b.endpoint.browse(presence, *b.rng, link.now);
  link.start(a);
  link.start(b);
  link.run_for(3s);
  ASSERT_EQ(instances(*b.endpoint.browser()).size(), 1u);
  while (b.endpoint.browser()->poll_event()) {
  }
  a.endpoint.shutdown(link.now);
  link.run_for(1500ms);
  EXPECT_TRUE(a.endpoint.responder()->is_done());
  for (const auto& r : a.sent.back().answers) EXPECT_EQ(r.ttl, 0u);
  EXPECT_TRUE(instances(*b.endpoint.browser()).empty());
  auto e = b.endpoint.browser()->poll_event();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, BrowserEvent::Kind::removed);
}

TEST(Responder, AStatusChangeReachesBrowsersAsAnUpdate) {
  SimLink link;
  auto& a = link.add(1, 1);
  auto& b = link.add(2, 2);
  a.endpoint.advertise(spec("alice", "alice-h"), *a.rng, link.now);
  b.endpoint.browse(presence, *b.rng, link.now);
  link.start(a);
  link.start(b);
  link.run_for(5s);
  while (b.endpoint.browser()->poll_event()) {
  }
  auto txt = a.endpoint.responder()->spec().txt;
  txt.set("status", "away");
  txt.set("msg", "at lunch");
  a.endpoint.responder()->update_txt(link.now, txt);
  link.run_for(100ms);
  auto e = b.endpoint.browser()->poll_event();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, BrowserEvent::Kind::updated);
  EXPECT_EQ(e->service.txt.get("status"), "away");
  EXPECT_EQ(e->service.txt.get("msg"), "at lunch");
}

TEST(Browser, QueriesAfter20To120msThenAtIntervalsDoublingFromOneSecond) {
  SimLink link;
  auto& b = link.add(2, 2);
  const Instant t0 = link.now;
  b.endpoint.browse(presence, *b.rng, link.now);
  link.start(b);
  link.run_for(70s);
  ASSERT_GE(b.sent_at.size(), 7u);
  EXPECT_GE(b.sent_at[0] - t0, 20ms);
  EXPECT_LE(b.sent_at[0] - t0, 120ms);
  for (std::size_t i = 1; i < 7; ++i) EXPECT_EQ(b.sent_at[i] - b.sent_at[i - 1], std::chrono::seconds(1 << (i - 1)));
}

TEST(Browser, AServiceThatVanishesSilentlyIsDroppedWhenItsRecordsExpire) {
  SimLink link;
  auto& a = link.add(1, 1);
  auto& b = link.add(2, 2);
  a.endpoint.advertise(spec("alice", "alice-h"), *a.rng, link.now);
  b.endpoint.browse(presence, *b.rng, link.now);
  link.start(a);
  link.start(b);
  link.run_for(3s);
  ASSERT_EQ(instances(*b.endpoint.browser()).size(), 1u);
  link.drop = [&](test::Node& from, const OutPacket&) { return &from == &a; };  // alice's host dies
  link.run_for(100s);
  EXPECT_EQ(instances(*b.endpoint.browser()).size(), 1u);  // 120 s host TTL not over yet
  // Refresh queries went out at 80-95 % of the SRV's TTL.
  link.run_for(25s);
  EXPECT_TRUE(instances(*b.endpoint.browser()).empty());
}

}  // namespace
}  // namespace confab::mdns
