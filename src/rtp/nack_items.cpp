// RFC 4585 §6.2.1 generic NACK items: a PID and a bitmask of the 16 packets
// after it (bit i set: PID+i+1 lost too).
#include "rtp/rtcp.hpp"

namespace confab::rtp {

std::vector<NackItem> make_nack_items(std::span<const std::uint16_t> lost) {
  std::vector<NackItem> items;
  for (const std::uint16_t seq : lost) {
    bool covered = false;
    // Usually the newest item covers it; scan back for out-of-order input.
    for (auto it = items.rbegin(); it != items.rend(); ++it) {
      const auto offset = static_cast<std::uint16_t>(seq - it->pid);
      if (offset == 0) {
        covered = true;
      } else if (offset <= 16) {
        it->blp = static_cast<std::uint16_t>(it->blp | (1u << (offset - 1)));
        covered = true;
      }
      if (covered) break;
    }
    if (!covered) items.push_back({seq, 0});
  }
  return items;
}

std::vector<std::uint16_t> lost_sequence_numbers(std::span<const NackItem> items) {
  std::vector<std::uint16_t> out;
  for (const NackItem& item : items) {
    out.push_back(item.pid);
    for (unsigned bit = 0; bit < 16; ++bit) {
      if (item.blp & (1u << bit)) out.push_back(static_cast<std::uint16_t>(item.pid + bit + 1));
    }
  }
  return out;
}

}  // namespace confab::rtp
