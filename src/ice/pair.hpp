#pragma once
// Candidate pairs (RFC 8445 §6.1.2): states and the pair priority formula.
#include <cstdint>

namespace confab::ice {

enum class Role : std::uint8_t { controlling, controlled };
const char* to_string(Role r);
inline Role opposite(Role r) { return r == Role::controlling ? Role::controlled : Role::controlling; }

// §6.1.2.6.
enum class PairState : std::uint8_t { frozen, waiting, in_progress, succeeded, failed };
const char* to_string(PairState s);

// §6.1.2.3: 2^32 * MIN(G, D) + 2 * MAX(G, D) + (G > D ? 1 : 0), where G is
// the controlling agent's candidate priority and D the controlled agent's.
std::uint64_t pair_priority(std::uint32_t controlling, std::uint32_t controlled);

// The same from one agent's point of view.
inline std::uint64_t pair_priority(Role role, std::uint32_t local, std::uint32_t remote) {
  return role == Role::controlling ? pair_priority(local, remote) : pair_priority(remote, local);
}

}  // namespace confab::ice
