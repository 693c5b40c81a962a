// libFuzzer target for the XEP-0114 component session: arbitrary
// component bytes into a session, from its first byte or after a canned
// header and handshake, fed in chunks.
//
// Input: byte 0 is the mode (bit 0: handshake first; bit 1: a low stanza
// rate; bit 2: time out at the end), byte 1 the chunk size, the rest the
// component's bytes.
//
// Invariants: no crash or leak; everything the session writes is a
// well-formed jabber:component:accept stream as the component reads it
// (never a parse error, nothing after the close); every stanza handed on
// comes after the handshake, is a message, presence or iq in jabber:client
// with a canonical `from` in the component's domain and a canonical `to`;
// nothing is written once the session wants to close.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/rng.hpp"
#include "xmpp/component_session.hpp"
#include "xmpp/jid.hpp"
#include "xmpp/namespaces.hpp"
#include "xmpp/xml_writer.hpp"

namespace {

using namespace confab;
using namespace confab::xmpp;

[[noreturn]] void fail(const char* what, const std::string& detail = {}) {
  std::fprintf(stderr, "xmpp_component_session invariant broken: %s\n%s\n", what, detail.c_str());
  std::abort();
}

void check(bool ok, const char* what, const std::string& detail = {}) {
  if (!ok) fail(what, detail);
}

class Directory final : public ComponentBinder {
 public:
  bool claim_component(std::uint64_t, const std::string& domain) override { return domain != "taken.example.org"; }
};

struct Reader {
  StreamParser parser{StreamParserOptions{Limits{.max_header_size = 8192,
                                                 .max_stanza_size = 1 << 20,
                                                 .max_depth = 64,
                                                 .max_attributes = 64,
                                                 .max_attribute_size = 1 << 20,
                                                 .max_text_size = 1 << 20,
                                                 .max_elements = 1 << 16,
                                                 .max_token_size = 1 << 20},
                                          "jabber:component:accept"}};
  bool closed = false;
  std::string id;

  void read(const std::string& bytes) {
    check(!closed, "output after the close", bytes);
    parser.feed(bytes);
    while (auto e = parser.poll_event()) {
      if (auto* err = std::get_if<StreamError>(&*e)) fail("the session wrote a broken stream", err->message() + "\n" + bytes);
      if (auto* h = std::get_if<StreamHeader>(&*e)) id = h->id.value_or("");
      if (std::holds_alternative<StreamClosed>(*e)) closed = true;
    }
  }
};

struct Run {
  ComponentConfig config;
  Directory directory;
  SeededRng rng{1};
  sasl::AuthLimiter limiter{sasl::AuthLimiterConfig{}};
  Instant now{};
  std::optional<ComponentSession> session;
  Reader reader;

  void pump() {
    while (auto out = session->poll_output()) reader.read(*out);
    while (auto in = session->poll_inbound()) {
      check(!session->domain().empty(), "a stanza handed on before the handshake");
      check(in->ns == ns::client && (in->name == "message" || in->name == "presence" || in->name == "iq"),
            "not a jabber:client stanza", serialize(*in));
      auto from = Jid::parse(in->attribute("from").value_or(""));
      check(from && from->str() == in->attribute("from") && from->domain() == session->domain(), "bad from",
            serialize(*in));
      auto to = Jid::parse(in->attribute("to").value_or(""));
      check(to && to->str() == in->attribute("to"), "to not canonical", serialize(*in));
    }
    while (session->poll_event()) {
    }
  }

  void feed(std::string_view bytes) {
    session->handle_bytes(now, bytes);
    pump();
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::uint8_t mode = data[0];
  const std::size_t chunk = data[1] == 0 ? 256 : data[1];
  const std::string_view in(reinterpret_cast<const char*>(data + 2), size - 2);

  Run run;
  run.config.components = {{"echo.example.org", "secret"}, {"taken.example.org", "secret"}};
  run.config.limits.max_stanza_size = 16384;
  if (mode & 2) {
    run.config.stanzas_per_second = 1;
    run.config.stanza_burst = 2;
  }
  run.session.emplace(run.config, ComponentConnection{9, {}}, run.directory, run.rng, &run.limiter, run.now);

  if (mode & 1) {
    run.feed("<stream:stream to='echo.example.org' xmlns='jabber:component:accept' "
             "xmlns:stream='http://etherx.jabber.org/streams'>");
    run.feed("<handshake>" + ComponentSession::handshake_digest(run.reader.id, "secret") + "</handshake>");
    check(run.session->is_connected(), "the canned handshake failed");
  }

  for (std::size_t at = 0; at < in.size() && !run.session->wants_close(); at += chunk) {
    run.feed(in.substr(at, chunk));
    run.now += std::chrono::milliseconds(300);
  }
  if (mode & 4) {
    run.session->handle_timeout(run.now + std::chrono::minutes(5));
    run.pump();
  }
  const bool closing = run.session->wants_close();
  Element m("message", std::string(ns::client));
  m.set_attribute("from", "alice@example.org/x");
  m.set_attribute("to", "echo.example.org");
  run.session->send(m);
  if (closing) check(!run.session->poll_output(), "output after wants_close");
  run.pump();
  return 0;
}
