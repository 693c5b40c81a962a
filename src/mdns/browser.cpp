// Browsing and resolving: what to ask and when, and turning the cache into
// a list of services with events for what changed.
#include "mdns/browser.hpp"

#include <algorithm>

namespace confab::mdns {

namespace {
constexpr Duration max_browse_interval = 60min;
constexpr int max_resolve_attempts = 4;

// A record set just replaced (cache-flush) keeps its old members for a
// second (§10.2); what a person's entry shows is the newest.
std::vector<const CacheEntry*> newest_first(std::vector<const CacheEntry*> v) {
  std::stable_sort(v.begin(), v.end(), [](const CacheEntry* a, const CacheEntry* b) { return a->received > b->received; });
  return v;
}

Duration ms_between(Rng& rng, int lo, int hi) {
  return std::chrono::milliseconds(lo + static_cast<int>(rng.next_u32() % static_cast<std::uint32_t>(hi - lo + 1)));
}
}  // namespace

Browser::Browser(Name service_type, Rng& rng, Instant now) : type_(std::move(service_type)), rng_(rng) {
  next_browse_ = now + ms_between(rng_, 20, 120);  // §5.2
}

void Browser::set_interfaces(Instant now, std::vector<std::uint32_t> links) {
  const bool added = std::any_of(links.begin(), links.end(), [&](std::uint32_t l) {
    return std::find(links_.begin(), links_.end(), l) == links_.end();
  });
  links_ = std::move(links);
  if (added) {  // a new link: start querying from the beginning
    browse_interval_ = 1s;
    next_browse_ = std::min(next_browse_, now + ms_between(rng_, 20, 120));
  }
}

void Browser::send(Instant now, std::vector<Question> questions, bool with_known_answers) {
  Message m;
  m.questions = std::move(questions);
  if (with_known_answers) {
    for (const auto& e : cache_.entries()) {
      if (e.record.rtype != type::ptr || !(e.record.name == type_) || !cache_.fresh(now, e.record)) continue;
      Record r = e.record;
      r.ttl = Cache::remaining_ttl(now, e);
      m.answers.push_back(std::move(r));
      if (m.answers.size() >= 40) break;  // keeps the query well inside one packet
    }
  }
  const Bytes bytes = serialize(m);
  for (auto l : links_) out_.push_back({l, std::nullopt, bytes});
  ++counters_.queries_sent;
}

void Browser::browse(Instant now) {
  send(now, {{type_, type::ptr, class_in, false}}, true);
  next_browse_ = now + browse_interval_;
  browse_interval_ = std::min<Duration>(browse_interval_ * 2, max_browse_interval);
}

void Browser::resolve_due(Instant now) {
  // Instances whose PTR went are not resolved any more.
  std::erase_if(resolving_, [&](const auto& kv) {
    return std::none_of(cache_.entries().begin(), cache_.entries().end(), [&](const CacheEntry& e) {
      return e.record.rtype == type::ptr && std::get<PtrRecord>(e.record.data).target == kv.first;
    });
  });
  std::vector<Question> qs;
  for (const auto& e : cache_.entries()) {
    if (e.record.rtype != type::ptr || !(e.record.name == type_)) continue;
    const Name& inst = std::get<PtrRecord>(e.record.data).target;
    auto srv = cache_.find(inst, type::srv);
    const bool have_txt = !cache_.find(inst, type::txt).empty();
    bool have_address = false;
    Name host;
    if (!srv.empty()) {
      host = std::get<SrvRecord>(srv.front()->record.data).target;
      have_address = !cache_.find(host, type::a).empty() || !cache_.find(host, type::aaaa).empty();
    }
    if (!srv.empty() && have_txt && have_address) {
      resolving_.erase(inst);
      continue;
    }
    auto [it, fresh] = resolving_.try_emplace(inst, Resolve{now, 0});
    if (it->second.attempts >= max_resolve_attempts || now < it->second.next) continue;
    if (srv.empty()) qs.push_back({inst, type::srv, class_in, false});
    if (!have_txt) qs.push_back({inst, type::txt, class_in, false});
    if (!srv.empty() && !have_address) {
      qs.push_back({host, type::a, class_in, false});
      qs.push_back({host, type::aaaa, class_in, false});
    }
    ++it->second.attempts;
    it->second.next = now + std::chrono::seconds(1 << it->second.attempts);
    if (qs.size() > 32) break;
  }
  if (!qs.empty()) send(now, std::move(qs), false);
}

bool Browser::interesting(const Record& r) const {
  if (r.rtype == type::ptr) return r.name == type_;
  for (const auto& e : cache_.entries()) {
    if (e.record.rtype == type::ptr && e.record.name == type_) {
      const Name& inst = std::get<PtrRecord>(e.record.data).target;
      if ((r.rtype == type::srv || r.rtype == type::txt) && r.name == inst) return true;
    }
    if ((r.rtype == type::a || r.rtype == type::aaaa) && e.record.rtype == type::srv &&
        std::get<SrvRecord>(e.record.data).target == r.name)
      return true;
  }
  return false;
}

// §5.2: a record still wanted is asked for at 80, 85, 90 and 95 % of its TTL.
static Instant refresh_point(const CacheEntry& e) {
  const auto life = e.expires - e.received;
  return e.received + life * (80 + 5 * e.refreshes_asked) / 100;
}

std::optional<Instant> Browser::next_refresh() const {
  std::optional<Instant> t;
  for (const auto& e : cache_.entries()) {
    if (e.refreshes_asked >= 4 || e.record.ttl < 4 || !interesting(e.record)) continue;
    const Instant at = refresh_point(e);
    if (!t || at < *t) t = at;
  }
  return t;
}

void Browser::refresh_due(Instant now) {
  std::vector<Question> qs;
  for (auto& e : cache_.entries()) {
    if (e.refreshes_asked >= 4 || e.record.ttl < 4 || now < refresh_point(e) || !interesting(e.record)) continue;
    ++e.refreshes_asked;
    Question q{e.record.name, e.record.rtype, class_in, false};
    if (std::find(qs.begin(), qs.end(), q) == qs.end()) qs.push_back(std::move(q));
  }
  if (!qs.empty()) send(now, std::move(qs), true);
}

void Browser::handle_message(Instant now, const Message& m, const InPacket& from) {
  if (!m.is_response() || m.opcode() != 0 || m.rcode() != 0) return;
  if (from.source.port != mdns_port) return;  // RFC 6762 §6: not an mDNS response
  ++counters_.responses_seen;
  std::vector<const Record*> records;
  for (const auto* list : {&m.answers, &m.additionals})
    for (const auto& r : *list)
      if (r.rclass == class_in && r.rtype != type::nsec) records.push_back(&r);
  if (cache_.insert(now, records, from.interface)) ++counters_.records_cached;
  resolve_due(now);
  update_views(now);
}

void Browser::handle_timeout(Instant now) {
  cache_.expire(now);
  if (now >= next_browse_) browse(now);
  resolve_due(now);
  refresh_due(now);
  update_views(now);
}

std::map<Name, DiscoveredService> Browser::current_views(Instant now) const {
  std::map<Name, DiscoveredService> views;
  for (const auto& e : cache_.entries()) {
    if (e.expires <= now || e.record.rtype != type::ptr || !(e.record.name == type_)) continue;
    const Name& inst = std::get<PtrRecord>(e.record.data).target;
    if (inst.labels.size() != type_.labels.size() + 1 || !inst.ends_with(type_)) continue;
    auto srv = newest_first(cache_.find(inst, type::srv));
    if (srv.empty()) continue;  // not resolved yet
    DiscoveredService s;
    s.instance = inst.labels.front();
    s.name = inst;
    const auto& sr = std::get<SrvRecord>(srv.front()->record.data);
    s.host = sr.target;
    s.port = sr.port;
    s.interface = srv.front()->interface;
    if (auto txt = newest_first(cache_.find(inst, type::txt)); !txt.empty())
      s.txt = TxtAttributes::from_record(std::get<TxtRecord>(txt.front()->record.data));
    for (const auto* a : cache_.find(s.host, type::a))
      s.addresses.push_back(IpAddress::v4(std::get<ARecord>(a->record.data).address));
    for (const auto* a : cache_.find(s.host, type::aaaa))
      s.addresses.push_back(IpAddress::v6(std::get<AaaaRecord>(a->record.data).address));
    std::sort(s.addresses.begin(), s.addresses.end());
    views.emplace(inst, std::move(s));
  }
  return views;
}

void Browser::update_views(Instant now) {
  auto views = current_views(now);
  for (const auto& [name, old] : reported_)
    if (!views.count(name)) events_.push_back({BrowserEvent::Kind::removed, old});
  for (const auto& [name, s] : views) {
    auto it = reported_.find(name);
    if (it == reported_.end()) events_.push_back({BrowserEvent::Kind::added, s});
    else if (!(it->second == s)) events_.push_back({BrowserEvent::Kind::updated, s});
  }
  reported_ = std::move(views);
}

std::vector<DiscoveredService> Browser::services() const {
  std::vector<DiscoveredService> out;
  for (const auto& [name, s] : reported_) out.push_back(s);
  return out;
}

std::optional<OutPacket> Browser::poll_transmit() {
  if (out_.empty()) return std::nullopt;
  auto p = std::move(out_.front());
  out_.pop_front();
  return p;
}

std::optional<BrowserEvent> Browser::poll_event() {
  if (events_.empty()) return std::nullopt;
  auto e = std::move(events_.front());
  events_.pop_front();
  return e;
}

std::optional<Instant> Browser::poll_timeout() const {
  Instant t = next_browse_;
  if (auto e = cache_.next_expiry()) t = std::min(t, *e);
  if (auto r = next_refresh()) t = std::min(t, *r);
  for (const auto& [name, r] : resolving_)
    if (r.attempts < max_resolve_attempts) t = std::min(t, r.next);
  return t;
}

}  // namespace confab::mdns
