// Gathering (RFC 8445 §5.1.1): host candidates from the sockets given,
// server-reflexive ones from the reflector, redundancy (§5.1.3), pacing and
// giving up.
#include <gtest/gtest.h>

#include "ice_test_util.hpp"

namespace confab::ice {
namespace {

using namespace test;

IceConfig with_server(std::vector<LocalAddress> addresses) {
  IceConfig c;
  c.local_addresses = std::move(addresses);
  c.stun_servers = {stun_server};
  return c;
}

Bytes reflector_answer(const Transmit& request, SocketAddress mapped) {
  auto m = stun::parse(request.bytes);
  return stun::MessageBuilder(stun::MessageClass::success_response, stun::method::binding, m->transaction_id)
      .add_xor_address(stun::attr::xor_mapped_address, mapped)
      .add_fingerprint()
      .finish();
}

TEST(Gathering, ReportsAHostCandidatePerSocketThenCompletesWithoutServers) {
  IceConfig c;
  c.components = 2;
  c.local_addresses = {{1, host_a, std::nullopt}, {2, sa("10.0.0.1:5001"), std::nullopt}};
  Solo s(c);
  auto gathered = events_of<event::CandidateGathered>(s.events);
  ASSERT_EQ(gathered.size(), 2u);
  const Candidate& rtp = gathered[0].candidate;
  EXPECT_EQ(rtp.type, CandidateType::host);
  EXPECT_EQ(rtp.address, host_a);
  EXPECT_EQ(rtp.base, host_a);
  EXPECT_EQ(rtp.component, 1);
  EXPECT_EQ(rtp.priority, 2130706431u);
  EXPECT_FALSE(rtp.related);
  const Candidate& rtcp = gathered[1].candidate;
  EXPECT_EQ(rtcp.component, 2);
  EXPECT_EQ(rtcp.priority, 2130706430u);
  EXPECT_EQ(rtcp.foundation, rtp.foundation);  // same type, same base IP
  EXPECT_EQ(events_of<event::GatheringComplete>(s.events).size(), 1u);
  EXPECT_EQ(s.agent.gathering_state(), GatheringState::complete);
  EXPECT_TRUE(s.sent.empty());
}

TEST(Gathering, GivesEachInterfaceItsOwnLocalPreferenceAndFoundation) {
  IceConfig c;
  c.local_addresses = {{1, host_a, std::nullopt}, {1, sa("192.168.7.5:5000"), std::nullopt},
                       {1, sa("[2001:db8::5]:5000"), std::uint16_t{40000}}};
  Solo s(c);
  auto cands = s.agent.local_candidates();
  ASSERT_EQ(cands.size(), 3u);
  EXPECT_EQ(cands[0].local_preference, 65535);
  EXPECT_EQ(cands[1].local_preference, 65534);
  EXPECT_EQ(cands[2].local_preference, 40000);
  EXPECT_EQ(cands[1].priority, candidate_priority(126, 65534, 1));
  EXPECT_NE(cands[0].foundation, cands[1].foundation);
  EXPECT_NE(cands[1].foundation, cands[2].foundation);
}

TEST(Gathering, IgnoresDuplicateWildcardAndUnknownComponentSockets) {
  IceConfig c;
  c.local_addresses = {{1, host_a, std::nullopt}, {1, host_a, std::nullopt}, {1, sa("0.0.0.0:5000"), std::nullopt},
                       {3, sa("10.0.0.1:5002"), std::nullopt}};
  Solo s(c);
  EXPECT_EQ(s.agent.local_candidates().size(), 1u);
}

TEST(Gathering, LearnsAServerReflexiveCandidateFromTheReflector) {
  Solo s(with_server({{1, host_a, std::nullopt}}));
  EXPECT_EQ(s.agent.gathering_state(), GatheringState::gathering);
  s.advance(0ms);
  ASSERT_EQ(s.sent.size(), 1u);
  EXPECT_EQ(s.sent[0].t.local, host_a);
  EXPECT_EQ(s.sent[0].t.remote, stun_server);
  auto req = s.message(0);
  EXPECT_EQ(req.cls, stun::MessageClass::request);
  ASSERT_EQ(req.attributes.size(), 1u);  // FINGERPRINT only: no credentials with the reflector
  EXPECT_EQ(req.attributes[0].type, stun::attr::fingerprint);

  EXPECT_EQ(s.receive(host_a, stun_server, reflector_answer(s.sent[0].t, sa("198.51.100.1:40000"))), Received::stun);
  auto gathered = events_of<event::CandidateGathered>(s.events);
  ASSERT_EQ(gathered.size(), 2u);
  const Candidate& srflx = gathered[1].candidate;
  EXPECT_EQ(srflx.type, CandidateType::server_reflexive);
  EXPECT_EQ(srflx.address, sa("198.51.100.1:40000"));
  EXPECT_EQ(srflx.related, host_a);
  EXPECT_EQ(srflx.base, host_a);
  EXPECT_EQ(srflx.priority, 1694498815u);
  EXPECT_NE(srflx.foundation, gathered[0].candidate.foundation);
  EXPECT_EQ(events_of<event::GatheringComplete>(s.events).size(), 1u);
}

TEST(Gathering, DropsAServerReflexiveCandidateEqualToItsHost) {
  Solo s(with_server({{1, host_a, std::nullopt}}));
  s.advance(0ms);
  s.receive(host_a, stun_server, reflector_answer(s.sent[0].t, host_a));  // no NAT
  EXPECT_EQ(s.agent.local_candidates().size(), 1u);
  EXPECT_EQ(events_of<event::GatheringComplete>(s.events).size(), 1u);
}

TEST(Gathering, IgnoresAnAnswerFromSomewhereElse) {
  Solo s(with_server({{1, host_a, std::nullopt}}));
  s.advance(0ms);
  s.receive(host_a, sa("203.0.113.99:5678"), reflector_answer(s.sent[0].t, sa("198.51.100.1:40000")));
  EXPECT_EQ(s.agent.local_candidates().size(), 1u);
  EXPECT_EQ(s.agent.counters().ignored, 1u);
}

TEST(Gathering, RetransmitsThenGivesUpOnASilentServer) {
  Solo s(with_server({{1, host_a, std::nullopt}}));
  s.advance(10s);
  // RTO 500 ms doubling, 4 transmissions, then 4 × RTO of waiting.
  ASSERT_EQ(s.sent.size(), 4u);
  EXPECT_EQ(s.sent[1].at - t0, 500ms);
  EXPECT_EQ(s.sent[2].at - t0, 1500ms);
  EXPECT_EQ(s.sent[3].at - t0, 3500ms);
  EXPECT_EQ(s.sent[3].t.bytes, s.sent[0].t.bytes);
  EXPECT_EQ(s.agent.gathering_state(), GatheringState::complete);
  EXPECT_EQ(events_of<event::GatheringComplete>(s.events).size(), 1u);
  EXPECT_EQ(s.agent.local_candidates().size(), 1u);
}

TEST(Gathering, PacesRequestsByTa) {
  Solo s(with_server({{1, host_a, std::nullopt}, {1, sa("192.168.7.5:5000"), std::nullopt}}));
  s.advance(100ms);
  ASSERT_EQ(s.sent.size(), 2u);
  EXPECT_EQ(s.sent[0].at, t0);
  EXPECT_EQ(s.sent[1].at, t0 + 50ms);
  EXPECT_EQ(s.sent[1].t.local, sa("192.168.7.5:5000"));
}

}  // namespace
}  // namespace confab::ice
