#pragma once
// XEP-0045 §7.2.13-§7.2.14: a room's discussion history — the last
// messages, kept with the time the room received them — and the selection a
// joining occupant asks for with <history maxchars maxstanzas seconds since/>.
#include <chrono>
#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "xmpp/xml_element.hpp"

namespace confab::xmpp {

using WallTime = std::chrono::system_clock::time_point;

// What the joining occupant asked for; every limit absent is no limit
// beyond the room's. Unreadable attributes count as absent.
struct HistoryRequest {
  std::optional<std::size_t> max_stanzas;
  std::optional<std::size_t> max_chars;
  std::optional<std::chrono::seconds> seconds;
  std::optional<WallTime> since;
};

// From the join's <x xmlns='http://jabber.org/protocol/muc'/> (or nullptr).
HistoryRequest parse_history_request(const Element* muc_x);

class RoomHistory {
 public:
  // At most `capacity` messages of at most `max_chars` characters in all.
  RoomHistory(std::size_t capacity, std::size_t max_chars) : capacity_(capacity), max_chars_(max_chars) {}

  // A groupchat message as the room reflected it (`from` the occupant JID,
  // no `to`), received at `when`. The oldest go when the room is full.
  // False when the room keeps no history. A stanza that already carries the
  // room's <delay/> (one restored from the store) keeps it.
  bool add(Element message, WallTime when, const std::string& room_jid);
  std::size_t size() const { return entries_.size(); }
  // The i-th message kept, oldest first, as sent (with its <delay/>), and
  // when it arrived: what the store keeps.
  const Element& stanza(std::size_t i) const { return entries_[i].stanza; }
  WallTime when(std::size_t i) const { return entries_[i].when; }

  // §7.2.14: the smallest set meeting every criterion, oldest first, each
  // with its <delay from=room stamp=received/>; never more than `room_max`.
  // maxchars counts the characters of the whole stanzas (as stored, which
  // is what is sent but for the recipient's `to`).
  std::vector<Element> select(const HistoryRequest& request, std::size_t room_max, WallTime now) const;

 private:
  struct Entry {
    Element stanza;  // with its <delay/>
    WallTime when;
    std::size_t chars;
  };
  void trim();

  std::deque<Entry> entries_;
  std::size_t capacity_;
  std::size_t max_chars_;
  std::size_t chars_ = 0;  // of every entry
};

}  // namespace confab::xmpp
