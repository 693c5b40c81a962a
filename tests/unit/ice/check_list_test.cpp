// The check list on its own: order, the pair limit, unfreezing by
// foundation (§6.1.2.6, §7.2.5.3.3), triggered and ordinary checks (§6.1.4).
#include <gtest/gtest.h>

#include "ice/check_list.hpp"

namespace confab::ice {
namespace {

TEST(CheckList, KeepsPairsSortedByPriorityHighestFirst) {
  CheckList l;
  l.add(0, 0, 1, "1:1", 10, 100);
  l.add(0, 1, 1, "1:2", 30, 100);
  l.add(0, 2, 1, "1:3", 20, 100);
  ASSERT_EQ(l.size(), 3u);
  EXPECT_EQ(l.pairs()[0].priority, 30u);
  EXPECT_EQ(l.pairs()[1].priority, 20u);
  EXPECT_EQ(l.pairs()[2].priority, 10u);
}

TEST(CheckList, IgnoresARedundantPair) {
  CheckList l;
  auto* first = l.add(0, 0, 1, "1:1", 10, 100);
  auto id = first->id;
  EXPECT_EQ(l.add(0, 0, 1, "1:1", 10, 100)->id, id);
  EXPECT_EQ(l.size(), 1u);
}

TEST(CheckList, AtTheLimitDropsTheLowestPriorityPairsThatWereNotCheckedYet) {
  CheckList l;
  l.add(0, 0, 1, "a", 10, 3);
  l.add(0, 1, 1, "b", 20, 3);
  l.add(0, 2, 1, "c", 30, 3);
  l.pairs()[2].state = PairState::in_progress;  // priority 10 is busy: not dropped
  EXPECT_NE(l.add(0, 3, 1, "d", 40, 3), nullptr);
  ASSERT_EQ(l.size(), 3u);
  EXPECT_EQ(l.pairs()[0].priority, 40u);
  EXPECT_EQ(l.pairs()[1].priority, 30u);
  EXPECT_EQ(l.pairs()[2].priority, 10u);
  // A new pair below every droppable one is not kept.
  EXPECT_EQ(l.add(0, 4, 1, "e", 5, 3), nullptr);
  EXPECT_EQ(l.size(), 3u);
}

TEST(CheckList, InitiallySetsOnePairPerFoundationWaitingTheLowestComponentFirst) {
  CheckList l;
  l.add(0, 0, 1, "f1", 50, 100);
  l.add(1, 1, 2, "f1", 60, 100);  // same foundation, component 2: stays frozen
  l.add(0, 2, 1, "f1", 40, 100);
  l.add(0, 3, 1, "f2", 10, 100);
  l.unfreeze_new();
  EXPECT_EQ(l.find(0, 0)->state, PairState::waiting);
  EXPECT_EQ(l.find(1, 1)->state, PairState::frozen);
  EXPECT_EQ(l.find(0, 2)->state, PairState::frozen);
  EXPECT_EQ(l.find(0, 3)->state, PairState::waiting);
}

TEST(CheckList, ASucceededPairUnfreezesItsFoundation) {
  CheckList l;
  l.add(0, 0, 1, "f1", 50, 100);
  l.add(1, 1, 2, "f1", 40, 100);
  l.unfreeze_new();
  l.find(0, 0)->state = PairState::succeeded;
  l.unfreeze_foundation("f1");
  EXPECT_EQ(l.find(1, 1)->state, PairState::waiting);
  // A pair trickled in later joins a foundation that already succeeded as waiting.
  l.add(0, 2, 1, "f1", 45, 100);
  l.unfreeze_new();
  EXPECT_EQ(l.find(0, 2)->state, PairState::waiting);
}

TEST(CheckList, OrdinaryChecksTakeTheBestWaitingPairThenUnfreezeIdleFoundations) {
  CheckList l;
  l.add(0, 0, 1, "f1", 50, 100);
  l.add(0, 1, 1, "f1", 40, 100);
  l.add(0, 2, 1, "f2", 30, 100);
  l.unfreeze_new();
  auto first = l.next_ordinary();
  ASSERT_TRUE(first);
  EXPECT_EQ(*first, l.find(0, 0)->id);
  l.find(0, 0)->state = PairState::in_progress;
  EXPECT_EQ(*l.next_ordinary(), l.find(0, 2)->id);
  l.find(0, 2)->state = PairState::failed;
  // f1 has a pair in progress: its frozen pair waits for it.
  EXPECT_FALSE(l.has_ordinary_work());
  EXPECT_FALSE(l.next_ordinary());
  l.find(0, 0)->state = PairState::failed;
  EXPECT_TRUE(l.has_ordinary_work());
  EXPECT_EQ(*l.next_ordinary(), l.find(0, 1)->id);
}

TEST(CheckList, TriggeredQueueIsFifoWithoutDuplicatesAndForgetsRemovedPairs) {
  CheckList l;
  auto a = l.add(0, 0, 1, "f1", 50, 100)->id;
  auto b = l.add(0, 1, 1, "f2", 40, 100)->id;
  auto c = l.add(0, 2, 1, "f3", 30, 100)->id;
  l.trigger(b);
  l.trigger(a);
  l.trigger(b);
  l.trigger(c);
  l.remove_if([&](const CandidatePair& p) { return p.id == a; });
  EXPECT_EQ(l.pop_triggered(), b);
  EXPECT_EQ(l.pop_triggered(), c);
  EXPECT_FALSE(l.pop_triggered());
}

}  // namespace
}  // namespace confab::ice
