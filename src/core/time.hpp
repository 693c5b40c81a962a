#pragma once
// Time is an input. Sans-I/O code takes `Instant now` as a parameter and
// never reads a clock; only src/net and the apps call Clock::now().
#include <chrono>

namespace confab {

using Clock = std::chrono::steady_clock;
using Instant = Clock::time_point;
using Duration = Clock::duration;
using namespace std::chrono_literals;

}  // namespace confab
