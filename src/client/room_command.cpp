// `confab room join`: one XEP-0045 occupant on the terminal. The join
// (§7.2) is watched until our own presence (status 110) or an error comes
// back; a new room (201) is made an instant room (§10.1.2); then what the
// room sends is printed as it comes and what is typed is sent.
#include "client/room_command.hpp"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstdio>
#include <ctime>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "client/exit_codes.hpp"
#include "client/sip_session.hpp"  // install_stop_handlers, stop_requested
#include "xmpp/delay.hpp"
#include "xmpp/jid.hpp"
#include "xmpp/namespaces.hpp"
#include "xmpp/xml_builder.hpp"

namespace confab::client {

namespace {

using xmpp::Builder;
using xmpp::Element;
using xmpp::Jid;
namespace ns = xmpp::ns;
using json = nlohmann::json;

constexpr std::string_view muc_ns = "http://jabber.org/protocol/muc";
constexpr std::string_view muc_user_ns = "http://jabber.org/protocol/muc#user";
constexpr std::string_view muc_owner_ns = "http://jabber.org/protocol/muc#owner";
constexpr std::string_view conference_ns = "jabber:x:conference";  // XEP-0249
constexpr std::string_view delay_ns = "urn:xmpp:delay";
constexpr std::string_view ping_ns = "urn:xmpp:ping";

std::string client_ns() { return std::string(ns::client); }

std::string local_time(std::time_t t, const char* format) {
  char buf[32];
  std::strftime(buf, sizeof buf, format, std::localtime(&t));
  return buf;
}
std::string now_hms() { return local_time(std::time(nullptr), "%H:%M:%S"); }

// The stanza error's condition (and text), e.g. "conflict (nick in use)".
std::string condition_of(const Element& e) {
  const Element* err = e.child("error");
  if (!err) return "";
  for (const Element* c : err->elements())
    if (c->ns == ns::stanza_errors && c->name != "text") return c->name;
  return "undefined-condition";
}
std::string error_text(const Element& e) {
  const Element* err = e.child("error");
  auto text = err ? err->child_text("text", ns::stanza_errors) : std::nullopt;
  return text ? *text : std::string();
}

// Why the room refused a join (§7.2.15's conditions), in words.
std::string join_refusal(const std::string& condition, const std::string& room, const std::string& nick) {
  if (condition == "conflict") return "the nick \"" + nick + "\" is in use or reserved in " + room + " (pick another with --nick)";
  if (condition == "forbidden") return "you are banned from " + room;
  if (condition == "registration-required") return room + " is members-only and you are not a member";
  if (condition == "not-authorized") return room + " needs a password (--password), or it was wrong";
  if (condition == "item-not-found") return room + " does not exist yet (its owner has not configured it) and cannot be joined";
  if (condition == "not-allowed") return room + " does not exist and the service does not let you create it";
  if (condition == "service-unavailable") return room + " is full, or its service is not there";
  if (condition == "jid-malformed") return "\"" + nick + "\" cannot be a nick";
  if (condition == "remote-server-not-found" || condition == "remote-server-timeout")
    return "the group chat service of " + room + " cannot be reached";
  return "the room refused: " + condition;
}

std::vector<int> status_codes(const Element* x) {
  std::vector<int> codes;
  if (!x) return codes;
  for (const Element* s : x->elements())
    if (s->name == "status" && s->ns == muc_user_ns)
      if (auto c = s->attribute("code")) codes.push_back(std::atoi(std::string(*c).c_str()));
  return codes;
}
bool has_code(const std::vector<int>& codes, int c) { return std::find(codes.begin(), codes.end(), c) != codes.end(); }

// The room's <delay/>: when it received a history message or set the subject.
std::optional<std::time_t> delay_of(const Element& e) {
  for (const Element* d : e.elements())
    if (d->name == "delay" && d->ns == delay_ns)
      if (auto stamp = d->attribute("stamp"))
        if (auto t = xmpp::parse_datetime(*stamp)) return std::chrono::system_clock::to_time_t(*t);
  return std::nullopt;
}

std::string iso(std::time_t t) {
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

class Room {
 public:
  Room(XmppConnection& c, const RoomJoinOptions& o, Jid room, std::string nick)
      : c_(c), o_(o), room_(std::move(room)), nick_(std::move(nick)), json_(o.account.json) {}

  // §7.2: true once in (the exit code is set otherwise).
  bool join(int& code);
  // Interactive (or --duration) until the user or the room ends it.
  int run();
  // --send: one message, confirmed by its reflection (same id).
  int send_one(const std::string& text);
  // §7.14: unavailable presence, and our own unavailable back.
  void leave();

 private:
  Jid occupant(const std::string& nick) const { return room_.with_resource(nick); }
  void emit(const json& j, const std::string& line) {
    if (json_) std::printf("%s\n", j.dump().c_str());
    else std::printf("%s\n", line.c_str());
    std::fflush(stdout);
  }
  void note(const std::string& line) {  // human-only remarks go to stderr
    if (!json_) std::fprintf(stderr, "%s\n", line.c_str());
  }
  // Prints one stanza; false when it puts us out of the room.
  bool handle(const Element& e);
  bool presence(const Element& e);
  void message(const Element& e);
  void answer_iq(const Element& e);
  bool command(const std::string& line);
  void say(const std::string& text, const std::string& id);
  bool pump_once(std::chrono::milliseconds wait);

  XmppConnection& c_;
  const RoomJoinOptions& o_;
  Jid room_;
  std::string nick_;
  bool json_;
  bool in_room_ = false;
  bool left_ = false;        // we asked to leave
  bool put_out_ = false;     // kicked, banned, destroyed
  bool seen_subject_ = false;  // the room's current subject has come (the last of the join)
  std::set<std::string> occupants_;
};

bool Room::pump_once(std::chrono::milliseconds wait) { return c_.pump(wait); }

bool Room::join(int& code) {
  const std::string id = c_.session().next_id();
  Builder p("presence", client_ns());
  p.attr("to", occupant(nick_).str()).attr("id", id).tag("x", std::string(muc_ns));
  if (!o_.password.empty()) p.tag("password").text(o_.password).up();
  if (o_.history >= 0) p.tag("history").attr("maxstanzas", std::to_string(o_.history)).up();
  p.up();
  c_.session().send(p.build());
  const Instant give_up = Clock::now() + std::chrono::seconds(o_.account.timeout);
  bool created = false;
  while (!in_room_) {
    while (auto e = c_.session().poll_stanza()) {
      const auto from = Jid::parse(e->attribute("from").value_or(""));
      const bool from_room = from && from->bare() == room_;
      if (e->is("presence", ns::client) && from_room && e->attribute("type") == "error") {
        const std::string why = join_refusal(condition_of(*e), room_.str(), nick_);
        std::fprintf(stderr, "room join: %s%s\n", why.c_str(),
                     error_text(*e).empty() ? "" : (" (" + error_text(*e) + ")").c_str());
        code = exit_protocol;
        return false;
      }
      if (e->is("presence", ns::client) && from_room) {
        const auto codes = status_codes(e->child("x", muc_user_ns));
        if (has_code(codes, 110) && e->attribute("type") != "unavailable") {
          in_room_ = true;
          nick_ = from->resource();  // the room may have changed it (210)
          created = has_code(codes, 201);
        }
      }
      if (!in_room_) handle(*e);  // others already there
      else {
        presence(*e);
        break;  // history and subject follow: printed by run()/send_one()
      }
    }
    if (in_room_) break;
    if (Clock::now() >= give_up) {
      std::fprintf(stderr, "room join: no answer from %s\n", room_.str().c_str());
      code = exit_unreachable;
      return false;
    }
    if (!pump_once(std::chrono::milliseconds(200))) {
      std::fprintf(stderr, "room join: %s\n", c_.session().failure().empty() ? "the connection broke"
                                                                              : c_.session().failure().c_str());
      code = exit_unreachable;
      return false;
    }
  }
  if (created) {
    // §10.1.2: a new room is locked until configured; we take the defaults.
    const std::string cid = c_.session().next_id();
    Element iq = Builder("iq", client_ns())
                     .attr("to", room_.str())
                     .attr("type", "set")
                     .attr("id", cid)
                     .tag("query", std::string(muc_owner_ns))
                     .tag("x", "jabber:x:data")
                     .attr("type", "submit")
                     .build();
    auto reply = c_.request(
        iq,
        [&](const Element& e) {
          return e.is("iq", ns::client) && e.attribute("id") == cid &&
                 (e.attribute("type") == "result" || e.attribute("type") == "error");
        },
        std::chrono::seconds(o_.account.timeout), [&](const Element& e) { handle(e); });
    if (!reply || reply->attribute("type") == "error") {
      std::fprintf(stderr, "room join: %s did not exist and could not be created: %s\n", room_.str().c_str(),
                   reply ? condition_of(*reply).c_str() : "no answer");
      leave();
      code = reply ? exit_protocol : exit_unreachable;
      return false;
    }
    emit({{"event", "created"}, {"room", room_.str()}}, "[" + now_hms() + "] created " + room_.str() + " (instant room)");
  }
  return true;
}

bool Room::handle(const Element& e) {
  if (e.is("presence", ns::client)) return presence(e);
  if (e.is("message", ns::client)) message(e);
  else if (e.is("iq", ns::client)) answer_iq(e);
  return !put_out_;
}

bool Room::presence(const Element& e) {
  auto from = Jid::parse(e.attribute("from").value_or(""));
  if (!from || from->bare() != room_ || from->resource().empty()) return true;
  const std::string nick = from->resource();
  const Element* x = e.child("x", muc_user_ns);
  const Element* item = x ? x->child("item", muc_user_ns) : nullptr;
  const auto codes = status_codes(x);
  const bool self = has_code(codes, 110);
  const std::string role(item ? item->attribute("role").value_or("") : "");
  const std::string affiliation(item ? item->attribute("affiliation").value_or("") : "");
  const std::string jid(item ? item->attribute("jid").value_or("") : "");
  const std::string reason = item ? item->child_text("reason", muc_user_ns).value_or("") : "";
  const std::string actor(item && item->child("actor", muc_user_ns)
                              ? item->child("actor", muc_user_ns)->attribute("nick").value_or("")
                              : "");
  json j{{"event", "presence"}, {"time", now_hms()}, {"nick", nick}, {"role", role}, {"affiliation", affiliation},
         {"codes", codes}, {"self", self}};
  if (!jid.empty()) j["jid"] = jid;
  const std::string t = "[" + now_hms() + "] ";
  if (e.attribute("type") == "unavailable") {
    occupants_.erase(nick);
    j["type"] = "leave";
    std::string what = nick + " left";
    if (has_code(codes, 303)) {
      const std::string to(item ? item->attribute("nick").value_or("") : "");
      j["type"] = "nick";
      j["new_nick"] = to;
      what = nick + " is now known as " + to;
      if (self) nick_ = to;
    } else if (has_code(codes, 307)) {
      j["type"] = "kicked";
      what = nick + " was kicked" + (actor.empty() ? "" : " by " + actor);
    } else if (has_code(codes, 301)) {
      j["type"] = "banned";
      what = nick + " was banned" + (actor.empty() ? "" : " by " + actor);
    } else if (has_code(codes, 321) || has_code(codes, 322)) {
      j["type"] = "removed";
      what = nick + " was removed (the room is members-only)";
    } else if (const Element* d = x ? x->child("destroy", muc_user_ns) : nullptr) {
      j["type"] = "destroyed";
      const std::string why = d->child_text("reason", muc_user_ns).value_or("");
      if (!why.empty()) j["reason"] = why;
      what = "the room was destroyed" + (why.empty() ? "" : ": " + why);
    }
    if (!reason.empty()) {
      j["reason"] = reason;
      what += " (" + reason + ")";
    }
    // Our own leaving, asked for, is told by the "left" event.
    if (!(self && left_ && j["type"] == "leave")) emit(j, t + what);
    if (self && !has_code(codes, 303)) {
      if (!left_) put_out_ = true;
      in_room_ = false;
    }
    return !put_out_;
  }
  const bool known = occupants_.count(nick) > 0;
  occupants_.insert(nick);
  const std::string show = e.child_text("show").value_or("");
  const std::string status = e.child_text("status").value_or("");
  j["type"] = known ? "update" : "join";
  if (!show.empty()) j["show"] = show;
  if (!status.empty()) j["status"] = status;
  std::string detail = role + (affiliation.empty() || affiliation == "none" ? "" : ", " + affiliation) +
                       (jid.empty() ? "" : ", " + jid);
  std::string line = known ? nick + " is " + (show.empty() ? "here" : show) + (status.empty() ? "" : ": " + status) +
                                 " (" + detail + ")"
                           : nick + (self ? " (you)" : "") + " joined (" + detail + ")";
  emit(j, t + line);
  return true;
}

void Room::message(const Element& e) {
  const std::string from_text(e.attribute("from").value_or(""));
  auto from = Jid::parse(from_text);
  const std::string type(e.attribute("type").value_or("normal"));
  // XEP-0249 (or §7.8.2 mediated): an invitation to some room.
  if (const Element* x = e.child("x", conference_ns)) {
    const std::string to_room(x->attribute("jid").value_or(""));
    const std::string reason(x->attribute("reason").value_or(""));
    emit({{"event", "invitation"}, {"time", now_hms()}, {"from", from_text}, {"room", to_room}, {"reason", reason}},
         "[" + now_hms() + "] " + from_text + " invites you to " + to_room + (reason.empty() ? "" : ": " + reason));
    return;
  }
  if (from && from->bare() != room_) return;  // not this room's
  if (type == "error") {
    const std::string why = condition_of(e) + (error_text(e).empty() ? "" : " (" + error_text(e) + ")");
    emit({{"event", "error"}, {"time", now_hms()}, {"error", why}, {"id", std::string(e.attribute("id").value_or(""))}},
         "[" + now_hms() + "] the room refused: " + why);
    return;
  }
  const std::string nick = from ? from->resource() : "";
  const auto delay = delay_of(e);
  if (auto subject = e.child_text("subject"); subject && !e.child("body")) {
    json j{{"event", "subject"}, {"time", now_hms()}, {"nick", nick}, {"subject", *subject}};
    if (delay) j["stamp"] = iso(*delay);
    // §7.2.15: the first subject after joining is the room's current one
    // (stamped when it was set; empty and unstamped if it never was).
    const bool current = !seen_subject_;
    seen_subject_ = true;
    j["current"] = current;
    std::string line = current ? "topic: " + *subject : (nick.empty() ? std::string("the room") : nick) + " set the topic: " + *subject;
    if (current && delay)
      line += " (set" + (nick.empty() ? "" : " by " + nick) + " " + local_time(*delay, "%Y-%m-%d %H:%M:%S") + ")";
    if (subject->empty()) line = current ? "no topic" : (nick.empty() ? "the room" : nick) + " cleared the topic";
    emit(j, "[" + now_hms() + "] " + line);
    return;
  }
  const auto body = e.child_text("body");
  if (!body) {
    // §10.2.1: configuration changes are told by status codes.
    const auto codes = status_codes(e.child("x", muc_user_ns));
    if (!codes.empty())
      emit({{"event", "room"}, {"time", now_hms()}, {"codes", codes}},
           "[" + now_hms() + "] the room's configuration changed");
    return;
  }
  const bool is_private = type != "groupchat";
  json j{{"event", is_private ? "private" : "message"}, {"nick", nick}, {"body", *body}, {"history", delay.has_value()}};
  if (auto id = e.attribute("id")) j["id"] = std::string(*id);
  std::string when = now_hms();
  if (delay) {
    when = local_time(*delay, "%Y-%m-%d %H:%M:%S");
    j["stamp"] = iso(*delay);
  }
  j["time"] = when;
  emit(j, "[" + when + "] " + (is_private ? "(private) " : "") + (nick.empty() ? room_.str() : nick) + ": " + *body);
}

void Room::answer_iq(const Element& e) {
  // XEP-0199 pings from the server; nothing else is asked of us.
  auto type = e.attribute("type").value_or("");
  if (type != "get" && type != "set") return;
  const bool ping = e.child("ping", ping_ns) != nullptr;
  Builder r("iq", client_ns());
  r.attr("type", ping ? "result" : "error").attr("id", std::string(e.attribute("id").value_or("")));
  if (auto from = e.attribute("from")) r.attr("to", std::string(*from));
  if (!ping) r.tag("error").attr("type", "cancel").tag("service-unavailable", std::string(ns::stanza_errors)).up().up();
  c_.session().send(r.build());
}

void Room::say(const std::string& text, const std::string& id) {
  c_.session().send(Builder("message", client_ns())
                        .attr("to", room_.str())
                        .attr("type", "groupchat")
                        .attr("id", id)
                        .tag("body")
                        .text(text)
                        .up()
                        .build());
}

// A typed line: false once it asks to leave.
bool Room::command(const std::string& line) {
  if (line.empty()) return true;
  if (line[0] != '/' || line.rfind("//", 0) == 0) {
    say(line[0] == '/' ? line.substr(1) : line, c_.session().next_id());
    return true;
  }
  const auto space = line.find(' ');
  const std::string cmd = line.substr(0, space);
  const auto start = space == std::string::npos ? std::string::npos : line.find_first_not_of(' ', space);
  const std::string rest = start == std::string::npos ? "" : line.substr(start);
  if (cmd == "/leave" || cmd == "/quit") return false;
  if (cmd == "/topic") {
    // §8.1: a message with a subject and no body.
    c_.session().send(Builder("message", client_ns())
                          .attr("to", room_.str())
                          .attr("type", "groupchat")
                          .attr("id", c_.session().next_id())
                          .tag("subject")
                          .text(rest)
                          .up()
                          .build());
    return true;
  }
  if (cmd == "/invite") {
    const auto sp = rest.find(' ');
    const std::string who = rest.substr(0, sp);
    const std::string reason = sp == std::string::npos ? "" : rest.substr(sp + 1);
    auto jid = Jid::parse(who);
    if (who.empty() || !jid) {
      std::fprintf(stderr, "/invite JID [reason]: \"%s\" is not a JID\n", who.c_str());
      return true;
    }
    // XEP-0249: straight to the invitee, the room's password included.
    Builder m("message", client_ns());
    m.attr("to", jid->str()).attr("id", c_.session().next_id()).tag("x", std::string(conference_ns));
    m.attr("jid", room_.str());
    if (!reason.empty()) m.attr("reason", reason);
    if (!o_.password.empty()) m.attr("password", o_.password);
    c_.session().send(m.up().build());
    emit({{"event", "invited"}, {"time", now_hms()}, {"jid", jid->str()}, {"reason", reason}},
         "[" + now_hms() + "] invited " + jid->str());
    return true;
  }
  std::fprintf(stderr, "commands: /topic TEXT, /invite JID [REASON], /leave (//text sends \"/text\")\n");
  return true;
}

int Room::send_one(const std::string& text) {
  const std::string id = c_.session().next_id();
  say(text, id);
  // The room reflects our message to us with its id (muc#stable_id): then
  // everyone in the room has it. An error with that id is a refusal.
  std::optional<std::string> refused;
  std::optional<Element> got;
  const Instant give_up = Clock::now() + std::chrono::seconds(o_.account.timeout);
  while (!got && !put_out_ && Clock::now() < give_up) {
    while (auto e = c_.session().poll_stanza()) {
      const auto from = Jid::parse(e->attribute("from").value_or(""));
      if (e->is("message", ns::client) && e->attribute("id") == id && from && from->bare() == room_) {
        if (e->attribute("type") == "error") refused = condition_of(*e);
        got = std::move(*e);
        break;
      }
      handle(*e);
    }
    if (!got && !c_.pump(std::chrono::milliseconds(200))) break;
  }
  if (refused || !got) {
    std::fprintf(stderr, "room send: %s\n",
                 refused ? ("the room refused the message: " + *refused).c_str() : "the room did not confirm the message");
    leave();
    return refused ? exit_protocol : exit_unreachable;
  }
  handle(*got);
  emit({{"event", "sent"}, {"room", room_.str()}, {"id", id}}, "sent to " + room_.str());
  leave();
  return exit_ok;
}

int Room::run() {
  install_stop_handlers();
  note("in " + room_.str() + " as " + nick_ + ": lines you type are sent; /topic TEXT, /invite JID [REASON], /leave");
  const Instant until = o_.duration > 0 ? Clock::now() + std::chrono::seconds(o_.duration) : Instant::max();
  // With --duration, a closed stdin (a script's) does not end the visit.
  bool input_open = true;
  std::string pending;
  while (!stop_requested() && Clock::now() < until && !put_out_) {
    while (auto e = c_.session().poll_stanza())
      if (!handle(*e)) break;
    if (put_out_ || !c_.flush()) break;
    pollfd fds[2] = {{c_.stream().native_handle(), POLLIN, 0},
                     {STDIN_FILENO, static_cast<short>(input_open ? POLLIN : 0), 0}};
    if (!c_.stream().has_buffered() && ::poll(fds, 2, 200) < 0 && errno != EINTR) break;
    if (c_.stream().has_buffered() || (fds[0].revents & (POLLIN | POLLHUP | POLLERR)))
      if (!c_.pump(std::chrono::milliseconds(0))) break;
    if (input_open && (fds[1].revents & (POLLIN | POLLHUP))) {
      char buf[4096];
      const ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
      if (n <= 0) {
        input_open = false;
        if (o_.duration == 0) break;  // Ctrl-D
        continue;
      }
      pending.append(buf, static_cast<std::size_t>(n));
      bool stay = true;
      for (auto nl = pending.find('\n'); nl != std::string::npos && stay; nl = pending.find('\n')) {
        std::string line = pending.substr(0, nl);
        pending.erase(0, nl + 1);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        stay = command(line);
      }
      if (!stay) break;
    }
  }
  if (put_out_) return exit_protocol;
  const bool broken = c_.session().state() == xmpp::ClientState::failed;
  if (broken) {
    std::fprintf(stderr, "room: %s\n", c_.session().failure().c_str());
    return exit_unreachable;
  }
  leave();
  return exit_ok;
}

void Room::leave() {
  if (!in_room_) return;
  left_ = true;
  c_.session().send(
      Builder("presence", client_ns()).attr("to", occupant(nick_).str()).attr("type", "unavailable").build());
  // §7.14: the room confirms with our own unavailable presence (110).
  const Instant give_up = Clock::now() + std::chrono::seconds(2);
  while (in_room_ && Clock::now() < give_up) {
    while (auto e = c_.session().poll_stanza()) handle(*e);
    if (!in_room_ || !c_.pump(std::chrono::milliseconds(100))) break;
  }
  emit({{"event", "left"}, {"room", room_.str()}}, "[" + now_hms() + "] you left " + room_.str());
}

}  // namespace

int run_room_join(const RoomJoinOptions& o) {
  auto room = Jid::parse(o.room);
  if (!room || room->local().empty() || room->is_full()) {
    std::fprintf(stderr, "room join: \"%s\" is not a room address (ROOM@conference.DOMAIN)%s%s\n", o.room.c_str(),
                 room ? "" : ": ", room ? "" : room.error().message.c_str());
    return exit_usage;
  }
  if (o.send && o.send->empty()) {
    std::fprintf(stderr, "room join: --send needs some text\n");
    return exit_usage;
  }
  std::string nick = o.nick;
  if (nick.empty()) {
    auto me = Jid::parse(o.account.jid);
    nick = me ? me->local() : "";
  }
  auto prepared = xmpp::prepare_resource(nick);
  if (nick.empty() || !prepared) {
    std::fprintf(stderr, "room join: \"%s\" cannot be a nick (--nick)%s%s\n", nick.c_str(), prepared ? "" : ": ",
                 prepared ? "" : prepared.error().message.c_str());
    return exit_usage;
  }
  nick = *prepared;
  int code = exit_ok;
  auto c = XmppConnection::open("room join", o.account, code);
  if (!c) return code;
  Room r(*c, o, *room, nick);
  if (!r.join(code)) {
    c->close();
    return code;
  }
  code = o.send ? r.send_one(*o.send) : r.run();
  c->close();
  return code;
}

}  // namespace confab::client
