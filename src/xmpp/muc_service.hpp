#pragma once
// XEP-0045 multi-user chat as a Component on its own domain
// (conference.example.com), sans-I/O: the router hands it the stanzas users
// address to the service, to rooms (room@domain) and to occupants
// (room@domain/nick), and routes the stanzas it polls back to users. Rooms
// are created by the first join and live in memory (muc_room.hpp).
//
//   MucService muc({.domain = "conference.example.com"}, [](Instant) { return system_clock::now(); });
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

#include "xmpp/component.hpp"
#include "xmpp/muc_config.hpp"
#include "xmpp/muc_room.hpp"

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
};

class MucService final : public Component {
 public:
  // `config` must pass validate().
  MucService(MucConfig config, WallClock wall_clock);

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
  Element service_disco_info() const;
  Element service_disco_items() const;
  void error(const Element& stanza, const StanzaError& e, std::string_view by = {});
  // Forgets the room if it is finished.
  void reap(const std::string& id);

  MucConfig config_;
  WallClock wall_clock_;
  std::map<std::string, std::unique_ptr<MucRoom>> rooms_;  // by room id, sorted for disco#items
  // The rooms each full JID may be in, so a session's end touches only
  // those (an entry may be stale; never missing).
  std::unordered_map<Jid, std::set<std::string>> joined_;
  std::deque<Element> out_;
  MucCounters counters_;
};

}  // namespace confab::xmpp
