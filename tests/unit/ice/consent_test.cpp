// After selection: consent freshness (RFC 7675) and keepalives (RFC 8445 §11).
#include <gtest/gtest.h>

#include "ice_test_util.hpp"

namespace confab::ice {
namespace {

using namespace test;

bool is_consent_from(const Transmit& t, const SocketAddress& from) {
  auto m = stun::parse(t.bytes);
  return m && t.local == from && m->cls == stun::MessageClass::request;
}

TEST(Consent, IsRefreshedEveryFourToSixSecondsWhileThePeerAnswers) {
  Duo duo(config_for(Role::controlling, host_a, creds_a), config_for(Role::controlled, host_b, creds_b));
  duo.signal();
  ASSERT_TRUE(duo.connect());
  const std::size_t before = duo.wire.size();
  duo.run_for(120s);
  EXPECT_EQ(duo.a().state(), IceState::connected);
  EXPECT_EQ(duo.b().state(), IceState::connected);
  std::size_t from_a = 0;
  for (std::size_t i = before; i < duo.wire.size(); ++i) from_a += is_consent_from(duo.wire[i], host_a);
  // 120 s at one every 4..6 s.
  EXPECT_GE(from_a, 20u);
  EXPECT_LE(from_a, 30u);
  EXPECT_GT(duo.a().counters().consent_requests, 0u);
  EXPECT_EQ(duo.a().counters().keepalives, 0u);  // consent traffic keeps the bindings alive
}

TEST(Consent, IsLostThirtySecondsAfterThePeerFallsSilent) {
  Duo duo(config_for(Role::controlling, host_a, creds_a), config_for(Role::controlled, host_b, creds_b));
  duo.signal();
  ASSERT_TRUE(duo.connect());
  const Instant silent_from = duo.now();
  duo.drop = [](const Transmit& t) { return t.local == host_b; };  // B's answers vanish
  ASSERT_TRUE(duo.run_until([&] { return duo.a().state() == IceState::disconnected; }, 60s));
  // The last answer came just before the silence: 30 s after it, consent is gone.
  EXPECT_GE(duo.now() - silent_from, 29s);
  EXPECT_LE(duo.now() - silent_from, 30s);
  EXPECT_FALSE(duo.a().selected_pair());
  auto states = events_of<event::StateChanged>(duo.events_a);
  ASSERT_FALSE(states.empty());
  EXPECT_EQ(states.back().state, IceState::disconnected);
  // No more consent requests once it is lost.
  const auto sent = duo.a().counters().consent_requests;
  duo.run_for(60s);
  EXPECT_EQ(duo.a().counters().consent_requests, sent);
}

TEST(Consent, SurvivesOccasionalLoss) {
  Duo duo(config_for(Role::controlling, host_a, creds_a), config_for(Role::controlled, host_b, creds_b));
  duo.signal();
  ASSERT_TRUE(duo.connect());
  SeededRng loss(11);
  duo.drop = [&](const Transmit&) { return loss.next_u32() % 10 == 0; };  // 10 % loss
  duo.run_for(300s);
  EXPECT_EQ(duo.a().state(), IceState::connected);
  EXPECT_EQ(duo.b().state(), IceState::connected);
}

TEST(Keepalive, IsABindingIndicationEveryFifteenSecondsWithoutConsentChecks) {
  auto a = config_for(Role::controlling, host_a, creds_a);
  a.consent_freshness = false;
  auto b = config_for(Role::controlled, host_b, creds_b);
  b.consent_freshness = false;
  Duo duo(a, b);
  duo.signal();
  ASSERT_TRUE(duo.connect());
  const std::size_t before = duo.wire.size();
  duo.run_for(61s);
  std::size_t indications = 0;
  for (std::size_t i = before; i < duo.wire.size(); ++i) {
    auto m = stun::parse(duo.wire[i].bytes);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->cls, stun::MessageClass::indication);
    ASSERT_EQ(m->attributes.size(), 1u);
    EXPECT_EQ(m->attributes[0].type, stun::attr::fingerprint);
    if (duo.wire[i].local == host_a) ++indications;
  }
  EXPECT_EQ(indications, 4u);  // at 15, 30, 45, 60 s
  EXPECT_EQ(duo.a().counters().keepalives, 4u);
  EXPECT_EQ(duo.a().state(), IceState::connected);  // without consent nothing expires
}

}  // namespace
}  // namespace confab::ice
