#pragma once
// One XEP-0045 room: its occupants (by nick, in the order they entered),
// affiliations (by bare JID, or a domain for a ban), configuration, subject
// and history. The service (muc_service.hpp) hands it the stanzas addressed
// to it and to its occupant JIDs; it answers by appending stanzas for users
// to the context's outbox. It knows nothing of storage: it gives the service
// its state as a record (muc_storage.hpp) and notes what changed since the
// service last asked (take_changes), and the service stores persistent rooms.
//
// Files: muc_room.cpp (occupants, the presence each one sees, removal),
// muc_room_presence.cpp (§7.2 entering, §7.6 nick change, §7.7 status,
// §7.14 exit), muc_room_message.cpp (§7.4 groupchat, §7.5 private, §8.1
// subject, §7.8 invitations), muc_room_admin.cpp (§8-§10 roles and
// affiliations, muc#admin), muc_room_owner.cpp (§10 configuration and
// destruction, muc#owner), muc_room_iq.cpp (IQ dispatch, §6.4 disco, ping),
// muc_room_voice.cpp (§7.13 / §8.6 voice requests).
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/time.hpp"
#include "xmpp/jid.hpp"
#include "xmpp/muc_config.hpp"
#include "xmpp/muc_history.hpp"
#include "xmpp/muc_roles.hpp"
#include "xmpp/muc_storage.hpp"
#include "xmpp/stanza_error.hpp"
#include "xmpp/xml_element.hpp"

namespace confab::xmpp {

// What a room needs of its service during one call.
struct MucContext {
  Instant now;
  WallTime wall;              // for <delay/> stamps and history's seconds/since
  const MucConfig& service;
  std::deque<Element>& out;   // stanzas for users, in order
  // XEP-0313 §5: a new archive id for a groupchat message of a stored
  // room; empty when the service keeps no room archives.
  std::function<std::string()> archive_id = {};
};

class MucRoom {
 public:
  // A new room, created by `creator` (its owner); locked if the service
  // locks new rooms (§10.1.1).
  MucRoom(Jid room, const Jid& creator, const MucConfig& service);
  // A stored room, as it was: unlocked, empty, its history and subject kept.
  MucRoom(Jid room, const MucRoomRecord& stored, const MucConfig& service);

  // §7.2: the creator's own entry into the room it just created (201).
  void enter_created(MucContext& ctx, const Element& presence, const Jid& from, const std::string& nick);

  // Presence to an occupant JID of this room (join, nick or status change, exit).
  void handle_presence(MucContext& ctx, const Element& presence, const Jid& from, const std::string& nick);
  // Presence to the room's bare JID.
  void handle_bare_presence(MucContext& ctx, const Element& presence, const Jid& from);
  // A message to the room's bare JID.
  void handle_message(MucContext& ctx, const Element& message, const Jid& from);
  // A message to an occupant JID (§7.5).
  void handle_private_message(MucContext& ctx, const Element& message, const Jid& from, const std::string& nick);
  // An IQ to the room's bare JID, or to an occupant JID.
  void handle_iq(MucContext& ctx, const Element& iq, const Jid& from);
  void handle_occupant_iq(MucContext& ctx, const Element& iq, const Jid& from, const std::string& nick);
  // `full`'s session is gone: it leaves, as if it had sent unavailable presence.
  void session_ended(MucContext& ctx, const Jid& full);

  const Jid& jid() const { return jid_; }
  const RoomConfig& config() const { return config_; }
  std::string name() const { return config_.name.empty() ? jid_.local() : config_.name; }
  bool locked() const { return locked_; }
  std::size_t occupant_count() const { return occupants_.size(); }
  bool is_occupant(const Jid& full) const { return find_by_jid(full) != nullptr; }
  // Listed in the service's disco#items (§6.3).
  bool listed() const { return config_.public_room && !locked_ && !destroyed_; }
  // The service forgets it: destroyed, or empty and not persistent (a locked
  // room is never kept empty: its owner left before configuring it, §10.1.3).
  bool finished() const { return destroyed_ || (occupants_.empty() && (!config_.persistent || locked_)); }
  bool destroyed() const { return destroyed_; }
  // What the store keeps: persistent, configured and not destroyed.
  bool storable() const { return config_.persistent && !locked_ && !destroyed_; }

  // Persistence (muc_room.cpp). The room whole, and what changed since the
  // last take_changes(): the service writes just that for a stored room.
  struct Changes {
    bool config = false;
    bool subject = false;
    std::set<Jid> affiliations;             // bare JIDs (or domains) whose affiliation changed
    std::vector<MucHistoryRecord> history;  // messages added, oldest first
    std::vector<ArchivedMessage> archive;   // groupchat messages to archive (XEP-0313 §5), oldest first
    bool any() const { return config || subject || !affiliations.empty() || !history.empty() || !archive.empty(); }
  };
  MucRoomRecord record() const;
  MucAffiliationRecord affiliation_record(const Jid& jid) const;  // affiliation none when there is none
  std::optional<MucSubjectRecord> subject_record() const;
  Changes take_changes() { return std::exchange(changes_, Changes{}); }

  // XEP-0313 §5 (muc_room_iq.cpp): why `from` may not read the archive, or
  // nullopt. Banned users never; members-only and password-protected rooms
  // only for occupants and members (and above); anyone else may, occupant
  // or not, as in any other open room the archive is what joining shows.
  std::optional<StanzaError> may_read_archive(const Jid& from) const;

