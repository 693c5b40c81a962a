#pragma once
// XEP-0045 multi-user chat as a Component on its own domain
// (conference.example.com), sans-I/O: the router hands it the stanzas users
// address to the service, to rooms (room@domain) and to occupants
// (room@domain/nick), and routes the stanzas it polls back to users. Rooms
// are created by the first join and live in memory (muc_room.hpp); with a
// MucStore, persistent rooms are also stored, change by change, and come
// back with restore().
//
//   MucService muc({.domain = "conference.example.com"}, [](Instant) { return system_clock::now(); }, &store);
//   if (auto n = muc.restore(); !n) ...;  // the stored rooms, before any stanza
//   if (!router.add_component(muc)) ...;   // then the router drives it
//
// The wall clock turns the router's `now` into the UTC time of history and
// subject <delay/> stamps (the I/O layer's, so tests can fix it).
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>

#include "core/rng.hpp"
#include "xmpp/component.hpp"
#include "xmpp/muc_config.hpp"
#include "xmpp/muc_room.hpp"
#include "xmpp/muc_storage.hpp"

namespace confab::xmpp {

using WallClock = std::function<WallTime(Instant)>;

struct MucCounters {
  std::uint64_t stanzas_in = 0;
  std::uint64_t stanzas_out = 0;
  std::uint64_t rooms_created = 0;
  std::uint64_t rooms_removed = 0;  // destroyed, or temporary and emptied
  std::uint64_t rooms = 0;          // now
  std::uint64_t occupants = 0;      // now, all rooms
  std::uint64_t ignored = 0;        // not for us, or nothing to answer
  std::uint64_t store_errors = 0;   // writes that failed (the room is stored whole at its next change)
  std::uint64_t archived = 0;       // groupchat messages archived (XEP-0313 §5)
  std::uint64_t archive_queries = 0;
};

class MucService final : public Component {
 public:
  // `config` must pass validate(). `store` (optional) must outlive the
  // service; so must `rng`, which makes archive ids: with a store and an
  // rng (and config.max_archived_messages > 0) persistent rooms keep a
  // XEP-0313 archive.
  MucService(MucConfig config, WallClock wall_clock, MucStore* store = nullptr, Rng* rng = nullptr);

  // Loads the stored rooms (replacing rooms of the same name); how many.
  StorageResult<std::size_t> restore();

  const std::string& domain() const override { return config_.domain; }
  std::string_view name() const override { return config_.name; }
  void handle_stanza(Instant now, const Element& stanza) override;
  void session_ended(Instant now, const Jid& full) override;
  std::optional<Element> poll_stanza() override;

  MucCounters counters() const;
  // nullptr if there is no such room (by its localpart).
  const MucRoom* room(const std::string& id) const;

 private:
  MucContext context(Instant now);
  void service_stanza(MucContext& ctx, const Element& stanza, const Jid& to);
  void room_stanza(MucContext& ctx, const Element& stanza, const Jid& from, const Jid& to);
  void create_room(MucContext& ctx, const Element& presence, const Jid& from, const Jid& to);
  // XEP-0313 §5: an IQ in urn:xmpp:mam:2 to a room (the query, its form, metadata).
  void archive_iq(MucContext& ctx, const std::string& id, const MucRoom& room, const Element& iq, const Jid& from);
  bool archiving() const { return store_ && rng_ && config_.max_archived_messages > 0; }
  Element service_disco_info() const;
  Element service_disco_items() const;
  void error(const Element& stanza, const StanzaError& e, std::string_view by = {});
  // Stores what changed in the room, or deletes it from the store once it
  // is no longer persistent (or destroyed). Before reap().
  void persist(const std::string& id, MucRoom& room);
  bool stored(const StorageResult<Stored>& r);
  // Forgets the room if it is finished.
  void reap(const std::string& id);

  MucConfig config_;
  WallClock wall_clock_;
  MucStore* store_;
  Rng* rng_;
  std::set<std::string> stored_;  // the rooms the store may hold
  std::set<std::string> resave_;  // ... whose stored copy missed a change: saved whole next time
  std::map<std::string, std::unique_ptr<MucRoom>> rooms_;  // by room id, sorted for disco#items
  // The rooms each full JID may be in, so a session's end touches only
  // those (an entry may be stale; never missing).
  std::unordered_map<Jid, std::set<std::string>> joined_;
  std::deque<Element> out_;
  MucCounters counters_;
};

}  // namespace confab::xmpp
