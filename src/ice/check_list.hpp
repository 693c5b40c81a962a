#pragma once
// The check list of one data stream (RFC 8445 §6.1.2): pairs sorted by
// priority, their states and the foundation-based unfreezing, the
// triggered-check queue (§6.1.4.1), the ordinary check choice (§6.1.4.2)
// and the valid list (§7.2.5.3.2). Candidates are referred to by their
// index in the agent's local and remote candidate lists.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ice/pair.hpp"
#include "stun/message.hpp"

namespace confab::ice {

struct CandidatePair {
  std::uint32_t id = 0;
  std::size_t local = 0;   // a host or relayed candidate (srflx ones are replaced by their base, §6.1.2.4)
  std::size_t remote = 0;
  std::uint16_t component = 1;
  std::string foundation;  // local foundation ":" remote foundation
  std::uint64_t priority = 0;
  PairState state = PairState::frozen;
  // Controlled agent: a request with USE-CANDIDATE arrived for this pair
  // before it succeeded; nominate it when it does (§7.3.1.5).
  bool nominate_on_success = false;
  // Controlling agent: the next check of this pair carries USE-CANDIDATE (§8.1.1).
  bool use_candidate_next = false;
  std::optional<stun::TransactionId> transaction;  // the check in flight, if any
};

// A pair that produced a successful check (§7.2.5.3.2): its local candidate
// is the one whose address was the mapped address, so it may be a server- or
// peer-reflexive candidate that is on no check list pair.
struct ValidPair {
  std::size_t local = 0;
  std::size_t remote = 0;
  std::uint16_t component = 1;
  std::uint64_t priority = 0;
  std::uint32_t generated_by = 0;  // the check list pair whose check produced it
  bool nominated = false;
};

class CheckList {
 public:
  const std::vector<CandidatePair>& pairs() const { return pairs_; }
  std::vector<CandidatePair>& pairs() { return pairs_; }
  std::size_t size() const { return pairs_.size(); }
  CandidatePair* find(std::uint32_t id);
  const CandidatePair* find(std::uint32_t id) const;
  CandidatePair* find(std::size_t local, std::size_t remote);

  // Adds a frozen pair unless (local, remote) is listed already (§6.1.2.4:
  // with srflx candidates replaced by their bases, that is the redundancy
  // left). Keeps the list sorted and no longer than `max_pairs` (§6.1.2.5)
  // by dropping the lowest-priority frozen or waiting pair; returns the pair,
  // or nullptr if it was not kept (the existing one if it was a duplicate).
  CandidatePair* add(std::size_t local, std::size_t remote, std::uint16_t component, std::string foundation,
                     std::uint64_t priority, std::size_t max_pairs);
  // Re-sorts after priorities changed (a role switch): highest first, ties by age.
  void sort();
  // Removes pairs for which `drop` is true (and their triggered entries).
  void remove_if(const std::function<bool(const CandidatePair&)>& drop);

  // §6.1.2.6, applied whenever pairs were added (so trickled ones too): a
  // foundation with a succeeded pair has all its frozen pairs set waiting;
  // one with no waiting or in-progress pair gets its best frozen pair (lowest
  // component, then highest priority) set waiting.
  void unfreeze_new();
  // §7.2.5.3.3: every frozen pair of this foundation becomes waiting.
  void unfreeze_foundation(const std::string& foundation);

  // The triggered-check queue: FIFO, each pair at most once.
  void trigger(std::uint32_t id);
  bool is_triggered(std::uint32_t id) const;
  void untrigger(std::uint32_t id);
  std::optional<std::uint32_t> pop_triggered();
  bool has_triggered() const { return !triggered_.empty(); }

  // §6.1.4.2: the highest-priority waiting pair, after unfreezing one frozen
  // pair per foundation that has none waiting or in progress if nothing waits.
  std::optional<std::uint32_t> next_ordinary();
  // Whether next_ordinary() would find something, without changing states.
  bool has_ordinary_work() const;

  std::size_t count(PairState s) const;

  std::vector<ValidPair>& valid() { return valid_; }
  const std::vector<ValidPair>& valid() const { return valid_; }
  // The valid pair (local, remote), added if new (nullptr never).
  ValidPair& add_valid(std::size_t local, std::size_t remote, std::uint16_t component, std::uint64_t priority,
                       std::uint32_t generated_by);

  void clear();

 private:
  bool foundation_active(const std::string& f) const;  // a pair of it is waiting or in progress
  std::uint32_t next_id_ = 1;
  std::vector<CandidatePair> pairs_;
  std::deque<std::uint32_t> triggered_;
  std::vector<ValidPair> valid_;
};

}  // namespace confab::ice
