// libFuzzer target for the server-to-server stream (s2s_stream.hpp):
// arbitrary bytes from a remote server into an incoming or an outgoing
// stream, from the first byte or after a canned negotiation (TLS and
// dialback done), fed in chunks.
//
// Input: byte 0 is the mode (bit 0: outgoing; bit 1: negotiated first;
// bit 2: require TLS), byte 1 the chunk size, the rest the peer's bytes.
//
// Invariants: no crash or leak; everything the stream writes is a
// well-formed jabber:server stream as the peer reads it (never a parse
// error, nothing after the close); every stanza handed on is a message,
// presence or iq in jabber:client from a domain authenticated on the stream
// to our domain, both canonical; nothing is written once it wants to close.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/rng.hpp"
#include "xmpp/jid.hpp"
#include "xmpp/namespaces.hpp"
#include "xmpp/s2s_stream.hpp"
#include "xmpp/xml_writer.hpp"

namespace {

using namespace confab;
using namespace confab::xmpp;

[[noreturn]] void fail(const char* what, const std::string& detail = {}) {
  std::fprintf(stderr, "xmpp_s2s_stream invariant broken: %s\n%s\n", what, detail.c_str());
  std::abort();
}

void check(bool ok, const char* what, const std::string& detail = {}) {
  if (!ok) fail(what, detail);
}

struct Reader {
  StreamParser parser{StreamParserOptions{Limits{.max_header_size = 8192,
                                                 .max_stanza_size = 1 << 20,
                                                 .max_depth = 64,
                                                 .max_attributes = 64,
                                                 .max_attribute_size = 1 << 20,
                                                 .max_text_size = 1 << 20,
                                                 .max_elements = 1 << 16,
                                                 .max_token_size = 1 << 20},
                                          "jabber:server"}};
  bool closed = false;

  void read(const std::string& bytes) {
    check(!closed, "output after the close", bytes);
    parser.feed(bytes);
    while (auto e = parser.poll_event()) {
      if (auto* err = std::get_if<StreamError>(&*e)) fail("the stream wrote broken XML", err->message() + "\n" + bytes);
      if (std::holds_alternative<StreamClosed>(*e)) closed = true;
    }
  }
  // After TLS both sides start a new stream.
  void restart() { parser.reset(); }
};

struct Run {
  S2sConfig config;
  SeededRng rng{1};
  Instant now{};
  std::optional<S2sStream> stream;
  Reader reader;

  void pump() {
    while (auto out = stream->poll_output()) reader.read(*out);
    while (auto in = stream->poll_inbound()) {
      check(stream->role() == S2sStream::Role::incoming, "a stanza handed on from an outgoing stream");
      check(in->ns == ns::client && (in->name == "message" || in->name == "presence" || in->name == "iq"),
            "not a jabber:client stanza", serialize(*in));
      auto from = Jid::parse(in->attribute("from").value_or(""));
      check(from && from->str() == in->attribute("from") && stream->authenticated_domains().count(from->domain()),
            "from not canonical or not authenticated", serialize(*in));
      auto to = Jid::parse(in->attribute("to").value_or(""));
      check(to && to->str() == in->attribute("to") && to->domain() == "a.test", "bad to", serialize(*in));
    }
    while (auto e = stream->poll_event()) {
      if (std::holds_alternative<S2sStartTls>(*e)) {
        stream->handle_secured(now);
        reader.restart();
      } else if (auto* v = std::get_if<S2sVerifyNeeded>(&*e)) {
        stream->dialback_verified(v->remote, v->key == "good");
        while (auto out = stream->poll_output()) reader.read(*out);
      }
    }
  }

  void feed(std::string_view bytes) {
    stream->handle_bytes(now, bytes);
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
  run.config.domains = {"a.test"};
  run.config.secret = Bytes{1, 2, 3};
  run.config.limits.max_stanza_size = 16384;
  run.config.require_tls = (mode & 4) != 0;
  const bool outgoing = (mode & 1) != 0;
  run.stream.emplace(run.config, outgoing ? S2sStream::outgoing("a.test", "b.test") : S2sStream::incoming(), run.rng,
                     run.now);
  run.pump();
  const std::string header =
      "<stream:stream xmlns='jabber:server' xmlns:db='jabber:server:dialback' "
      "xmlns:stream='http://etherx.jabber.org/streams' from='b.test' to='a.test' id='s1' version='1.0'>";
  if (mode & 2) {
    if (outgoing) {
      run.feed(header + "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:features>");
      run.feed("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
      run.feed(header + "<stream:features/><db:result from='b.test' to='a.test' type='valid'/>");
      check(run.stream->is_authenticated(), "the canned negotiation failed");
    } else {
      run.feed(header + "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
      run.feed(header + "<db:result from='b.test' to='a.test'>good</db:result>");
      check(run.stream->authenticated_domains().count("b.test") == 1, "the canned dialback failed");
    }
  }
  for (std::size_t at = 0; at < in.size() && !run.stream->wants_close(); at += chunk) {
    run.feed(in.substr(at, chunk));
    run.now += std::chrono::milliseconds(300);
  }
  const bool closing = run.stream->wants_close();
  Element m("message", std::string(ns::client));
  m.set_attribute("from", "alice@a.test/x");
  m.set_attribute("to", "bob@b.test");
  run.stream->send(m);
  if (closing) check(!run.stream->poll_output(), "output after wants_close");
  run.pump();
  return 0;
}
