// The responder's life: probing (§8.1), the simultaneous-probe tiebreak
// (§8.2), announcing (§8.3), conflicts later on (§9), goodbyes (§10.1).
// Answering queries is in responder_answer.cpp.
#include "mdns/responder.hpp"

#include <algorithm>

namespace confab::mdns {

namespace {

constexpr Duration probe_interval = 250ms;
constexpr int probe_count = 3;
constexpr int announce_count = 3;
const Name services_meta = Name::parse("_services._dns-sd._udp.local");

Duration random_between(Rng& rng, Duration lo, Duration hi) {
  const auto span = std::chrono::duration_cast<std::chrono::microseconds>(hi - lo).count();
  return lo + std::chrono::microseconds(span > 0 ? rng.next_u32() % static_cast<std::uint32_t>(span + 1) : 0);
}

// Sorts records the way §8.2 compares them: class, then type, then RDATA bytes.
std::vector<std::tuple<std::uint16_t, std::uint16_t, Bytes>> tiebreak_order(const std::vector<Record>& rs) {
  std::vector<std::tuple<std::uint16_t, std::uint16_t, Bytes>> out;
  for (const auto& r : rs) out.emplace_back(r.rclass, r.rtype, canonical_rdata(r));
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

Responder::Responder(ServiceSpec spec, Rng& rng, Instant now) : spec_(std::move(spec)), rng_(rng) {
  start_probing(now, random_between(rng_, 0ms, probe_interval));  // §8.1: a random 0-250 ms first
}

Name Responder::host_name() const { return Name({spec_.host_label, "local"}); }

const InterfaceInfo* Responder::link(std::uint32_t index) const {
  for (const auto& l : links_)
    if (l.index == index) return &l;
  return nullptr;
}

void Responder::set_interfaces(Instant now, std::vector<InterfaceInfo> links) {
  const bool added = std::any_of(links.begin(), links.end(), [&](const InterfaceInfo& l) { return !link(l.index); });
  links_ = std::move(links);
  // A new link has not heard our probes: probe (and announce) again.
  if (added && state_ != State::done && state_ != State::probing) start_probing(now, 0ms);
}

std::vector<Record> Responder::records(const InterfaceInfo& l) const {
  const Name inst = instance_name();
  const Name host = host_name();
  std::vector<Record> out;
  out.push_back({spec_.service_type, type::ptr, class_in, false, spec_.service_ttl, PtrRecord{inst}});
  out.push_back({services_meta, type::ptr, class_in, false, spec_.service_ttl, PtrRecord{spec_.service_type}});
  out.push_back({inst, type::srv, class_in, true, spec_.host_ttl, SrvRecord{0, 0, spec_.port, host}});
  out.push_back({inst, type::txt, class_in, true, spec_.service_ttl, spec_.txt.to_record()});
  for (const auto& a : l.addresses) {
    if (a.is_v4()) {
      ARecord r;
      std::copy_n(a.data(), 4, r.address.begin());
      out.push_back({host, type::a, class_in, true, spec_.host_ttl, r});
    } else {
      AaaaRecord r;
      std::copy_n(a.data(), 16, r.address.begin());
      out.push_back({host, type::aaaa, class_in, true, spec_.host_ttl, r});
    }
  }
  return out;
}

bool Responder::owns(const Name& n) const { return n == instance_name() || n == host_name(); }

bool Responder::is_ours(const Record& r) const {
  for (const auto& l : links_)
    for (const auto& mine : records(l))
      if (mine.same_record(r)) return true;
  return false;
}

void Responder::start_probing(Instant now, Duration delay) {
  // §8.1: after 15 conflicts within 10 s, probe no more than once per 5 s.
  while (!recent_conflicts_.empty() && now - recent_conflicts_.front() > 10s) recent_conflicts_.pop_front();
  if (recent_conflicts_.size() > 15) delay = std::max<Duration>(delay, 5s);
  state_ = State::probing;
  probes_sent_ = 0;
  announcements_left_ = 0;
  next_step_ = now + delay;
  pending_.clear();
}

void Responder::send_probe(Instant now) {
  for (const auto& l : links_) {
    Message m;
    // §5.4: the first probe asks for unicast answers.
    m.questions.push_back({instance_name(), type::any, class_in, probes_sent_ == 0});
    m.questions.push_back({host_name(), type::any, class_in, probes_sent_ == 0});
    for (auto& r : records(l))
      if (owns(r.name)) m.authorities.push_back(r);
    emit(now, l.index, std::nullopt, std::move(m));
  }
  ++counters_.probes_sent;
}

void Responder::announce(Instant now, bool txt_only) {
  for (const auto& l : links_) {
    Message m;
    m.flags = flag::response | flag::authoritative;
    for (auto& r : records(l)) {
      if (txt_only && r.rtype != type::txt) continue;
      note_multicast(now, r, l.index);
      m.answers.push_back(std::move(r));
    }
    emit(now, l.index, std::nullopt, std::move(m));
  }
  ++counters_.announcements_sent;
}

void Responder::handle_timeout(Instant now) {
  if (state_ == State::done) return;
  flush_due(now);
  if (now < next_step_) return;
  if (state_ == State::probing) {
    if (probes_sent_ < probe_count) {
      send_probe(now);
      ++probes_sent_;
      next_step_ = now + probe_interval;
      return;
    }
    // §8.3: no conflict 250 ms after the third probe: the names are ours.
    state_ = State::announcing;
    announcements_left_ = announce_count;
    txt_only_announce_ = false;
    announce_interval_ = 1s;
    events_.push_back({ResponderEvent::Kind::established, spec_.instance, spec_.host_label});
  }
  if (announcements_left_ > 0) {
    announce(now, txt_only_announce_);
    --announcements_left_;
    next_step_ = now + announce_interval_;
    announce_interval_ *= 2;
    if (announcements_left_ == 0) state_ = State::established;
  }
}

void Responder::update_txt(Instant now, TxtAttributes txt) {
  if (txt == spec_.txt) return;
  spec_.txt = std::move(txt);
  if (state_ != State::announcing && state_ != State::established) return;  // the probe or first announcement carries it
  if (state_ == State::established || txt_only_announce_) {
    txt_only_announce_ = true;
    announcements_left_ = 2;  // §8.4: announced again, at least twice
    announce_interval_ = 1s;
    state_ = State::announcing;
  } else {
    announcements_left_ = std::max(announcements_left_, 2);
  }
  next_step_ = now;
}

void Responder::shutdown(Instant now) {
  if (state_ == State::announcing || state_ == State::established) {
    for (const auto& l : links_) {
      Message m;
      m.flags = flag::response | flag::authoritative;
      for (auto& r : records(l)) {
        r.ttl = 0;
        m.answers.push_back(std::move(r));
      }
      emit(now, l.index, std::nullopt, std::move(m));
    }
  }
  pending_.clear();
  state_ = State::done;
}

void Responder::rename_instance() {
  // "alice" → "alice (2)" → "alice (3)" (RFC 6763 §9's example style).
  std::string& n = spec_.instance;
  int next = 2;
  if (n.size() > 4 && n.back() == ')') {
    const auto open = n.rfind(" (");
    if (open != std::string::npos) {
      const std::string digits = n.substr(open + 2, n.size() - open - 3);
      if (!digits.empty() && digits.size() < 6 &&
          std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        next = std::stoi(digits) + 1;
        n.resize(open);
      }
    }
  }
  const std::string suffix = " (" + std::to_string(next) + ")";
  if (n.size() + suffix.size() > max_label_size) n.resize(max_label_size - suffix.size());
  n += suffix;
}

void Responder::rename_host() {
  std::string& h = spec_.host_label;
  int next = 2;
  const auto dash = h.rfind('-');
  if (dash != std::string::npos && dash + 1 < h.size() && h.size() - dash < 6 &&
      std::all_of(h.begin() + static_cast<std::ptrdiff_t>(dash) + 1, h.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    next = std::stoi(h.substr(dash + 1)) + 1;
    h.resize(dash);
  }
  const std::string suffix = "-" + std::to_string(next);
  if (h.size() + suffix.size() > max_label_size) h.resize(max_label_size - suffix.size());
  h += suffix;
}

void Responder::check_response_for_conflict(Instant now, const Message& m) {
  if (state_ == State::done) return;
  bool instance_conflict = false;
  bool host_conflict = false;
  for (const auto* list : {&m.answers, &m.additionals}) {
    for (const auto& r : *list) {
      if (r.ttl == 0 || r.rtype == type::nsec || !owns(r.name) || is_ours(r)) continue;
      // §9: after probing, only a record claiming the set (cache-flush) is a conflict.
      if (state_ != State::probing && !r.cache_flush) continue;
      if (r.name == instance_name()) instance_conflict = true;
      else host_conflict = true;
    }
  }
  if (!instance_conflict && !host_conflict) return;
  ++counters_.conflicts;
  recent_conflicts_.push_back(now);
  if (state_ == State::probing) {
    if (instance_conflict) rename_instance();
    if (host_conflict) rename_host();
    events_.push_back({ResponderEvent::Kind::renamed, spec_.instance, spec_.host_label});
    start_probing(now, 0ms);
  } else {
    // §9: back to probing with the same names; if the other host is still
    // there it answers the probe and we rename then.
    events_.push_back({ResponderEvent::Kind::conflict_after_established, spec_.instance, spec_.host_label});
    start_probing(now, 0ms);
  }
}

void Responder::tiebreak(Instant now, const Message& m) {
  if (m.authorities.empty()) return;
  for (const Name& name : {instance_name(), host_name()}) {
    std::vector<Record> theirs;
    for (const auto& r : m.authorities)
      if (r.name == name) theirs.push_back(r);
    if (theirs.empty()) continue;
    // Our own probe, looped back (possibly from another of our links, whose
    // address records differ): not a rival.
    if (std::all_of(theirs.begin(), theirs.end(), [&](const Record& r) { return is_ours(r); })) continue;
    std::vector<Record> ours;
    for (const auto& l : links_)
      for (auto& r : records(l))
        if (r.name == name && std::none_of(ours.begin(), ours.end(), [&](const Record& x) { return x.same_record(r); }))
          ours.push_back(std::move(r));
    const auto a = tiebreak_order(ours);
    const auto b = tiebreak_order(theirs);
    // Lexicographically later wins; equal sets are our own probe or the same host.
    if (std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end())) {
      ++counters_.probe_tiebreaks_lost;
      start_probing(now, 1s);  // §8.2: the loser waits a second and probes again
      return;
    }
  }
}

void Responder::emit(Instant now, std::uint32_t interface, std::optional<SocketAddress> unicast, Message m) {
  (void)now;
  out_.push_back({interface, unicast, serialize(m)});
  ++counters_.packets_sent;
}

std::optional<OutPacket> Responder::poll_transmit() {
  if (out_.empty()) return std::nullopt;
  auto p = std::move(out_.front());
  out_.pop_front();
  return p;
}

std::optional<ResponderEvent> Responder::poll_event() {
  if (events_.empty()) return std::nullopt;
  auto e = std::move(events_.front());
  events_.pop_front();
  return e;
}

std::optional<Instant> Responder::poll_timeout() const {
  if (state_ == State::done) return std::nullopt;
  std::optional<Instant> t;
  if (state_ == State::probing || announcements_left_ > 0) t = next_step_;
  for (const auto& p : pending_)
    if (!t || p.send_at < *t) t = p.send_at;
  return t;
}

}  // namespace confab::mdns
