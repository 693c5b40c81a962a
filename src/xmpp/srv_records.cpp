// DNS SRV answer parsing and RFC 2782 ordering (srv_records.hpp).
#include "xmpp/srv_records.hpp"

#include <algorithm>

#include "core/text.hpp"

namespace confab::xmpp {
namespace {

constexpr std::uint16_t type_srv = 33;
constexpr std::uint16_t class_in = 1;

struct Reader {
  ByteView m;
  std::size_t pos = 0;
  std::string error;

  bool fail(std::string what) {
    if (error.empty()) error = what + " at offset " + std::to_string(pos);
    return false;
  }
  bool u16(std::uint16_t& out, const char* what) {
    if (pos + 2 > m.size()) return fail(std::string("truncated ") + what);
    out = static_cast<std::uint16_t>((m[pos] << 8) | m[pos + 1]);
    pos += 2;
    return true;
  }
  bool skip(std::size_t n, const char* what) {
    if (pos + n > m.size()) return fail(std::string("truncated ") + what);
    pos += n;
    return true;
  }
  // A (possibly compressed) name from `pos`; pos ends after its first
  // occurrence. Pointers must point backwards, so a loop cannot form.
  bool name(std::string& out) {
    out.clear();
    std::size_t at = pos;
    bool jumped = false;
    for (int labels = 0; labels < 128; ++labels) {
      if (at >= m.size()) return fail("truncated name");
      const std::uint8_t len = m[at];
      if ((len & 0xC0) == 0xC0) {
        if (at + 1 >= m.size()) return fail("truncated name pointer");
        const std::size_t target = (static_cast<std::size_t>(len & 0x3F) << 8) | m[at + 1];
        if (target >= at) return fail("name pointer that does not point back");
        if (!jumped) pos = at + 2;
        jumped = true;
        at = target;
        continue;
      }
      if ((len & 0xC0) != 0) return fail("unknown label type");
      if (len == 0) {
        if (!jumped) pos = at + 1;
        if (out.size() > 253) return fail("name longer than 253 characters");
        return true;
      }
      if (at + 1 + len > m.size()) return fail("truncated label");
      if (!out.empty()) out += '.';
      out.append(reinterpret_cast<const char*>(m.data() + at + 1), len);
      at += 1 + len;
    }
    return fail("name with too many labels");
  }
};

}  // namespace

Result<std::vector<SrvRecord>, std::string> parse_srv_answer(ByteView message) {
  Reader r{message};
  std::uint16_t id, flags, qd, an, ns, ar;
  if (!r.u16(id, "header") || !r.u16(flags, "header") || !r.u16(qd, "header") || !r.u16(an, "header") ||
      !r.u16(ns, "header") || !r.u16(ar, "header"))
    return unexpected(r.error);
  if ((flags & 0x8000) == 0) return unexpected(std::string("not a response (QR bit clear)"));
  if (const int rcode = flags & 0x000F; rcode != 0)
    return unexpected("the server answered rcode " + std::to_string(rcode));
  std::string name;
  for (std::uint16_t i = 0; i < qd; ++i)
    if (!r.name(name) || !r.skip(4, "question")) return unexpected(r.error);
  std::vector<SrvRecord> out;
  for (std::uint16_t i = 0; i < an; ++i) {
    std::uint16_t type, klass, length;
    if (!r.name(name) || !r.u16(type, "answer type") || !r.u16(klass, "answer class") || !r.skip(4, "answer ttl") ||
        !r.u16(length, "answer length"))
      return unexpected(r.error);
    const std::size_t end = r.pos + length;
    if (end > message.size()) {
      r.fail("answer data longer than the message");
      return unexpected(r.error);
    }
    if (type != type_srv || klass != class_in) {  // CNAMEs and the like
      r.pos = end;
      continue;
    }
    SrvRecord rec;
    if (!r.u16(rec.priority, "SRV priority") || !r.u16(rec.weight, "SRV weight") || !r.u16(rec.port, "SRV port") ||
        !r.name(rec.target))
      return unexpected(r.error);
    if (r.pos != end) {
      r.fail("SRV data of the wrong length");
      return unexpected(r.error);
    }
    rec.target = ascii_lower(rec.target);
    out.push_back(std::move(rec));
    if (out.size() >= 64) break;  // more than any domain needs; the rest are ignored
  }
  return out;
}

std::vector<SrvRecord> order_srv(std::vector<SrvRecord> records, Rng& rng) {
  std::stable_sort(records.begin(), records.end(),
                   [](const SrvRecord& a, const SrvRecord& b) { return a.priority < b.priority; });
  std::vector<SrvRecord> out;
  out.reserve(records.size());
  auto group = records.begin();
  while (group != records.end()) {
    auto group_end = std::find_if(group, records.end(), [&](const SrvRecord& r) { return r.priority != group->priority; });
    std::vector<SrvRecord> left(group, group_end);
    // §"Usage rules": zero-weight records first, then a running sum; pick
    // the first whose sum reaches a random number in [0, total].
    std::stable_partition(left.begin(), left.end(), [](const SrvRecord& r) { return r.weight == 0; });
    while (!left.empty()) {
      std::uint32_t total = 0;
      for (const auto& r : left) total += r.weight;
      const std::uint32_t pick = total == 0 ? 0 : rng.next_u32() % (total + 1);
      std::uint32_t sum = 0;
      auto chosen = left.begin();
      for (auto it = left.begin(); it != left.end(); ++it) {
        sum += it->weight;
        if (sum >= pick) {
          chosen = it;
          break;
        }
      }
      out.push_back(*chosen);
      left.erase(chosen);
    }
    group = group_end;
  }
  return out;
}

bool srv_declined(const std::vector<SrvRecord>& records) {
  return records.size() == 1 && records.front().target.empty();
}

}  // namespace confab::xmpp
