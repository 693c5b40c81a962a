#include "ice/check_list.hpp"

#include <algorithm>
#include <functional>

namespace confab::ice {

CandidatePair* CheckList::find(std::uint32_t id) {
  auto it = std::ranges::find(pairs_, id, &CandidatePair::id);
  return it == pairs_.end() ? nullptr : &*it;
}

const CandidatePair* CheckList::find(std::uint32_t id) const {
  auto it = std::ranges::find(pairs_, id, &CandidatePair::id);
  return it == pairs_.end() ? nullptr : &*it;
}

CandidatePair* CheckList::find(std::size_t local, std::size_t remote) {
  auto it = std::ranges::find_if(pairs_, [&](const CandidatePair& p) { return p.local == local && p.remote == remote; });
  return it == pairs_.end() ? nullptr : &*it;
}

void CheckList::sort() {
  std::ranges::stable_sort(pairs_, [](const CandidatePair& a, const CandidatePair& b) {
    return a.priority != b.priority ? a.priority > b.priority : a.id < b.id;
  });
}

CandidatePair* CheckList::add(std::size_t local, std::size_t remote, std::uint16_t component, std::string foundation,
                              std::uint64_t priority, std::size_t max_pairs) {
  if (CandidatePair* existing = find(local, remote)) return existing;
  if (max_pairs == 0) return nullptr;
  if (pairs_.size() >= max_pairs) {
    // §6.1.2.5: keep the highest-priority pairs. Only pairs nothing has
    // happened to yet can go; if the new one is the lowest, it is not kept.
    auto victim = std::find_if(pairs_.rbegin(), pairs_.rend(), [](const CandidatePair& p) {
      return p.state == PairState::frozen || p.state == PairState::waiting;
    });
    if (victim == pairs_.rend() || victim->priority >= priority) return nullptr;
    const std::uint32_t gone = victim->id;
    pairs_.erase(std::next(victim).base());
    untrigger(gone);
  }
  CandidatePair p;
  p.id = next_id_++;
  p.local = local;
  p.remote = remote;
  p.component = component;
  p.foundation = std::move(foundation);
  p.priority = priority;
  // After every pair of the same or higher priority: the list stays sorted
  // (ties by age) without re-sorting it.
  auto at = std::ranges::upper_bound(pairs_, priority, std::greater<>{}, &CandidatePair::priority);
  return &*pairs_.insert(at, std::move(p));
}

void CheckList::remove_if(const std::function<bool(const CandidatePair&)>& drop) {
  for (const auto& p : pairs_)
    if (drop(p)) untrigger(p.id);
  std::erase_if(pairs_, drop);
}

bool CheckList::foundation_active(const std::string& f) const {
  return std::ranges::any_of(pairs_, [&](const CandidatePair& p) {
    return p.foundation == f && (p.state == PairState::waiting || p.state == PairState::in_progress);
  });
}

void CheckList::unfreeze_new() {
  // Foundations in order of their best pair, so the outcome is deterministic.
  std::vector<std::string> seen;
  for (const auto& p : pairs_)
    if (std::ranges::find(seen, p.foundation) == seen.end()) seen.push_back(p.foundation);
  for (const auto& f : seen) {
    const bool succeeded = std::ranges::any_of(
        pairs_, [&](const CandidatePair& p) { return p.foundation == f && p.state == PairState::succeeded; });
    if (succeeded) {
      unfreeze_foundation(f);
      continue;
    }
    if (foundation_active(f)) continue;
    CandidatePair* best = nullptr;
    for (auto& p : pairs_) {
      if (p.foundation != f || p.state != PairState::frozen) continue;
      // pairs_ is sorted by priority: the first of the lowest component wins.
      if (best == nullptr || p.component < best->component) best = &p;
    }
    if (best) best->state = PairState::waiting;
  }
}

void CheckList::unfreeze_foundation(const std::string& foundation) {
  for (auto& p : pairs_)
    if (p.foundation == foundation && p.state == PairState::frozen) p.state = PairState::waiting;
}

void CheckList::trigger(std::uint32_t id) {
  if (!is_triggered(id)) triggered_.push_back(id);
}

bool CheckList::is_triggered(std::uint32_t id) const { return std::ranges::find(triggered_, id) != triggered_.end(); }

void CheckList::untrigger(std::uint32_t id) { std::erase(triggered_, id); }

std::optional<std::uint32_t> CheckList::pop_triggered() {
  while (!triggered_.empty()) {
    const std::uint32_t id = triggered_.front();
    triggered_.pop_front();
    if (find(id)) return id;
  }
  return std::nullopt;
}

std::optional<std::uint32_t> CheckList::next_ordinary() {
  for (const auto& p : pairs_)
    if (p.state == PairState::waiting) return p.id;
  for (auto& p : pairs_)
    if (p.state == PairState::frozen && !foundation_active(p.foundation)) p.state = PairState::waiting;
  for (const auto& p : pairs_)
    if (p.state == PairState::waiting) return p.id;
  return std::nullopt;
}

bool CheckList::has_ordinary_work() const {
  // Linear in the list: the foundations busy right now are few.
  std::vector<const std::string*> active;
  bool frozen = false;
  for (const auto& p : pairs_) {
    if (p.state == PairState::waiting) return true;
    if (p.state == PairState::in_progress) active.push_back(&p.foundation);
    frozen |= p.state == PairState::frozen;
  }
  if (!frozen) return false;
  return std::ranges::any_of(pairs_, [&](const CandidatePair& p) {
    return p.state == PairState::frozen &&
           std::ranges::none_of(active, [&](const std::string* f) { return *f == p.foundation; });
  });
}

std::size_t CheckList::count(PairState s) const {
  return static_cast<std::size_t>(std::ranges::count(pairs_, s, &CandidatePair::state));
}

ValidPair& CheckList::add_valid(std::size_t local, std::size_t remote, std::uint16_t component, std::uint64_t priority,
                                std::uint32_t generated_by) {
  auto it = std::ranges::find_if(valid_, [&](const ValidPair& v) { return v.local == local && v.remote == remote; });
  if (it != valid_.end()) {
    it->generated_by = generated_by;
    return *it;
  }
  valid_.push_back(ValidPair{local, remote, component, priority, generated_by, false});
  return valid_.back();
}

void CheckList::clear() {
  pairs_.clear();
  triggered_.clear();
  valid_.clear();
}

}  // namespace confab::ice
