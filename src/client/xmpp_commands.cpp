#include "client/xmpp_commands.hpp"

#include <poll.h>
#include <algorithm>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

#include "client/exit_codes.hpp"
#include "client/sip_session.hpp"  // install_stop_handlers, stop_requested
#include "xmpp/jid.hpp"
#include "xmpp/namespaces.hpp"
#include "xmpp/xml_builder.hpp"

namespace confab::client {

namespace {

using xmpp::Builder;
using xmpp::Element;
namespace ns = xmpp::ns;
constexpr std::string_view roster_ns = "jabber:iq:roster";
constexpr std::string_view ping_ns = "urn:xmpp:ping";

std::string client_ns() { return std::string(ns::client); }

std::string now_hms() {
  std::time_t t = std::time(nullptr);
  char buf[16];
  std::strftime(buf, sizeof buf, "%H:%M:%S", std::localtime(&t));
  return buf;
}

bool is_reply_to(const Element& e, const std::string& id) {
  return e.is("iq", ns::client) && e.attribute("id").value_or("") == id &&
         (e.attribute("type") == "result" || e.attribute("type") == "error");
}

// "service-unavailable (text)" from a stanza's <error/>.
std::string error_of(const Element& e) {
  const Element* err = e.child("error");
  if (!err) return "error";
  std::string out;
  for (const Element* c : err->elements()) {
    if (c->ns != ns::stanza_errors) continue;
    if (c->name == "text") continue;
    out = c->name;
  }
  if (auto text = err->child_text("text", ns::stanza_errors); text && !text->empty()) out += " (" + *text + ")";
  return out.empty() ? "error" : out;
}

std::optional<xmpp::Jid> parse_target(const std::string& command, const std::string& text, int& code) {
  auto j = xmpp::Jid::parse(text);
  if (!j) {
    std::fprintf(stderr, "%s: \"%s\" is not a JID: %s\n", command.c_str(), text.c_str(), j.error().message.c_str());
    code = exit_usage;
    return std::nullopt;
  }
  return *j;
}

// Presence changes and messages, as chat prints them.
void print_incoming(const Element& e, bool json) {
  const std::string from(e.attribute("from").value_or(""));
  if (e.is("message", ns::client)) {
    auto body = e.child_text("body");
    if (e.attribute("type") == "error") {
      std::printf(json ? "%s\n" : "[%s] message to %s bounced: %s\n",
                  json ? nlohmann::json{{"event", "bounce"}, {"from", from}, {"error", error_of(e)}}.dump().c_str()
                       : now_hms().c_str(),
                  from.c_str(), error_of(e).c_str());
    } else if (body) {
      if (json)
        std::printf("%s\n", nlohmann::json{{"event", "message"}, {"time", now_hms()}, {"from", from}, {"body", *body}}
                                .dump()
                                .c_str());
      else
        std::printf("[%s] %s: %s\n", now_hms().c_str(), from.c_str(), body->c_str());
    }
  } else if (e.is("presence", ns::client)) {
    std::string type(e.attribute("type").value_or("available"));
    std::string show = e.child_text("show").value_or("");
    std::string status = e.child_text("status").value_or("");
    if (json)
      std::printf("%s\n", nlohmann::json{{"event", "presence"}, {"time", now_hms()}, {"from", from}, {"type", type},
                                         {"show", show}, {"status", status}}
                              .dump()
                              .c_str());
    else
      std::printf("[%s] %s is %s%s%s\n", now_hms().c_str(), from.c_str(),
                  type == "available" ? (show.empty() ? "available" : show.c_str()) : type.c_str(),
                  status.empty() ? "" : ": ", status.c_str());
  }
  std::fflush(stdout);
}

// Answers what a client must (XEP-0199 pings from the server), so a long
// session is not dropped as dead.
void answer_server_iq(XmppConnection& c, const Element& e) {
  if (!e.is("iq", ns::client)) return;
  auto type = e.attribute("type").value_or("");
  if (type != "get" && type != "set") return;
  Builder r("iq", client_ns());
  r.attr("type", e.child("ping", ping_ns) ? "result" : "error").attr("id", std::string(e.attribute("id").value_or("")));
  if (auto from = e.attribute("from")) r.attr("to", std::string(*from));
  if (!e.child("ping", ping_ns))
    r.tag("error").attr("type", "cancel").tag("service-unavailable", std::string(ns::stanza_errors)).up().up();
  c.session().send(r.build());
}

Element presence(const std::string& show, const std::string& status) {
  Builder p("presence", client_ns());
  if (show != "available" && !show.empty()) p.tag("show").text(show).up();
  if (!status.empty()) p.tag("status").text(status).up();
  return p.build();
}

}  // namespace

int run_xmpp_send(const SendOptions& o) {
  int code = exit_ok;
  auto to = parse_target("send", o.to, code);
  if (!to) return code;
  auto c = XmppConnection::open("send", o.account, code);
  if (!c) return code;
  const std::string id = c->session().next_id();
  Element msg = Builder("message", client_ns())
                    .attr("to", to->str())
                    .attr("type", o.type)
                    .attr("id", id)
                    .tag("body")
                    .text(o.text)
                    .up()
                    .build();
  c->session().send(msg);
  // The server handles our stanzas in order: once it answers a ping sent
  // after the message, the message is in its hands (or bounced before).
  std::optional<std::string> bounced;
  const std::string ping_id = c->session().next_id();
  auto reply = c->request(
      Builder("iq", client_ns()).attr("type", "get").attr("id", ping_id).tag("ping", std::string(ping_ns)).build(),
      [&](const Element& e) { return is_reply_to(e, ping_id); }, std::chrono::seconds(o.account.timeout),
      [&](const Element& e) {
        if (e.is("message", ns::client) && e.attribute("type") == "error" && e.attribute("id") == id)
          bounced = error_of(e);
      });
  // A bounce may still be on its way right after the ping's answer.
  c->pump(std::chrono::milliseconds(50));
  while (auto e = c->session().poll_stanza())
    if (e->is("message", ns::client) && e->attribute("type") == "error" && e->attribute("id") == id)
      bounced = error_of(*e);
  c->close();
  if (bounced) {
    std::fprintf(stderr, "send: the server refused the message to %s: %s\n", to->str().c_str(), bounced->c_str());
    return exit_protocol;
  }
  if (!reply) {
    std::fprintf(stderr, "send: no answer from the server (%s)\n",
                 c->last_error().empty() ? "timed out" : c->last_error().c_str());
    return exit_unreachable;
  }
  if (o.account.json)
    std::printf("%s\n", nlohmann::json{{"sent", true}, {"to", to->str()}, {"id", id}}.dump().c_str());
  else
    std::printf("sent to %s\n", to->str().c_str());
  return exit_ok;
}

int run_xmpp_chat(const ChatOptions& o) {
  int code = exit_ok;
  auto with = parse_target("chat", o.with, code);
  if (!with) return code;
  auto c = XmppConnection::open("chat", o.account, code);
  if (!c) return code;
  install_stop_handlers();
  c->session().send(presence("available", ""));
  if (!o.account.json)
    std::fprintf(stderr, "chatting with %s as %s (Ctrl-D to end)\n", with->str().c_str(),
                 c->session().jid().str().c_str());
  std::string line;
  bool input_open = true;
  while (!stop_requested()) {
    while (auto e = c->session().poll_stanza()) {
      answer_server_iq(*c, *e);
      print_incoming(*e, o.account.json);
    }
    if (!c->flush()) break;
    pollfd fds[2] = {{c->stream().native_handle(), POLLIN, 0}, {STDIN_FILENO, static_cast<short>(input_open ? POLLIN : 0), 0}};
    if (!c->stream().has_buffered() && ::poll(fds, 2, 500) < 0 && errno != EINTR) break;
    if (c->stream().has_buffered() || (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
      if (!c->pump(std::chrono::milliseconds(0))) break;
    }
    if (input_open && (fds[1].revents & (POLLIN | POLLHUP))) {
      char buf[4096];
      ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
      if (n <= 0) {
        input_open = false;
        break;  // Ctrl-D
      }
      line.append(buf, static_cast<std::size_t>(n));
      for (auto nl = line.find('\n'); nl != std::string::npos; nl = line.find('\n')) {
        std::string text = line.substr(0, nl);
        line.erase(0, nl + 1);
        if (text.empty()) continue;
        c->session().send(Builder("message", client_ns())
                              .attr("to", with->str())
                              .attr("type", "chat")
                              .attr("id", c->session().next_id())
                              .tag("body")
                              .text(text)
                              .up()
                              .build());
      }
    }
  }
  const bool broken = c->session().state() == xmpp::ClientState::failed;
  if (broken) std::fprintf(stderr, "chat: %s\n", c->session().failure().c_str());
  c->close();
  return broken ? exit_unreachable : exit_ok;
}

int run_xmpp_roster(const RosterOptions& o) {
  int code = exit_ok;
  std::optional<xmpp::Jid> contact;
  if (o.action != "list") {
    if (o.contact.empty()) {
      std::fprintf(stderr, "roster: %s needs a contact JID\n", o.action.c_str());
      return exit_usage;
    }
    contact = parse_target("roster", o.contact, code);
    if (!contact) return code;
  }
  auto c = XmppConnection::open("roster", o.account, code);
  if (!c) return code;
  const std::string id = c->session().next_id();
  Builder iq("iq", client_ns());
  iq.attr("id", id).attr("type", o.action == "list" ? "get" : "set").tag("query", std::string(roster_ns));
  if (contact) {
    iq.tag("item").attr("jid", contact->bare_str());
    if (o.action == "remove") iq.attr("subscription", "remove");
    if (o.action == "add" && !o.name.empty()) iq.attr("name", o.name);
    iq.up();
  }
  auto reply = c->request(iq.build(), [&](const Element& e) { return is_reply_to(e, id); },
                          std::chrono::seconds(o.account.timeout));
  if (!reply) {
    std::fprintf(stderr, "roster: no answer from the server\n");
    c->close();
    return exit_unreachable;
  }
  if (reply->attribute("type") == "error") {
    std::fprintf(stderr, "roster: the server refused: %s\n", error_of(*reply).c_str());
    c->close();
    return exit_protocol;
  }
  if (o.action == "add" && o.subscribe)
    c->session().send(Builder("presence", client_ns()).attr("to", contact->bare_str()).attr("type", "subscribe").build());
  if (o.action == "list") {
    nlohmann::json items = nlohmann::json::array();
    const Element* q = reply->child("query", roster_ns);
    for (const Element* item : q ? q->elements() : std::vector<const Element*>{}) {
      nlohmann::json j{{"jid", std::string(item->attribute("jid").value_or(""))},
                       {"name", std::string(item->attribute("name").value_or(""))},
                       {"subscription", std::string(item->attribute("subscription").value_or("none"))},
                       {"pending_out", item->attribute("ask") == "subscribe"}};
      items.push_back(j);
    }
    if (o.account.json) {
      std::printf("%s\n", items.dump().c_str());
    } else if (items.empty()) {
      std::printf("(empty roster)\n");
    } else {
      for (const auto& i : items)
        std::printf("%-32s %-8s %s%s\n", i["jid"].get<std::string>().c_str(), i["subscription"].get<std::string>().c_str(),
                    i["name"].get<std::string>().c_str(), i["pending_out"].get<bool>() ? " (asked)" : "");
    }
  } else if (!o.account.json) {
    std::printf("%s %s\n", o.action == "add" ? "added" : "removed", contact->bare_str().c_str());
  } else {
    std::printf("%s\n", nlohmann::json{{"action", o.action}, {"jid", contact->bare_str()}, {"ok", true}}.dump().c_str());
  }
  c->close();
  return exit_ok;
}

int run_xmpp_presence(const PresenceOptions& o) {
  static constexpr std::string_view shows[] = {"available", "away", "dnd", "xa", "chat"};
  if (std::find(std::begin(shows), std::end(shows), o.show) == std::end(shows)) {
    std::fprintf(stderr, "presence: \"%s\" is not one of available, away, dnd, xa, chat\n", o.show.c_str());
    return exit_usage;
  }
  int code = exit_ok;
  auto c = XmppConnection::open("presence", o.account, code);
  if (!c) return code;
  install_stop_handlers();
  c->session().send(presence(o.show, o.status));
  if (!o.account.json)
    std::fprintf(stderr, "%s is %s%s%s (Ctrl-C to go offline)\n", c->session().jid().str().c_str(), o.show.c_str(),
                 o.status.empty() ? "" : ": ", o.status.c_str());
  const Instant until = o.duration > 0 ? Clock::now() + std::chrono::seconds(o.duration) : Instant::max();
  while (!stop_requested() && Clock::now() < until) {
    if (!c->pump(std::chrono::milliseconds(200))) break;
    while (auto e = c->session().poll_stanza()) {
      answer_server_iq(*c, *e);
      print_incoming(*e, o.account.json);
    }
  }
  const bool broken = c->session().state() == xmpp::ClientState::failed;
  if (broken) std::fprintf(stderr, "presence: %s\n", c->session().failure().c_str());
  c->close();
  return broken ? exit_unreachable : exit_ok;
}

}  // namespace confab::client
