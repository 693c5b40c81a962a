// What handle_datagram() says about packets that are not ICE's (RFC 7983).
#include <gtest/gtest.h>

#include "ice_test_util.hpp"

namespace confab::ice {
namespace {

using namespace test;

TEST(Demux, RtpRtcpAndDtlsAreNotStunAndAreLeftToTheMediaLayer) {
  Solo s(config_for(Role::controlling, host_a, creds_a));
  const Bytes rtp{0x80, 0x60, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 1};
  const Bytes rtcp{0x81, 0xC8, 0x00, 0x06, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  const Bytes dtls{0x16, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  EXPECT_EQ(s.receive(host_a, host_b, rtp), Received::not_stun);
  EXPECT_EQ(s.receive(host_a, host_b, rtcp), Received::not_stun);
  EXPECT_EQ(s.receive(host_a, host_b, dtls), Received::not_stun);
  EXPECT_EQ(s.agent.counters().received_stun, 0u);
  EXPECT_TRUE(s.sent.empty());
}

TEST(Demux, StunOnAnotherSocketIsNotThisAgents) {
  Solo s(config_for(Role::controlling, host_a, creds_a));
  Bytes req = check_from_peer(creds_a, creds_b, Role::controlled, 1);
  EXPECT_EQ(s.receive(sa("10.0.0.1:5999"), host_b, req), Received::unknown_socket);
  EXPECT_TRUE(s.sent.empty());
}

TEST(Demux, StrayOrBrokenStunIsConsumedAndCounted) {
  Solo s(config_for(Role::controlling, host_a, creds_a));
  stun::TransactionId id;
  id.bytes.fill(8);
  Bytes stray = build_check_success(id, host_b, password_key(creds_a.pwd));
  EXPECT_EQ(s.receive(host_a, host_b, stray), Received::stun);
  EXPECT_EQ(s.agent.counters().ignored, 1u);
  Bytes broken = stray;
  broken.back() ^= 0xFF;  // FINGERPRINT no longer matches
  EXPECT_EQ(s.receive(host_a, host_b, broken), Received::stun);
  EXPECT_EQ(s.agent.counters().malformed, 1u);
  Bytes allocate = stun::MessageBuilder(stun::MessageClass::request, stun::method::allocate, id).finish();
  EXPECT_EQ(s.receive(host_a, host_b, allocate), Received::stun);
  EXPECT_EQ(s.agent.counters().ignored, 2u);
  EXPECT_TRUE(s.sent.empty());
}

}  // namespace
}  // namespace confab::ice
