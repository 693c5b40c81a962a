// confab local, local chat, local send, local status: the commands around
// LocalSession, and how people and messages are printed (text or JSON lines).
#include "client/local_commands.hpp"

#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

#include "client/exit_codes.hpp"
#include "client/local_session.hpp"
#include "client/sip_session.hpp"  // install_stop_handlers, stop_requested

namespace confab::client {

namespace {

std::string hms() {
  std::time_t t = std::time(nullptr);
  char buf[16];
  std::strftime(buf, sizeof buf, "%H:%M:%S", std::localtime(&t));
  return buf;
}

std::string default_name() {
  const char* user = std::getenv("USER");
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  std::string h(host);
  if (auto dot = h.find('.'); dot != std::string::npos) h.resize(dot);
  return std::string(user && *user ? user : "confab") + "@" + (h.empty() ? "localhost" : h);
}

const char* status_word(const std::string& s) {
  return s == "away" ? "away" : s == "dnd" ? "busy" : "available";
}

nlohmann::json person_json(const LocalPerson& p) {
  nlohmann::json addrs = nlohmann::json::array();
  for (const auto& a : p.addresses) addrs.push_back(a.to_string());
  return {{"instance", p.instance}, {"name", p.display},      {"status", p.presence.status},
          {"message", p.presence.message}, {"first", p.presence.first}, {"last", p.presence.last},
          {"nick", p.presence.nick},   {"host", p.host},         {"addresses", addrs},
          {"port", p.port}};
}

std::string person_line(const LocalPerson& p) {
  std::string line = p.display;
  if (p.display != p.instance) line += " (" + p.instance + ")";
  line += std::string(" is ") + status_word(p.presence.status);
  if (!p.presence.message.empty()) line += ": " + p.presence.message;
  if (!p.addresses.empty()) line += "  [" + p.addresses.front().to_string() + ":" + std::to_string(p.port) + "]";
  return line;
}

// Prints one event as a line; `with` (chat) keeps presence to that person.
void print_event(const LocalEvent& e, bool json, const std::string& with = {}) {
  using K = LocalEvent::Kind;
  if (!with.empty() && (e.kind == K::appeared || e.kind == K::changed || e.kind == K::left) &&
      e.person.instance != with)
    return;
  if (json) {
    static const char* names[] = {"appeared", "changed", "left", "message", "established", "renamed", "send_failed"};
    nlohmann::json j{{"event", names[static_cast<int>(e.kind)]}, {"time", hms()}};
    if (e.kind == K::established || e.kind == K::renamed) j["name"] = e.text;
    else j["person"] = person_json(e.person);
    if (e.kind == K::message) j["body"] = e.text;
    if (e.kind == K::send_failed) j["error"] = e.text;
    std::printf("%s\n", j.dump().c_str());
  } else {
    switch (e.kind) {
      case K::appeared: std::printf("[%s] + %s\n", hms().c_str(), person_line(e.person).c_str()); break;
      case K::changed: std::printf("[%s] ~ %s\n", hms().c_str(), person_line(e.person).c_str()); break;
      case K::left: std::printf("[%s] - %s left\n", hms().c_str(), e.person.display.c_str()); break;
      case K::message: std::printf("[%s] %s: %s\n", hms().c_str(), e.person.display.c_str(), e.text.c_str()); break;
      case K::established: std::printf("[%s] visible on the link as \"%s\"\n", hms().c_str(), e.text.c_str()); break;
      case K::renamed:
        std::printf("[%s] the name was taken on the link; now \"%s\"\n", hms().c_str(), e.text.c_str());
        break;
      case K::send_failed:
        std::printf("[%s] could not reach %s: %s\n", hms().c_str(), e.person.display.c_str(), e.text.c_str());
        break;
    }
  }
  std::fflush(stdout);
}

std::unique_ptr<LocalSession> open_session(const LocalCliOptions& o, bool advertise, int& code) {
  LocalSessionOptions so;
  so.advertise = advertise;
  so.name = o.name.empty() ? default_name() : o.name;
  so.port = o.port;
  so.interface = o.interface;
  so.presence.first = o.first;
  so.presence.last = o.last;
  so.presence.nick = o.nick;
  so.presence.email = o.email;
  so.presence.status = o.status;
  so.presence.message = o.message;
  if (!mdns::normalize_status(so.presence.status)) {
    std::fprintf(stderr, "local: status must be avail, away or dnd (not \"%s\")\n", o.status.c_str());
    code = exit_usage;
    return nullptr;
  }
  if (so.name.empty() || so.name.size() > mdns::max_label_size) {
    std::fprintf(stderr, "local: the name must be 1 to 63 bytes\n");
    code = exit_usage;
    return nullptr;
  }
  auto s = LocalSession::start(so);
  if (!s) {
    std::fprintf(stderr, "local: %s\n", s.error().c_str());
    code = exit_internal;
    return nullptr;
  }
  return std::move(*s);
}

// What the mDNS side saw, printed on the way out: malformed packets are
// dropped and counted, never fatal.
void print_stats(const LocalSession& s, bool json) {
  const auto& c = s.mdns_counters();
  if (json)
    std::printf("%s\n", nlohmann::json{{"event", "stats"}, {"time", hms()}, {"name", s.own_instance()},
                                       {"mdns_packets", c.packets_received}, {"mdns_queries", c.queries_received},
                                       {"mdns_responses", c.responses_received},
                                       {"mdns_malformed_dropped", c.malformed_dropped}}
                            .dump()
                            .c_str());
  else
    std::fprintf(stderr, "mDNS: %llu packets received, %llu malformed dropped%s%s\n",
                 static_cast<unsigned long long>(c.packets_received),
                 static_cast<unsigned long long>(c.malformed_dropped), c.last_error.empty() ? "" : "; last: ",
                 c.last_error.c_str());
  std::fflush(stdout);
}

Instant deadline_of(int duration) {
  return duration > 0 ? Clock::now() + std::chrono::seconds(duration) : Instant::max();
}

}  // namespace

int run_local_list(const LocalCliOptions& o) {
  int code = exit_ok;
  auto s = open_session(o, false, code);
  if (!s) return code;
  install_stop_handlers();
  if (o.json) {
    const Instant until = Clock::now() + std::chrono::milliseconds(static_cast<long long>(o.wait * 1000));
    while (!stop_requested() && Clock::now() < until) {
      s->step(until);
      while (s->poll_event()) {
      }
    }
    nlohmann::json people = nlohmann::json::array();
    for (const auto& p : s->people()) people.push_back(person_json(p));
    std::printf("%s\n", people.dump().c_str());
    return exit_ok;
  }
  std::fprintf(stderr, "looking for people on the local link (Ctrl-C to stop)\n");
  const Instant until = deadline_of(o.duration);
  while (!stop_requested() && Clock::now() < until) {
    s->step(until);
    while (auto e = s->poll_event()) print_event(*e, false);
  }
  return exit_ok;
}

int run_local_status(const LocalCliOptions& o) {
  int code = exit_ok;
  auto s = open_session(o, true, code);
  if (!s) return code;
  install_stop_handlers();
  const Instant until = deadline_of(o.duration);
  while (!stop_requested() && Clock::now() < until) {
    s->step(until);
    while (auto e = s->poll_event()) print_event(*e, o.json);
  }
  s->shutdown();
  print_stats(*s, o.json);
  return exit_ok;
}

int run_local_send(const LocalCliOptions& o, const std::string& to, const std::string& text) {
  int code = exit_ok;
  auto s = open_session(o, true, code);
  if (!s) return code;
  install_stop_handlers();
  const Instant give_up = Clock::now() + std::chrono::milliseconds(static_cast<long long>(std::max(o.wait, 1.0) * 1000));
  std::optional<LocalPerson> peer;
  bool sent = false;
  std::string failure;
  while (!stop_requested() && Clock::now() < give_up) {
    if (!sent && s->established() && (peer = s->find(to))) {
      sent = s->send(peer->instance, text);
      if (!sent) failure = "no address to reach them at";
    }
    if (sent && s->flushed_to(peer->instance)) break;
    s->step(std::min(give_up, Clock::now() + 100ms));
    while (auto e = s->poll_event())
      if (e->kind == LocalEvent::Kind::send_failed) failure = e->text;
    if (!failure.empty()) break;
  }
  const bool ok = sent && failure.empty() && s->flushed_to(peer->instance);
  s->shutdown();
  if (!ok) {
    if (!peer) std::fprintf(stderr, "send: %s is not on the local link\n", to.c_str());
    else std::fprintf(stderr, "send: could not reach %s: %s\n", peer->display.c_str(),
                      failure.empty() ? "timed out" : failure.c_str());
    return exit_unreachable;
  }
  if (o.json)
    std::printf("%s\n", nlohmann::json{{"sent", true}, {"to", peer->instance}, {"from", s->own_instance()}}.dump().c_str());
  else
    std::printf("sent to %s\n", peer->display.c_str());
  return exit_ok;
}

int run_local_chat(const LocalCliOptions& o, const std::string& with) {
  int code = exit_ok;
  auto s = open_session(o, true, code);
  if (!s) return code;
  install_stop_handlers();
  if (!o.json) std::fprintf(stderr, "chatting with %s on the local link (Ctrl-D to end)\n", with.c_str());
  const Instant until = deadline_of(o.duration);
  std::string pending, partial;
  std::vector<std::string> unsent;  // lines typed before they appeared
  bool input_open = true;
  std::string instance;  // theirs, once found
  while (!stop_requested() && Clock::now() < until) {
    if (instance.empty())
      if (auto p = s->find(with)) instance = p->instance;
    if (!instance.empty() && s->established() && !unsent.empty()) {
      for (const auto& line : unsent)
        if (!s->send(instance, line)) print_event({LocalEvent::Kind::send_failed, {}, "not on the link"}, o.json);
      unsent.clear();
    }
    const bool readable = s->step(until, input_open ? STDIN_FILENO : -1);
    while (auto e = s->poll_event()) {
      if (e->kind == LocalEvent::Kind::left && e->person.instance == instance) instance.clear();
      print_event(*e, o.json, instance.empty() ? std::string() : instance);
    }
    if (readable) {
      char buf[4096];
      const ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
      if (n <= 0) {
        input_open = false;
        // Ctrl-D: give what was typed a moment to reach them, then leave.
        const Instant drain = Clock::now() + 2s;
        while (Clock::now() < drain && (!unsent.empty() || s->unsent_bytes() > 0)) {
          if (!unsent.empty() && !instance.empty() && s->established()) {
            for (const auto& line : unsent) s->send(instance, line);
            unsent.clear();
          }
          s->step(std::min(drain, Clock::now() + 50ms));
          while (auto e = s->poll_event()) print_event(*e, o.json);
        }
        break;
      }
      partial.append(buf, static_cast<std::size_t>(n));
      for (auto nl = partial.find('\n'); nl != std::string::npos; nl = partial.find('\n')) {
        std::string line = partial.substr(0, nl);
        partial.erase(0, nl + 1);
        if (line.rfind("/status ", 0) == 0) {
          // "/status away at lunch": our status and message change (the TXT record is re-announced).
          std::string rest = line.substr(8);
          const auto sp = rest.find(' ');
          std::string status = rest.substr(0, sp);
          const std::string msg = sp == std::string::npos ? std::string() : rest.substr(sp + 1);
          if (mdns::normalize_status(status)) s->set_presence(status, msg);
          else std::fprintf(stderr, "status must be avail, away or dnd\n");
          continue;
        }
        if (!line.empty()) unsent.push_back(std::move(line));
      }
    }
  }
  s->shutdown();
  print_stats(*s, o.json);
  return exit_ok;
}

}  // namespace confab::client
