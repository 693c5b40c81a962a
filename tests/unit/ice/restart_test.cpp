// ICE restart (RFC 8445 §9): new credentials, media kept on the old pair
// (with its consent) until the new generation selects one.
#include <gtest/gtest.h>

#include "ice_test_util.hpp"

namespace confab::ice {
namespace {

using namespace test;

std::optional<std::string> username_of(const Transmit& t) {
  auto m = stun::parse(t.bytes);
  if (!m || m->cls != stun::MessageClass::request) return std::nullopt;
  auto u = m->string(stun::attr::username);
  return u ? std::optional<std::string>(std::string(*u)) : std::nullopt;
}

struct Restarted {
  Restarted() : duo(config_for(Role::controlling, host_a, creds_a), config_for(Role::controlled, host_b, creds_b)) {
    duo.signal();
    EXPECT_TRUE(duo.connect());
    old_pair = *duo.a().selected_pair();
    duo.a().restart(duo.now());
    duo.b().restart(duo.now());
  }
  Duo duo;
  SelectedPair old_pair;
};

TEST(Restart, GivesNewCredentialsAndReportsTheCandidatesAgain) {
  Restarted r;
  EXPECT_NE(r.duo.a().local_credentials(), creds_a);
  EXPECT_TRUE(valid_ufrag(r.duo.a().local_credentials().ufrag));
  r.duo.run_for(0ms);
  auto gathered = events_of<event::CandidateGathered>(r.duo.events_a);
  ASSERT_EQ(gathered.size(), 2u);  // once at start, once at the restart
  EXPECT_EQ(gathered[1].candidate, gathered[0].candidate);
  EXPECT_EQ(events_of<event::GatheringComplete>(r.duo.events_a).size(), 2u);
  EXPECT_TRUE(r.duo.a().pairs().empty());
  EXPECT_TRUE(r.duo.a().remote_candidates().empty());
}

TEST(Restart, KeepsTheOldPairSelectedAndConsentedUntilTheNewOneIsChosen) {
  Restarted r;
  EXPECT_EQ(r.duo.a().state(), IceState::connected);
  EXPECT_EQ(r.duo.a().selected_pair()->remote, r.old_pair.remote);
  // The new offer/answer takes 40 s to arrive: consent keeps the old pair.
  r.duo.run_for(40s);
  EXPECT_EQ(r.duo.a().state(), IceState::connected);
  EXPECT_EQ(r.duo.b().state(), IceState::connected);
  ASSERT_TRUE(r.duo.a().selected_pair());
  // Those consent checks still speak the old credentials.
  const std::string old_username = creds_b.ufrag + ":" + creds_a.ufrag;
  std::size_t old_checks = 0;
  for (const auto& t : r.duo.wire)
    if (t.local == host_a && username_of(t) == old_username) ++old_checks;
  EXPECT_GE(old_checks, 7u);
}

TEST(Restart, SwitchesToTheNewGenerationOnceItSelects) {
  Restarted r;
  r.duo.signal();
  const std::string new_username = r.duo.b().local_credentials().ufrag + ":" + r.duo.a().local_credentials().ufrag;
  const std::size_t before = r.duo.wire.size();
  ASSERT_TRUE(r.duo.run_until(
      [&] {
        for (std::size_t i = before; i < r.duo.wire.size(); ++i)
          if (r.duo.wire[i].local == host_a && username_of(r.duo.wire[i]) == new_username) return true;
        return false;
      },
      1s));
  r.duo.run_for(20s);
  EXPECT_EQ(r.duo.a().state(), IceState::connected);
  // After the switch, consent speaks the new credentials only.
  const std::string old_username = creds_b.ufrag + ":" + creds_a.ufrag;
  const std::size_t late = r.duo.wire.size() - 3;
  for (std::size_t i = late; i < r.duo.wire.size(); ++i) EXPECT_NE(username_of(r.duo.wire[i]), old_username);
  // Checks in the old credentials are no longer answered.
  std::size_t before_401 = r.duo.b().counters().unauthorized;
  r.duo.b().handle_datagram(r.duo.now(), Datagram{Transport::udp, host_b, host_a,
                                                   check_from_peer(creds_b, creds_a, Role::controlling, 1)});
  EXPECT_EQ(r.duo.b().counters().unauthorized, before_401 + 1);
}

TEST(Restart, CanChangeTheRole) {
  Duo duo(config_for(Role::controlling, host_a, creds_a), config_for(Role::controlled, host_b, creds_b));
  duo.signal();
  ASSERT_TRUE(duo.connect());
  duo.a().restart(duo.now(), Role::controlled);
  duo.b().restart(duo.now(), Role::controlling);
  duo.signal();
  duo.run_for(2s);
  EXPECT_EQ(duo.a().role(), Role::controlled);
  EXPECT_EQ(duo.a().state(), IceState::connected);
  EXPECT_EQ(duo.b().state(), IceState::connected);
}

TEST(Restart, AfterConsentWasLostStartsAfresh) {
  Duo duo(config_for(Role::controlling, host_a, creds_a), config_for(Role::controlled, host_b, creds_b));
  duo.signal();
  ASSERT_TRUE(duo.connect());
  duo.drop = [](const Transmit&) { return true; };
  ASSERT_TRUE(duo.run_until([&] { return duo.a().state() == IceState::disconnected; }, 60s));
  duo.drop = [](const Transmit&) { return false; };
  duo.a().restart(duo.now());
  duo.b().restart(duo.now());
  EXPECT_EQ(duo.a().state(), IceState::idle);
  duo.signal();
  ASSERT_TRUE(duo.connect());
}

TEST(Credentials, FromTheSameGenerationCannotChange) {
  Solo s(config_for(Role::controlling, host_a, creds_a));
  EXPECT_TRUE(s.agent.set_remote_credentials(s.now, creds_b));
  EXPECT_TRUE(s.agent.set_remote_credentials(s.now, creds_b));
  EXPECT_FALSE(s.agent.set_remote_credentials(s.now, {"XXXXxxxx", creds_b.pwd}));
  EXPECT_FALSE(s.agent.set_remote_credentials(s.now, {"ab", creds_b.pwd}));
}

}  // namespace
}  // namespace confab::ice
