#include "xmpp/muc_history.hpp"

#include <charconv>

#include "xmpp/delay.hpp"
#include "xmpp/muc_namespaces.hpp"
#include "xmpp/namespaces.hpp"
#include "xmpp/xml_writer.hpp"

namespace confab::xmpp {

namespace {

// xs:int, non-negative: what the attribute's schema allows that means something here.
std::optional<std::size_t> count_attribute(const Element& e, std::string_view name) {
  auto text = e.attribute(name);
  if (!text) return std::nullopt;
  std::size_t v = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc() || end != text->data() + text->size()) return std::nullopt;
  return v;
}

// Characters, not bytes: UTF-8 continuation bytes do not start one.
std::size_t characters(const std::string& s) {
  std::size_t n = 0;
  for (char c : s)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  return n;
}

}  // namespace

HistoryRequest parse_history_request(const Element* muc_x) {
  HistoryRequest r;
  const Element* h = muc_x ? muc_x->child("history", ns::muc) : nullptr;
  if (!h) return r;
  r.max_stanzas = count_attribute(*h, "maxstanzas");
  r.max_chars = count_attribute(*h, "maxchars");
  if (auto s = count_attribute(*h, "seconds")) r.seconds = std::chrono::seconds(static_cast<std::int64_t>(*s));
  if (auto since = h->attribute("since")) r.since = parse_datetime(*since);
  return r;
}

bool RoomHistory::add(Element message, WallTime when, const std::string& room_jid) {
  if (capacity_ == 0) return false;
  // §7.2.13: stamped by the room, whatever delays the sender's copy had.
  add_delay(message, room_jid, when);
  const std::size_t chars = characters(serialize(message, Scope{std::string(ns::client), {}}));
  entries_.push_back({std::move(message), when, chars});
  chars_ += chars;
  trim();
  return !entries_.empty();  // a message over max_chars alone is not kept
}

void RoomHistory::trim() {
  while (!entries_.empty() && (entries_.size() > capacity_ || chars_ > max_chars_)) {
    chars_ -= entries_.front().chars;
    entries_.pop_front();
  }
}

std::vector<Element> RoomHistory::select(const HistoryRequest& request, std::size_t room_max, WallTime now) const {
  std::size_t limit = room_max;
  if (request.max_stanzas) limit = std::min(limit, *request.max_stanzas);
  // Walk back from the newest, stopping at the first message any criterion
  // excludes: what is older is excluded too.
  std::size_t count = 0, chars = 0;
  for (auto it = entries_.rbegin(); it != entries_.rend() && count < limit; ++it) {
    if (request.seconds && it->when < now - *request.seconds) break;
    if (request.since && it->when < *request.since) break;
    if (request.max_chars && chars + it->chars > *request.max_chars) break;
    chars += it->chars;
    ++count;
  }
  std::vector<Element> out;
  out.reserve(count);
  for (auto it = entries_.end() - static_cast<std::ptrdiff_t>(count); it != entries_.end(); ++it)
    out.push_back(it->stanza);
  return out;
}

}  // namespace confab::xmpp
