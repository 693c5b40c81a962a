#pragma once
// A MUC service's configuration, a room's (XEP-0045 §10.1-§10.2: the
// muc#roomconfig form and what each field means here), and the two ways the
// form travels: to the owner with the current values, back submitted.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "core/result.hpp"
#include "xmpp/data_form.hpp"
#include "xmpp/stanza_error.hpp"

namespace confab::xmpp {

// muc#roomconfig_whois: who sees occupants' real JIDs (§4.2 room types).
enum class Whois : std::uint8_t { moderators, anyone };  // semi-anonymous, non-anonymous
// muc#roomconfig_allowpm: whose private messages the room passes on.
enum class AllowPm : std::uint8_t { anyone, participants, moderators, none };

struct RoomConfig {
  std::string name;                  // muc#roomconfig_roomname: disco identity; the localpart if empty
  std::string description;           // muc#roomconfig_roomdesc
  bool persistent = false;           // kept when the last occupant leaves
  bool public_room = true;           // listed in the service's disco#items
  bool members_only = false;
  bool moderated = false;            // unaffiliated users enter as visitors
  bool password_protected = false;
  std::string password;              // muc#roomconfig_roomsecret
  std::size_t max_users = 100;       // 0: "none", the service's limit alone
  Whois whois = Whois::moderators;
  bool change_subject = false;       // participants too may set the subject (moderators always may)
  bool allow_invites = false;        // members may invite into a members-only room (§9.5)
  AllowPm allow_pm = AllowPm::anyone;
  std::size_t max_history = 20;      // muc#maxhistoryfetch: messages sent on joining

  bool operator==(const RoomConfig&) const = default;
};

struct MucConfig {
  std::string domain;                // "conference.example.com"
  std::string name = "Chatrooms";    // the service's disco identity and its item in the server's disco#items
  RoomConfig room_defaults;          // what a new room starts with
  // §10.1.1: a new room is locked (status 201, others get item-not-found)
  // until its owner submits a configuration or asks for an instant room.
  bool lock_new_rooms = true;
  std::size_t max_rooms = 10000;     // creation past it: not-allowed
  std::size_t max_users = 1000;      // occupants of one room, whatever its max_users says
  std::size_t max_history = 100;     // messages a room keeps (muc#maxhistoryfetch is capped to it)
  std::size_t max_history_chars = 256 * 1024;  // and their characters: a room's history is bounded in memory too
  std::size_t max_invites = 20;      // <invite/>s in one message: more is policy-violation
  std::size_t max_disco_items = 1000;  // public rooms listed (no XEP-0059 paging yet)
  // XEP-0313 §5: groupchat messages each persistent room keeps in its
  // archive (past it the oldest go); 0: rooms keep no archive. Needs a store.
  std::size_t max_archived_messages = 10000;
  std::size_t archive_page = 50;       // results per archive query without <max/>
  std::size_t max_archive_page = 250;  // a larger <max/> is cut to this
};

// Why a configuration cannot be used, or nullopt.
std::optional<std::string> validate(const MucConfig& config);

// The owner's form (§10.1.3), filled with `current`.
DataForm config_form(const RoomConfig& current, const std::string& room_id, const MucConfig& service);

// A submitted form applied over `current` (fields left out keep their
// values; unknown fields are ignored, XEP-0004 §3.4). not-acceptable for a
// value the room cannot take (a password-protected room without a password,
// §10.1.3), bad-request for a form that is not muc#roomconfig.
Result<RoomConfig, StanzaError> apply_config_form(const DataForm& form, RoomConfig current,
                                                  const MucConfig& service);

}  // namespace confab::xmpp
