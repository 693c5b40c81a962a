// The simplified E-model: known points and monotonicity.
#include <gtest/gtest.h>

#include "media/quality.hpp"

namespace confab::media {
namespace {

TEST(Quality, PerfectConditionsGiveTheTopOfTheNarrowbandScale) {
  EXPECT_NEAR(mos_from_r(93.2), 4.41, 0.005);
  EXPECT_NEAR(estimate_mos(0, 0, 0), 4.41, 0.005);
  EXPECT_DOUBLE_EQ(r_factor({}), 93.2);
}

TEST(Quality, KnownPointsOfTheMosCurve) {
  EXPECT_DOUBLE_EQ(mos_from_r(-5), 1.0);
  EXPECT_DOUBLE_EQ(mos_from_r(0), 1.0);
  EXPECT_NEAR(mos_from_r(50), 2.575, 0.001);
  EXPECT_NEAR(mos_from_r(70), 3.60, 0.005);
  EXPECT_NEAR(mos_from_r(80), 4.02, 0.005);
  EXPECT_DOUBLE_EQ(mos_from_r(101), 4.5);
}

TEST(Quality, DelayImpairmentHasItsKneeAt177ms) {
  EXPECT_NEAR(delay_impairment(100), 2.4, 1e-9);
  EXPECT_NEAR(delay_impairment(177.3), 0.024 * 177.3, 1e-9);
  EXPECT_NEAR(delay_impairment(300), 0.024 * 300 + 0.11 * (300 - 177.3), 1e-9);
}

TEST(Quality, LossImpairmentFollowsG107) {
  EXPECT_DOUBLE_EQ(loss_impairment(opus_impairment, 0), 0.0);
  EXPECT_NEAR(loss_impairment(opus_impairment, 5), 95.0 * 5 / 25, 1e-9);
  // Bursty loss hurts more than random loss of the same rate.
  EXPECT_GT(loss_impairment(opus_impairment, 5, 2.0), loss_impairment(opus_impairment, 5, 1.0));
}

TEST(Quality, WorseConditionsNeverScoreBetter) {
  double last = 5;
  for (double loss : {0.0, 1.0, 3.0, 10.0, 30.0}) {
    const double mos = estimate_mos(50, 10, loss);
    EXPECT_LT(mos, last);
    last = mos;
  }
  EXPECT_GT(estimate_mos(20, 2, 0), estimate_mos(400, 2, 0));
  EXPECT_GT(estimate_mos(20, 2, 0), estimate_mos(20, 80, 0));
  // A typical good call: 50 ms, 5 ms jitter, 1% loss: still "good" (> 4).
  EXPECT_GT(estimate_mos(50, 5, 1), 4.0);
  EXPECT_GE(estimate_mos(1000, 500, 100), 1.0);
}

}  // namespace
}  // namespace confab::media
