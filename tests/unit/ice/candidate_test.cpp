// Priorities (RFC 8445 §5.1.2, §6.1.2.3), foundations (§5.1.1.3) and
// credentials (§5.3).
#include <gtest/gtest.h>

#include <set>

#include "ice/candidate.hpp"
#include "ice/credentials.hpp"
#include "ice/pair.hpp"
#include "ice_test_util.hpp"

namespace confab::ice {
namespace {

using test::ip;

TEST(CandidatePriority, FollowsTheFormulaWithTheRecommendedTypePreferences) {
  TypePreferences prefs;
  EXPECT_EQ(prefs.of(CandidateType::host), 126);
  EXPECT_EQ(prefs.of(CandidateType::peer_reflexive), 110);
  EXPECT_EQ(prefs.of(CandidateType::server_reflexive), 100);
  EXPECT_EQ(prefs.of(CandidateType::relayed), 0);
  // (2^24)·126 + (2^8)·65535 + (256 - 1): the familiar 2130706431.
  EXPECT_EQ(candidate_priority(126, 65535, 1), 2130706431u);
  EXPECT_EQ(candidate_priority(126, 65535, 2), 2130706430u);
  EXPECT_EQ(candidate_priority(110, 65535, 1), 1862270975u);
  EXPECT_EQ(candidate_priority(100, 65535, 1), 1694498815u);
  EXPECT_EQ(candidate_priority(0, 65535, 1), 16777215u);
  EXPECT_EQ(candidate_priority(126, 65534, 1), 2130706175u);
}

TEST(CandidatePriority, EveryHostBeatsEveryReflexiveCandidateWhateverTheLocalPreference) {
  EXPECT_GT(candidate_priority(126, 0, 2), candidate_priority(110, 65535, 1));
  EXPECT_GT(candidate_priority(110, 0, 2), candidate_priority(100, 65535, 1));
  EXPECT_GT(candidate_priority(100, 0, 2), candidate_priority(0, 65535, 1));
}

TEST(CandidateType, HasTheSdpNames) {
  EXPECT_STREQ(to_string(CandidateType::host), "host");
  EXPECT_STREQ(to_string(CandidateType::server_reflexive), "srflx");
  EXPECT_STREQ(to_string(CandidateType::peer_reflexive), "prflx");
  EXPECT_STREQ(to_string(CandidateType::relayed), "relay");
}

TEST(PairPriority, FollowsTheFormulaWithGTheControllingAgentsPriority) {
  const std::uint64_t g = 2130706431, d = 1694498815;
  EXPECT_EQ(pair_priority(g, d), (d << 32) + 2 * g + 1);
  EXPECT_EQ(pair_priority(d, g), (d << 32) + 2 * g + 0);
  EXPECT_EQ(pair_priority(g, g), (g << 32) + 2 * g);
  // Both agents compute the same number for the same pair.
  EXPECT_EQ(pair_priority(Role::controlling, 10, 20), pair_priority(Role::controlled, 20, 10));
}

TEST(Foundations, AreSharedBySameTypeBaseIpAndServerAndDifferOtherwise) {
  FoundationTable t;
  const auto host1 = t.get(CandidateType::host, ip("10.0.0.1"), std::nullopt);
  EXPECT_EQ(host1, "1");
  EXPECT_EQ(t.get(CandidateType::host, ip("10.0.0.1"), std::nullopt), host1);  // another port, same IP
  const auto host2 = t.get(CandidateType::host, ip("10.0.0.2"), std::nullopt);
  const auto srflx = t.get(CandidateType::server_reflexive, ip("10.0.0.1"), ip("203.0.113.10"));
  const auto srflx_other_server = t.get(CandidateType::server_reflexive, ip("10.0.0.1"), ip("203.0.113.11"));
  const auto prflx = t.get(CandidateType::peer_reflexive, ip("10.0.0.1"), std::nullopt);
  std::set<std::string> all{host1, host2, srflx, srflx_other_server, prflx};
  EXPECT_EQ(all.size(), 5u);
  EXPECT_EQ(t.get(CandidateType::server_reflexive, ip("10.0.0.1"), ip("203.0.113.10")), srflx);
}

TEST(Credentials, AreGeneratedLongEnoughAndFromIceChars) {
  SeededRng rng(3);
  auto c = generate_credentials(rng);
  EXPECT_EQ(c.ufrag.size(), 8u);  // ≥ 24 bits (§5.3): 48
  EXPECT_EQ(c.pwd.size(), 24u);   // ≥ 128 bits: 144
  EXPECT_TRUE(valid_ufrag(c.ufrag));
  EXPECT_TRUE(valid_pwd(c.pwd));
  auto d = generate_credentials(rng);
  EXPECT_NE(c.ufrag, d.ufrag);
  EXPECT_NE(c.pwd, d.pwd);
}

TEST(Credentials, AreValidatedAgainstTheGrammar) {
  EXPECT_FALSE(valid_ufrag("abc"));
  EXPECT_TRUE(valid_ufrag("ab+/"));
  EXPECT_FALSE(valid_ufrag("ab:c"));  // ':' separates USERNAME's halves
  EXPECT_FALSE(valid_ufrag(std::string(257, 'a')));
  EXPECT_FALSE(valid_pwd(std::string(21, 'a')));
  EXPECT_TRUE(valid_pwd(std::string(22, 'a')));
  EXPECT_FALSE(valid_pwd(std::string(21, 'a') + " "));
}

}  // namespace
}  // namespace confab::ice
