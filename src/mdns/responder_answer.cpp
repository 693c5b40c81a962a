// Answering queries (RFC 6762 §6): which of our records match, known-answer
// suppression (§7.1), unicast answers for QU questions (§5.4) and legacy
// queriers (§6.7), the 20-120 ms delay for shared records, aggregation of
// answers per link, the additional records DNS-SD wants (RFC 6763 §12),
// NSEC for types we do not have (§6.1), and the per-record rate limit (§6).
#include <algorithm>

#include "core/text.hpp"
#include "mdns/responder.hpp"

namespace confab::mdns {

namespace {

std::string rate_key(const Record& r) {
  return ascii_lower(r.name.to_string()) + "/" + std::to_string(r.rtype) + "/" + to_hex(canonical_rdata(r));
}

bool contains(const std::vector<Record>& rs, const Record& r) {
  return std::any_of(rs.begin(), rs.end(), [&](const Record& x) { return x.same_record(r); });
}

void add_unique(std::vector<Record>& rs, const Record& r) {
  if (!contains(rs, r)) rs.push_back(r);
}

Record nsec_for(const Name& name, const std::vector<Record>& ours, std::uint32_t ttl) {
  NsecRecord n{name, {}};
  for (const auto& r : ours)
    if (r.name == name) n.types.push_back(r.rtype);
  std::sort(n.types.begin(), n.types.end());
  n.types.erase(std::unique(n.types.begin(), n.types.end()), n.types.end());
  return Record{name, type::nsec, class_in, true, ttl, std::move(n)};
}

}  // namespace

void Responder::handle_message(Instant now, const Message& m, const InPacket& from) {
  if (m.opcode() != 0) return;  // §18.3: other opcodes are ignored
  if (m.is_response()) {
    // §11: responses not from port 5353 are not mDNS responses.
    if (from.source.port == mdns_port) check_response_for_conflict(now, m);
    return;
  }
  if (state_ == State::probing) {
    tiebreak(now, m);
    return;
  }
  if (state_ == State::done) return;
  answer_query(now, m, from);
}

void Responder::answer_query(Instant now, const Message& m, const InPacket& from) {
  const InterfaceInfo* l = link(from.interface);
  if (!l) return;
  const bool legacy = from.source.port != mdns_port;
  const std::vector<Record> ours = records(*l);
  std::vector<Record> multicast, unicast;
  bool shared = false;
  for (const auto& q : m.questions) {
    if (q.qclass != class_in && q.qclass != class_any) continue;
    std::vector<Record> matched;
    bool name_known = false;
    for (const auto& r : ours) {
      if (!(r.name == q.name)) continue;
      name_known = true;
      if (q.qtype == type::any || q.qtype == r.rtype) matched.push_back(r);
    }
    if (name_known && matched.empty() && owns(q.name)) matched.push_back(nsec_for(q.name, ours, spec_.host_ttl));
    for (const auto& r : matched) {
      const bool known = std::any_of(m.answers.begin(), m.answers.end(), [&](const Record& k) {
        return k.same_record(r) && std::uint64_t{k.ttl} * 2 >= r.ttl;
      });
      if (known) {
        ++counters_.answers_suppressed;
        continue;
      }
      if (legacy) {
        add_unique(unicast, r);
        continue;
      }
      // §5.4: a QU question gets a unicast answer, unless the record has not
      // been multicast on this link within a quarter of its TTL.
      bool recently = false;
      if (auto it = last_multicast_.find({rate_key(r), l->index}); it != last_multicast_.end())
        recently = now - it->second < std::chrono::seconds(r.ttl) / 4;
      if (q.unicast_response && recently) {
        add_unique(unicast, r);
      } else {
        add_unique(multicast, r);
        if (r.rtype == type::ptr) shared = true;
      }
    }
  }
  if (multicast.empty() && unicast.empty()) return;
  ++counters_.queries_answered;
  if (!unicast.empty()) {
    Pending p;
    p.interface = l->index;
    p.unicast = from.source;
    p.send_at = now;
    p.legacy = legacy;
    p.id = m.id;
    if (legacy) p.questions = m.questions;
    p.answers = std::move(unicast);
    queue(std::move(p));
  }
  if (!multicast.empty()) {
    Pending p;
    p.interface = l->index;
    p.defending = !m.authorities.empty();
    // Unique records are answered at once; shared ones after 20-120 ms so
    // that several responders' answers do not collide (§6); a truncated
    // query's known answers are still coming (§7.2): 400-500 ms.
    Duration delay = 0ms;
    const auto rnd = [&](int lo, int hi) {
      return std::chrono::milliseconds(lo + static_cast<int>(rng_.next_u32() % static_cast<std::uint32_t>(hi - lo + 1)));
    };
    if (m.flags & flag::truncated) delay = rnd(400, 500);
    else if (shared) delay = rnd(20, 120);
    p.send_at = now + delay;
    p.answers = std::move(multicast);
    queue(std::move(p));
  }
  flush_due(now);
}

void Responder::queue(Pending p) {
  if (!p.unicast) {
    for (auto& q : pending_) {
      if (q.unicast || q.interface != p.interface) continue;
      // Aggregate: one packet per link carries every answer due (§6.4).
      for (auto& r : p.answers) add_unique(q.answers, r);
      q.send_at = std::min(q.send_at, p.send_at);
      q.defending = q.defending || p.defending;
      return;
    }
  }
  pending_.push_back(std::move(p));
}

std::vector<Record> Responder::additionals_for(const std::vector<Record>& answers, const InterfaceInfo& l) const {
  const std::vector<Record> ours = records(l);
  std::vector<Record> extra;
  auto add_name = [&](const Name& n) {
    for (const auto& r : ours)
      if (r.name == n && !contains(answers, r)) add_unique(extra, r);
    if (owns(n)) {
      const Record nsec = nsec_for(n, ours, spec_.host_ttl);
      if (!contains(answers, nsec)) add_unique(extra, nsec);
    }
  };
  for (const auto& a : answers) {
    if (a.rtype == type::ptr && a.name == spec_.service_type) {
      add_name(instance_name());  // RFC 6763 §12.1: SRV, TXT, and the host's addresses
      add_name(host_name());
    } else if (a.rtype == type::srv) {
      add_name(host_name());      // §12.2
    }
  }
  return extra;
}

bool Responder::rate_limited(Instant now, const Record& r, std::uint32_t interface, bool defending) const {
  auto it = last_multicast_.find({rate_key(r), interface});
  if (it == last_multicast_.end()) return false;
  return now - it->second < (defending ? Duration(250ms) : Duration(1s));
}

void Responder::note_multicast(Instant now, const Record& r, std::uint32_t interface) {
  if (last_multicast_.size() > 1024) {
    std::erase_if(last_multicast_, [&](const auto& kv) { return now - kv.second > 10s; });
  }
  last_multicast_[{rate_key(r), interface}] = now;
}

void Responder::flush_due(Instant now) {
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (it->send_at > now) {
      ++it;
      continue;
    }
    Pending p = std::move(*it);
    it = pending_.erase(it);
    const InterfaceInfo* l = link(p.interface);
    if (!l) continue;
    Message m;
    m.flags = flag::response | flag::authoritative;
    if (p.legacy) {
      m.id = p.id;
      m.questions = p.questions;
    }
    for (auto& r : p.answers) {
      if (!p.unicast) {
        if (rate_limited(now, r, p.interface, p.defending)) {
          ++counters_.answers_rate_limited;
          continue;
        }
        note_multicast(now, r, p.interface);
      }
      m.answers.push_back(r);
    }
    if (m.answers.empty()) continue;
    m.additionals = additionals_for(m.answers, *l);
    if (p.legacy) {
      // §6.7: legacy resolvers know nothing of cache-flush; keep TTLs short.
      for (auto* list : {&m.answers, &m.additionals}) {
        for (auto& r : *list) {
          r.cache_flush = false;
          r.ttl = std::min<std::uint32_t>(r.ttl, 10);
        }
      }
    }
    emit(now, p.interface, p.unicast, std::move(m));
  }
}

}  // namespace confab::mdns
