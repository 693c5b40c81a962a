// Checks an agent receives (RFC 8445 §7.3, RFC 8489 §9.1.3): the answer,
// authentication failures, unknown attributes, role conflicts (§7.3.1.1),
// and no amplification towards unauthenticated senders.
#include <gtest/gtest.h>

#include "ice_test_util.hpp"

namespace confab::ice {
namespace {

using namespace test;
namespace attr = stun::attr;

const SocketAddress peer = sa("10.0.0.1:5000");

// Agent B on host_b knowing A's credentials; A's requests come from `peer`.
Solo agent_b(Role role = Role::controlled) {
  Solo s(config_for(role, host_b, creds_b));
  s.agent.set_remote_credentials(s.now, creds_a);
  s.drain();
  return s;
}

stun::Message only_reply(Solo& s) {
  EXPECT_GE(s.sent.size(), 1u);
  EXPECT_EQ(s.sent[0].t.local, host_b);
  EXPECT_EQ(s.sent[0].t.remote, peer);
  return s.message(0);
}

TEST(IncomingCheck, IsAnsweredWithTheSourceAddressUnderOurOwnPassword) {
  Solo s = agent_b();
  Bytes req = check_from_peer(creds_b, creds_a, Role::controlling, 1);
  EXPECT_EQ(s.receive(host_b, peer, req), Received::stun);
  auto m = only_reply(s);
  EXPECT_EQ(m.cls, stun::MessageClass::success_response);
  EXPECT_EQ(m.transaction_id, stun::parse(req)->transaction_id);
  ASSERT_EQ(m.attributes.size(), 3u);
  EXPECT_EQ(m.attributes[0].type, attr::xor_mapped_address);
  EXPECT_EQ(m.attributes[1].type, attr::message_integrity);
  EXPECT_EQ(m.attributes[2].type, attr::fingerprint);
  EXPECT_EQ(*m.xor_address(attr::xor_mapped_address), peer);
  EXPECT_TRUE(stun::verify_message_integrity(m, password_key(creds_b.pwd)));
  EXPECT_LE(s.sent[0].t.bytes.size(), req.size());
  EXPECT_EQ(s.agent.counters().requests_answered, 1u);
}

TEST(IncomingCheck, WithSomeoneElsesUfragGets401WithoutIntegrity) {
  Solo s = agent_b();
  const IceCredentials stranger{"CCCCcccc", creds_b.pwd};
  s.receive(host_b, peer, check_from_peer(stranger, creds_a, Role::controlling, 1));
  auto m = only_reply(s);
  EXPECT_EQ(m.cls, stun::MessageClass::error_response);
  EXPECT_EQ(m.error_code()->code, 401);
  EXPECT_FALSE(m.has(attr::message_integrity));
  EXPECT_TRUE(m.has(attr::fingerprint));
  EXPECT_EQ(s.agent.counters().unauthorized, 1u);
  EXPECT_TRUE(s.agent.remote_candidates().empty());  // nothing learned from it
}

TEST(IncomingCheck, WithABadIntegrityGets401AndChangesNothing) {
  Solo s = agent_b();
  const IceCredentials wrong_pwd{creds_b.ufrag, "wrongpasswordwrongpassw"};
  s.receive(host_b, peer, check_from_peer(wrong_pwd, creds_a, Role::controlling, 1, true));
  auto m = only_reply(s);
  EXPECT_EQ(m.error_code()->code, 401);
  EXPECT_TRUE(s.agent.pairs().empty());
  s.advance(1s);
  EXPECT_EQ(s.sent.size(), 1u);  // no triggered check
}

TEST(IncomingCheck, WithoutUsernameOrIntegrityGets400IfThatIsNoLargerThanTheRequest) {
  Solo s = agent_b();
  stun::TransactionId id;
  id.bytes.fill(9);
  Bytes bare = stun::MessageBuilder(stun::MessageClass::request, stun::method::binding, id)
                   .add_string(attr::software, "a client that forgot its credentials, padded")
                   .add_u32(attr::priority, 5)
                   .add_fingerprint()
                   .finish();
  s.receive(host_b, peer, bare);
  auto m = only_reply(s);
  EXPECT_EQ(m.error_code()->code, 400);
  EXPECT_LE(s.sent[0].t.bytes.size(), bare.size());
  // A bare 28-byte request would get a bigger 400: it gets nothing (no amplification).
  Bytes tiny = stun::MessageBuilder(stun::MessageClass::request, stun::method::binding, id).add_fingerprint().finish();
  s.take();
  s.receive(host_b, peer, tiny);
  EXPECT_TRUE(s.sent.empty());
  EXPECT_EQ(s.agent.counters().not_answered, 1u);
}

TEST(IncomingCheck, WithoutPriorityGets400UnderIntegrity) {
  Solo s = agent_b();
  stun::TransactionId id;
  id.bytes.fill(3);
  Bytes req = stun::MessageBuilder(stun::MessageClass::request, stun::method::binding, id)
                  .add_string(attr::username, "BBBBbbbb:AAAAaaaa")
                  .add_u64(attr::ice_controlling, 1)
                  .add_message_integrity(password_key(creds_b.pwd))
                  .add_fingerprint()
                  .finish();
  s.receive(host_b, peer, req);
  auto m = only_reply(s);
  EXPECT_EQ(m.error_code()->code, 400);
  EXPECT_TRUE(stun::verify_message_integrity(m, password_key(creds_b.pwd)));
}

TEST(IncomingCheck, WithAnUnknownComprehensionRequiredAttributeGets420) {
  Solo s = agent_b();
  stun::TransactionId id;
  id.bytes.fill(4);
  const std::uint8_t value[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  Bytes req = stun::MessageBuilder(stun::MessageClass::request, stun::method::binding, id)
                  .add_string(attr::username, "BBBBbbbb:AAAAaaaa")
                  .add_raw(0x7F01, value)
                  .add_u32(attr::priority, 5)
                  .add_message_integrity(password_key(creds_b.pwd))
                  .add_fingerprint()
                  .finish();
  s.receive(host_b, peer, req);
  auto m = only_reply(s);
  EXPECT_EQ(m.error_code()->code, 420);
  EXPECT_EQ(m.unknown_attributes(), std::vector<std::uint16_t>{0x7F01});
}

TEST(IncomingCheck, IgnoresUnknownComprehensionOptionalAttributes) {
  Solo s = agent_b();
  stun::TransactionId id;
  id.bytes.fill(5);
  const std::uint8_t value[4] = {1, 2, 3, 4};
  Bytes req = stun::MessageBuilder(stun::MessageClass::request, stun::method::binding, id)
                  .add_string(attr::username, "BBBBbbbb:AAAAaaaa")
                  .add_u32(attr::priority, 5)
                  .add_raw(0xC057, value)  // e.g. a vendor's network cost attribute
                  .add_u64(attr::ice_controlling, 1)
                  .add_message_integrity(password_key(creds_b.pwd))
                  .add_fingerprint()
                  .finish();
  s.receive(host_b, peer, req);
  EXPECT_EQ(only_reply(s).cls, stun::MessageClass::success_response);
}

TEST(IncomingCheck, BothControllingTheLargerTieBreakerKeepsItsRoleAndAnswers487) {
  Solo s = agent_b(Role::controlling);
  const std::uint64_t ours = s.agent.tie_breaker();
  ASSERT_GT(ours, 0u);
  s.receive(host_b, peer, check_from_peer(creds_b, creds_a, Role::controlling, ours - 1));
  auto m = only_reply(s);
  EXPECT_EQ(m.error_code()->code, 487);
  EXPECT_TRUE(stun::verify_message_integrity(m, password_key(creds_b.pwd)));
  EXPECT_EQ(s.agent.role(), Role::controlling);
  EXPECT_EQ(s.agent.counters().role_conflicts, 1u);
}

TEST(IncomingCheck, BothControllingTheSmallerTieBreakerSwitchesToControlled) {
  Solo s = agent_b(Role::controlling);
  const std::uint64_t ours = s.agent.tie_breaker();
  ASSERT_LT(ours, ~std::uint64_t{0});
  s.receive(host_b, peer, check_from_peer(creds_b, creds_a, Role::controlling, ours + 1));
  EXPECT_EQ(only_reply(s).cls, stun::MessageClass::success_response);
  EXPECT_EQ(s.agent.role(), Role::controlled);
  ASSERT_EQ(events_of<event::RoleChanged>(s.events).size(), 1u);
}

TEST(IncomingCheck, BothControlledTheLargerTieBreakerSwitchesToControlling) {
  Solo s = agent_b(Role::controlled);
  const std::uint64_t ours = s.agent.tie_breaker();
  s.receive(host_b, peer, check_from_peer(creds_b, creds_a, Role::controlled, ours - 1));
  EXPECT_EQ(only_reply(s).cls, stun::MessageClass::success_response);
  EXPECT_EQ(s.agent.role(), Role::controlling);
}

TEST(IncomingCheck, BothControlledTheSmallerTieBreakerAnswers487) {
  Solo s = agent_b(Role::controlled);
  const std::uint64_t ours = s.agent.tie_breaker();
  s.receive(host_b, peer, check_from_peer(creds_b, creds_a, Role::controlled, ours + 1));
  EXPECT_EQ(only_reply(s).error_code()->code, 487);
  EXPECT_EQ(s.agent.role(), Role::controlled);
}

TEST(IncomingCheck, EqualTieBreakersAreWonByTheReceiver) {
  // ">=" in §7.3.1.1: a controlling receiver keeps its role.
  Solo s = agent_b(Role::controlling);
  s.receive(host_b, peer, check_from_peer(creds_b, creds_a, Role::controlling, s.agent.tie_breaker()));
  EXPECT_EQ(only_reply(s).error_code()->code, 487);
}

TEST(IncomingCheck, IsAnsweredBeforeTheRemoteCredentialsArriveAndCheckedBackAfter) {
  Solo s(config_for(Role::controlled, host_b, creds_b));
  s.receive(host_b, peer, check_from_peer(creds_b, creds_a, Role::controlling, 1));
  EXPECT_EQ(only_reply(s).cls, stun::MessageClass::success_response);
  s.advance(1s);
  EXPECT_EQ(s.sent.size(), 1u);  // the triggered check waits for the password
  s.agent.set_remote_credentials(s.now, creds_a);
  s.advance(0ms);
  ASSERT_EQ(s.sent.size(), 2u);
  EXPECT_EQ(s.sent[1].t.remote, peer);
  EXPECT_EQ(*s.message(1).string(attr::username), "AAAAaaaa:BBBBbbbb");
}

}  // namespace
}  // namespace confab::ice