 private:
  struct Occupant {
    std::string nick;
    Jid jid;            // the real, full JID
    Role role = Role::none;
    Element presence;   // the last available presence, MUC payloads removed (§17.2.6)
  };
  struct AffiliationEntry {
    Affiliation affiliation = Affiliation::none;
    std::string nick;    // reserved nick (members, admins, owners)
    std::string reason;  // why (bans)
  };
  // How an occupant's presence is described: the codes everyone sees, those
  // only the occupant itself sees (110 is added for it), the <item/>'s
  // extras, and a <destroy/>.
  struct Notice {
    Element presence;             // the occupant's payload: show, status, caps...
    bool unavailable = false;
    std::vector<int> codes;
    std::vector<int> self_codes;
    std::string new_nick;         // 303
    std::string actor_nick;       // kicks and bans
    std::string reason;
    std::optional<Element> destroy;
    std::string self_id;          // the id of the occupant's own stanza, reflected to it
  };

  // muc_room.cpp
  Occupant* find_by_nick(const std::string& nick);
  Occupant* find_by_jid(const Jid& full);
  const Occupant* find_by_jid(const Jid& full) const;
  Affiliation affiliation_of(const Jid& jid) const;  // bare JID match, then domain (§9.2)
  const AffiliationEntry* entry_of(const Jid& bare) const;
  bool sees_real_jids(const Occupant& recipient) const;
  std::string occupant_jid(const std::string& nick) const { return jid_.with_resource(nick).str(); }
  Element view(const Occupant& subject, const Notice& notice, const Occupant& recipient) const;
  Element item(const Occupant& subject, const Notice& notice, bool with_jid) const;
  void send_presence(MucContext& ctx, const Occupant& subject, const Notice& notice, const Occupant& recipient);
  // To everyone (the subject last, when it is still in the room).
  void broadcast(MucContext& ctx, const Occupant& subject, const Notice& notice);
  // To everyone but the subject.
  void broadcast_others(MucContext& ctx, const Occupant& subject, const Notice& notice);
  // Takes `nick` out of the room, telling it (first) and then everyone else.
  void remove(MucContext& ctx, const std::string& nick, Notice notice);
  void reply_error(MucContext& ctx, const Element& stanza, const StanzaError& error);
  static void emit(MucContext& ctx, Element stanza) { ctx.out.push_back(std::move(stanza)); }
  static Element sanitized_presence(const Element& presence);
  void message_to_all(MucContext& ctx, const Element& message);

  // muc_room_presence.cpp
  void enter(MucContext& ctx, const Element& presence, const Jid& from, const std::string& nick, bool created);
  void send_room_state(MucContext& ctx, const Occupant& joiner, const Element& presence, bool created);
  std::optional<StanzaError> may_enter(const MucContext& ctx, const Element& presence, const Jid& from,
                                       const std::string& nick) const;
  bool nick_taken(const std::string& nick, const Jid& by) const;
  void change_nick(MucContext& ctx, const Element& presence, Occupant& o, const std::string& nick);
  void leave(MucContext& ctx, const Occupant& o, const Element* unavailable);

  // muc_room_message.cpp
  void groupchat(MucContext& ctx, const Element& message, const Occupant& sender);
  void change_subject(MucContext& ctx, const Element& message, const Occupant& sender);
  void invite(MucContext& ctx, const Element& message, const Element& x, const Jid& from);
  void decline(MucContext& ctx, const Element& message, const Element& x, const Jid& from);
  void send_subject(MucContext& ctx, const Occupant& to) const;

  // muc_room_admin.cpp
  void admin_get(MucContext& ctx, const Element& iq, const Element& query, const Jid& from);
  void admin_set(MucContext& ctx, const Element& iq, const Element& query, const Jid& from);
  void set_role(MucContext& ctx, const std::string& nick, Role to, const std::string& reason,
                const std::string& actor_nick);
  void set_affiliation(MucContext& ctx, const Jid& target, Affiliation to, const std::optional<std::string>& nick,
                       const std::string& reason, const std::string& actor_nick, const Jid& actor);

  // muc_room_voice.cpp
  void voice_request(MucContext& ctx, const Element& message, const DataForm& form, const Jid& from);

  // muc_room_owner.cpp
  void owner_get(MucContext& ctx, const Element& iq, const Jid& from);
  void owner_set(MucContext& ctx, const Element& iq, const Element& query, const Jid& from);
  void reconfigure(MucContext& ctx, const RoomConfig& next);
  void destroy(MucContext& ctx, const Element* destroy_request);

  // muc_room_iq.cpp
  Element disco_info(const Element& query, const Jid& from, bool archived) const;

  Jid jid_;  // bare
  RoomConfig config_;
  bool locked_ = false;
  bool destroyed_ = false;
  std::vector<Occupant> occupants_;  // in the order they entered
  std::map<Jid, AffiliationEntry> affiliations_;
  struct Subject {
    std::string text;
    std::string nick;  // who set it; empty: the room itself
    WallTime when;
  };
  std::optional<Subject> subject_;
  RoomHistory history_;
  Changes changes_;
};

}  // namespace confab::xmpp
