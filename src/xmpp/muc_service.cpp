// The MUC service: dispatch by address (the service, a room, an occupant),
// room creation (§10.1) and removal, and the service's own disco (§6.1-§6.3).
#include "xmpp/muc_service.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <variant>

#include "xmpp/im_namespaces.hpp"
#include "xmpp/mam.hpp"
#include "xmpp/mam_query.hpp"
#include "xmpp/muc_stanzas.hpp"

namespace confab::xmpp {

namespace {

bool visible(const std::string& nick) {
  return std::any_of(nick.begin(), nick.end(), [](char c) { return c != ' '; });
}

}  // namespace

MucService::MucService(MucConfig config, WallClock wall_clock, MucStore* store, Rng* rng)
    : config_(std::move(config)), wall_clock_(std::move(wall_clock)), store_(store), rng_(rng) {}

StorageResult<std::size_t> MucService::restore() {
  if (!store_) return std::size_t{0};
  auto records = store_->muc_rooms(config_.domain);
  if (!records) return unexpected(records.error());
  std::size_t n = 0;
  for (const MucRoomRecord& r : *records) {
    auto jid = Jid::parse(r.id + "@" + config_.domain);
    if (!jid || jid->local() != r.id) continue;  // not a room name (any more): left in the store
    rooms_.insert_or_assign(r.id, std::make_unique<MucRoom>(std::move(*jid), r, config_));
    stored_.insert(r.id);
    ++n;
  }
  return n;
}

bool MucService::stored(const StorageResult<Stored>& r) {
  if (r) return true;
  ++counters_.store_errors;
  return false;
}

void MucService::persist(const std::string& id, MucRoom& room) {
  const MucRoom::Changes changes = room.take_changes();
  if (!store_) return;
  if (!room.storable()) {
    // Destroyed, made temporary, or never configured: gone from the store.
    if (stored_.count(id)) {
      if (auto r = store_->delete_muc_room(config_.domain, id); r) {
        stored_.erase(id);
        resave_.erase(id);
      } else {
        ++counters_.store_errors;  // tried again at its next stanza
      }
    }
    return;
  }
  if (!stored_.count(id) || resave_.count(id)) {
    // Just made persistent, or a write was lost: the room whole. A failed
    // save may have left an older copy, which a later delete must remove.
    stored_.insert(id);
    if (stored(store_->save_muc_room(config_.domain, room.record(), config_.max_history))) resave_.erase(id);
    else resave_.insert(id);
  } else if (changes.any()) {
    bool ok = true;
    if (changes.config) ok = stored(store_->put_muc_config(config_.domain, id, room.config())) && ok;
    for (const Jid& jid : changes.affiliations)
      ok = stored(store_->put_muc_affiliation(config_.domain, id, room.affiliation_record(jid))) && ok;
    if (changes.subject)
      if (auto subject = room.subject_record()) ok = stored(store_->put_muc_subject(config_.domain, id, *subject)) && ok;
    for (const MucHistoryRecord& h : changes.history)
      ok = stored(store_->add_muc_history(config_.domain, id, h, config_.max_history)) && ok;
    if (!ok) resave_.insert(id);
  }
  // The archive is not part of the room's record (a resave leaves it as it
  // is): a message whose write fails is missing from it, and counted.
  for (const ArchivedMessage& m : changes.archive)
    if (stored(store_->archive_muc_message(config_.domain, id, m, config_.max_archived_messages))) ++counters_.archived;
}

MucContext MucService::context(Instant now) {
  MucContext ctx{now, wall_clock_ ? wall_clock_(now) : WallTime{}, config_, out_};
  if (archiving()) {
    ctx.archive_id = [this, wall = ctx.wall] {
      // As user archives' ids: the time in microseconds, so ids made one
      // after another sort together in the store's index, then 72 random
      // bits, so they cannot be guessed.
      const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(wall.time_since_epoch()).count();
      char stamp[24];
      std::snprintf(stamp, sizeof stamp, "%013llx", static_cast<unsigned long long>(micros));
      return stamp + rng_->random_hex(9);
    };
  }
  return ctx;
}

void MucService::handle_stanza(Instant now, const Element& stanza) {
  ++counters_.stanzas_in;
  auto from = Jid::parse(stanza.attribute("from").value_or(""));
  auto to = Jid::parse(stanza.attribute("to").value_or(""));
  // The router stamps a user's full JID and sends only what is addressed here.
  if (!from || !from->is_full() || !to || to->domain() != config_.domain) {
    ++counters_.ignored;
    return;
  }
  if (stanza.name == "iq") {
    const auto type = stanza.attribute("type").value_or("");
    if (type != "get" && type != "set") {
      ++counters_.ignored;  // a result or an error: nothing here asks users anything
      return;
    }
    // RFC 6120 §8.2.3, which the router applies to what it serves itself.
    if (!stanza.attribute("id") || stanza.elements().size() != 1)
      return error(stanza, StanzaError(Condition::bad_request, "an IQ request has an id and one child"));
  } else if (stanza.name != "message" && stanza.name != "presence") {
    ++counters_.ignored;
    return;
  }
  MucContext ctx = context(now);
  if (to->local().empty()) service_stanza(ctx, stanza, *to);
  else room_stanza(ctx, stanza, *from, *to);
}

void MucService::session_ended(Instant now, const Jid& full) {
  auto it = joined_.find(full);
  if (it == joined_.end()) return;
  const std::set<std::string> rooms = std::move(it->second);
  joined_.erase(it);
  MucContext ctx = context(now);
  for (const std::string& id : rooms) {
    auto room = rooms_.find(id);
    if (room == rooms_.end()) continue;
    room->second->session_ended(ctx, full);
    persist(id, *room->second);
    reap(id);
  }
}

std::optional<Element> MucService::poll_stanza() {
  if (out_.empty()) return std::nullopt;
  Element e = std::move(out_.front());
  out_.pop_front();
  ++counters_.stanzas_out;
  return e;
}

MucCounters MucService::counters() const {
  MucCounters c = counters_;
  c.rooms = rooms_.size();
  c.occupants = 0;
  for (const auto& [id, room] : rooms_) c.occupants += room->occupant_count();
  return c;
}

const MucRoom* MucService::room(const std::string& id) const {
  auto it = rooms_.find(id);
  return it == rooms_.end() ? nullptr : it->second.get();
}

void MucService::error(const Element& stanza, const StanzaError& e, std::string_view by) {
  if (auto reply = muc::error(stanza, e, by)) out_.push_back(std::move(*reply));
}

void MucService::service_stanza(MucContext& ctx, const Element& stanza, const Jid& to) {
  if (stanza.name == "presence") {
    ++counters_.ignored;  // nothing to join at the service itself
    return;
  }
  if (stanza.name == "message") {
    if (stanza.attribute("type") == "error") ++counters_.ignored;
    else error(stanza, StanzaError(Condition::service_unavailable));
    return;
  }
  const Element& payload = *stanza.elements().front();
  const bool get = stanza.attribute("type") == "get";
  if (to.is_full()) return error(stanza, StanzaError(Condition::service_unavailable));
  if (get && payload.is("query", ns::disco_info)) {
    if (payload.attribute("node")) return error(stanza, StanzaError(Condition::item_not_found));
    return ctx.out.push_back(muc::iq_result(stanza, service_disco_info()));
  }
  if (get && payload.is("query", ns::disco_items)) {
    if (payload.attribute("node")) return error(stanza, StanzaError(Condition::item_not_found));
    return ctx.out.push_back(muc::iq_result(stanza, service_disco_items()));
  }
  if (get && payload.is("ping", ns::ping)) return ctx.out.push_back(muc::iq_result(stanza));
  const bool known = payload.ns == ns::disco_info || payload.ns == ns::disco_items || payload.ns == ns::ping;
  error(stanza, StanzaError(known ? Condition::feature_not_implemented : Condition::service_unavailable));
}

void MucService::room_stanza(MucContext& ctx, const Element& stanza, const Jid& from, const Jid& to) {
  const std::string& id = to.local();
  auto it = rooms_.find(id);
  if (it == rooms_.end()) {
    if (stanza.name == "presence" && to.is_full()) return create_room(ctx, stanza, from, to);
    const auto type = stanza.attribute("type").value_or("");
    if (stanza.name == "presence") {
      // §7.2.1: a join without a nick; anything else to nothing is dropped.
      if (type.empty()) error(stanza, StanzaError(Condition::jid_malformed, "no roomnick"), to.bare_str());
      return;
    }
    // §17.1.3 (and §7.10 for IQs): no such room.
    return error(stanza, StanzaError(Condition::item_not_found, "no such room"));
  }
  MucRoom& room = *it->second;
  if (stanza.name == "iq" && !to.is_full() && stanza.elements().front()->ns == ns::mam)
    return archive_iq(ctx, id, room, stanza, from);
  if (stanza.name == "presence") {
    if (to.is_full()) room.handle_presence(ctx, stanza, from, to.resource());
    else room.handle_bare_presence(ctx, stanza, from);
  } else if (stanza.name == "message") {
    if (to.is_full()) room.handle_private_message(ctx, stanza, from, to.resource());
    else room.handle_message(ctx, stanza, from);
  } else {
    if (to.is_full()) room.handle_occupant_iq(ctx, stanza, from, to.resource());
    else room.handle_iq(ctx, stanza, from);
  }
  if (room.is_occupant(from)) {
    joined_[from].insert(id);
  } else if (auto j = joined_.find(from); j != joined_.end()) {
    j->second.erase(id);
    if (j->second.empty()) joined_.erase(j);
  }
  persist(id, room);
  reap(id);
}

void MucService::archive_iq(MucContext& ctx, const std::string& id, const MucRoom& room, const Element& iq,
                            const Jid& from) {
  const Element& payload = *iq.elements().front();
  const bool get = iq.attribute("type") == "get";
  if (auto refused = room.may_read_archive(from)) return error(iq, *refused);
  // A temporary room keeps no archive (nor does a service without a store).
  if (!archiving() || !room.storable())
    return error(iq, StanzaError(Condition::service_unavailable, "this room keeps no archive"));
  ++counters_.archive_queries;
  auto failed = [&](const StorageError& e) {
    if (e.kind == StorageError::Kind::not_found) return error(iq, StanzaError(Condition::item_not_found, e.message));
    ++counters_.store_errors;
    error(iq, StanzaError(Condition::internal_server_error, ErrorType::wait));
  };
  if (payload.name == "query" && get) return ctx.out.push_back(muc::iq_result(iq, mam::query_form()));
  if (payload.name == "metadata" && get) {
    ArchiveQuery first_q, last_q;
    first_q.max = last_q.max = 1;
    last_q.before = "";
    auto first = store_->query_muc_archive(config_.domain, id, first_q);
    if (!first) return failed(first.error());
    auto last = store_->query_muc_archive(config_.domain, id, last_q);
    if (!last) return failed(last.error());
    return ctx.out.push_back(muc::iq_result(iq, mam::metadata(*first, *last)));
  }
  if (payload.name != "query") return error(iq, StanzaError(Condition::feature_not_implemented));
  auto parsed = mam::parse_query(payload, config_.archive_page, config_.max_archive_page);
  if (auto* e = std::get_if<StanzaError>(&parsed)) return error(iq, *e);
  auto& q = std::get<mam::ParsedQuery>(parsed);
  auto page = store_->query_muc_archive(config_.domain, id, q.query);
  if (!page) return failed(page.error());
  // §4.2: the results first, each its own message from the room, then the IQ result.
  auto send = [&](const ArchivedMessage& m) {
    ctx.out.push_back(mam::result_message(m, q.queryid, from.str(), room.jid().str()));
  };
  if (q.flip) std::for_each(page->messages.rbegin(), page->messages.rend(), send);
  else std::for_each(page->messages.begin(), page->messages.end(), send);
  ctx.out.push_back(muc::iq_result(iq, mam::fin(*page, !q.query.before.has_value())));
}

void MucService::create_room(MucContext& ctx, const Element& presence, const Jid& from, const Jid& to) {
  if (!presence.attribute("type").value_or("").empty()) {
    ++counters_.ignored;  // §17.2.1-2: leaving or probing a room that is not there
    return;
  }
  const std::string& nick = to.resource();
  if (!visible(nick)) return error(presence, StanzaError(Condition::jid_malformed, "an empty roomnick"), to.bare_str());
  // §7.2.1 (1.32): no MUC <x/>, no join — and no room.
  if (!presence.child("x", ns::muc)) return ctx.out.push_back(muc::not_in_room(to.str(), from.str(), "none"));
  // §10.1.1: creation may be restricted; here only by numbers.
  if (rooms_.size() >= config_.max_rooms)
    return error(presence, StanzaError(Condition::not_allowed, "no more rooms can be created"), to.bare_str());
  auto room = std::make_unique<MucRoom>(to.bare(), from, config_);
  room->enter_created(ctx, presence, from, nick);
  persist(to.local(), *room);  // a service whose new rooms are unlocked and persistent
  rooms_.emplace(to.local(), std::move(room));
  joined_[from].insert(to.local());
  ++counters_.rooms_created;
}

Element MucService::service_disco_info() const {
  // §6.2: a conference service speaking MUC.
  Element info = muc::element("query", ns::disco_info);
  Element identity = muc::element("identity", ns::disco_info);
  identity.set_attribute("category", "conference");
  if (!config_.name.empty()) identity.set_attribute("name", config_.name);
  identity.set_attribute("type", "text");
  info.add_child(std::move(identity));
  for (std::string_view f : {ns::disco_info, ns::disco_items, ns::muc, ns::muc_stable_id, ns::ping}) {
    Element feature = muc::element("feature", ns::disco_info);
    feature.set_attribute("var", std::string(f));
    info.add_child(std::move(feature));
  }
  return info;
}

Element MucService::service_disco_items() const {
  // §6.3: the public rooms, never the hidden (or still locked) ones.
  Element items = muc::element("query", ns::disco_items);
  std::size_t n = 0;
  for (const auto& [id, room] : rooms_) {
    if (!room->listed()) continue;
    if (n++ >= config_.max_disco_items) break;
    Element item = muc::element("item", ns::disco_items);
    item.set_attribute("jid", room->jid().str());
    item.set_attribute("name", room->name());
    items.add_child(std::move(item));
  }
  return items;
}

void MucService::reap(const std::string& id) {
  auto it = rooms_.find(id);
  if (it == rooms_.end() || !it->second->finished()) return;
  rooms_.erase(it);
  ++counters_.rooms_removed;
}

}  // namespace confab::xmpp
