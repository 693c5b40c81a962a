#include "ice/pair.hpp"

#include <algorithm>

namespace confab::ice {

const char* to_string(Role r) { return r == Role::controlling ? "controlling" : "controlled"; }

const char* to_string(PairState s) {
  switch (s) {
    case PairState::frozen: return "frozen";
    case PairState::waiting: return "waiting";
    case PairState::in_progress: return "in-progress";
    case PairState::succeeded: return "succeeded";
    case PairState::failed: return "failed";
  }
  return "frozen";
}

std::uint64_t pair_priority(std::uint32_t controlling, std::uint32_t controlled) {
  const std::uint64_t g = controlling;
  const std::uint64_t d = controlled;
  return (std::min(g, d) << 32) + 2 * std::max(g, d) + (g > d ? 1 : 0);
}

}  // namespace confab::ice
