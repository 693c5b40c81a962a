// The NAT matrix again with lossy, slow and jittery-by-seed links: outcomes
// must not change (retransmissions cover 3 % loss), and connecting stays
// bounded in time. Also reports how many scenarios a second the simulation runs.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <iostream>

#include "sim/ice_expectations.hpp"
#include "sim/ice_scenario.hpp"

namespace confab::sim::icesim {
namespace {

using namespace std::chrono_literals;

std::vector<std::optional<Behaviours>> classes() {
  std::vector<std::optional<Behaviours>> out{std::nullopt};
  for (auto m : {Behaviour::endpoint_independent, Behaviour::address_dependent, Behaviour::address_and_port_dependent})
    for (auto f :
         {Behaviour::endpoint_independent, Behaviour::address_dependent, Behaviour::address_and_port_dependent})
      out.push_back(Behaviours{m, f});
  return out;
}

std::string name(const std::optional<Behaviours>& b) {
  if (!b) return "open";
  return std::to_string(static_cast<int>(b->mapping)) + "/" + std::to_string(static_cast<int>(b->filtering));
}

// A scenario varied by seed: link delays 5..200 ms, NAT delays 0..30 ms,
// `loss` on each host link, trickle or not.
IceScenario varied(const std::optional<Behaviours>& a, const std::optional<Behaviours>& b, std::uint64_t seed,
                   double loss) {
  SeededRng r(seed * 7919);
  auto ms = [&](int lo, int hi) { return std::chrono::milliseconds(lo + static_cast<int>(r.next_u32() % static_cast<std::uint32_t>(hi - lo + 1))); };
  IceScenario s;
  s.seed = seed;
  s.a.link = {ms(5, 200), loss};
  s.b.link = {ms(5, 200), loss};
  s.a.nat_link = {ms(0, 30), 0};
  s.b.nat_link = {ms(0, 30), 0};
  s.server_link = {ms(5, 100), 0};
  s.signaling_delay = ms(20, 400);
  s.trickle = r.next_u32() % 2 == 0;
  if (a) s.a.nat = nat(a->mapping, a->filtering, ip("198.51.100.1"));
  if (b) s.b.nat = nat(b->mapping, b->filtering, ip("198.51.100.2"));
  return s;
}

TEST(IceLossySim, EveryNatPairingKeepsItsOutcomeUnderLossAndLatency) {
  constexpr int seeds = 10;
  std::vector<Duration> connect_times;
  int scenarios = 0;
  const auto started = std::chrono::steady_clock::now();
  for (const auto& a : classes()) {
    for (const auto& b : classes()) {
      const bool expected = direct_path_expected(a, b);
      for (int i = 0; i < seeds; ++i) {
        const std::uint64_t seed = static_cast<std::uint64_t>(scenarios) + 1;
        IceOutcome o = run_ice(varied(a, b, seed, 0.03));
        ++scenarios;
        SCOPED_TRACE(name(a) + " <-> " + name(b) + " seed " + std::to_string(seed));
        if (expected) {
          ASSERT_TRUE(o.connected()) << to_string(o.a) << "/" << to_string(o.b);
          EXPECT_EQ(o.a_pair->local.address, o.b_pair->remote.address);
          connect_times.push_back(*o.time_to_connect());
        } else {
          ASSERT_TRUE(o.failed()) << to_string(o.a) << "/" << to_string(o.b);
        }
      }
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::ranges::sort(connect_times);
  auto ms = [](Duration d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); };
  const Duration median = connect_times[connect_times.size() / 2];
  const Duration p99 = connect_times[connect_times.size() * 99 / 100];
  const Duration worst = connect_times.back();
  std::cout << "[ice sim] " << scenarios << " lossy scenarios in " << seconds << " s ("
            << static_cast<int>(scenarios / seconds) << "/s); time to connect: median " << ms(median) << " ms, p99 "
            << ms(p99) << " ms, max " << ms(worst) << " ms\n";
  RecordProperty("scenarios_per_second", static_cast<int>(scenarios / seconds));
  // Bounded: a lost check costs an RTO (0.5..2 s) and doublings; 3 % loss
  // and 400 ms of signalling stay well inside 10 s.
  EXPECT_LE(median, 3s);
  EXPECT_LE(worst, 10s);
}

TEST(IceLossySim, ConnectingCasesRunThousandsOfScenariosASecond) {
  // The connecting half of the matrix, lossless and varied by seed: the
  // common case of a call. Failing scenarios take minutes of simulated time
  // (every pair must time out) and are measured above.
  int scenarios = 0;
  const auto started = std::chrono::steady_clock::now();
  for (int round = 0; round < 10; ++round)
    for (const auto& a : classes())
      for (const auto& b : classes()) {
        if (!direct_path_expected(a, b)) continue;
        IceOutcome o = run_ice(varied(a, b, static_cast<std::uint64_t>(scenarios) + 1, 0));
        ++scenarios;
        ASSERT_TRUE(o.connected());
      }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::cout << "[ice sim] " << scenarios << " connecting scenarios in " << seconds << " s ("
            << static_cast<int>(scenarios / seconds) << "/s)\n";
  RecordProperty("scenarios_per_second", static_cast<int>(scenarios / seconds));
}

}  // namespace
}  // namespace confab::sim::icesim
