// libFuzzer target for the c2s session: arbitrary client bytes into a
// session, from its first byte or after a canned negotiation (direct TLS,
// PLAIN against an account with a 1-iteration key so a run stays fast,
// bind), fed in chunks, with the TLS handshake "done" whenever the session
// asks for it.
//
// Input: byte 0 is the mode (bit 0: negotiate first; bit 1: direct TLS;
// bit 2: TLS not required; bit 3: time out at the end), byte 1 the chunk
// size, the rest the client's bytes.
//
// Invariants: no crash or leak; everything the session writes is a
// well-formed server stream as a client reads it (a header first, restarts
// after <proceed/> and <success/>, never a parse error, nothing after the
// close); every stanza handed to the router comes after binding, carries
// the bound JID as `from` and a canonical `to`; nothing is written or handed on once the
// session wants to close.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/rng.hpp"
#include "sasl/base64.hpp"
#include "sasl/scram_keys.hpp"
#include "xmpp/c2s_session.hpp"
#include "xmpp/namespaces.hpp"

namespace {

using namespace confab;
using namespace confab::xmpp;

[[noreturn]] void fail(const char* what, const std::string& detail = {}) {
  std::fprintf(stderr, "xmpp_c2s_session invariant broken: %s\n%s\n", what, detail.c_str());
  std::abort();
}

void check(bool ok, const char* what, const std::string& detail = {}) {
  if (!ok) fail(what, detail);
}

class Binder final : public ResourceBinder {
 public:
  Result<Jid, BindError> bind(std::uint64_t, const Jid& account, std::string_view requested) override {
    if (requested == "taken") return unexpected(BindError{BindError::Kind::conflict, "taken"});
    return account.with_resource(requested.empty() ? std::string("generated") : std::string(requested));
  }
};

const sasl::ScramCredentials& credentials(sasl::ScramMechanism m) {
  static const sasl::ScramCredentials sha1 =
      sasl::scram_credentials(sasl::ScramMechanism::sha1, "pw", as_bytes("saltsaltsaltsalt"), 1);
  static const sasl::ScramCredentials sha256 =
      sasl::scram_credentials(sasl::ScramMechanism::sha256, "pw", as_bytes("saltsaltsaltsalt"), 1);
  return m == sasl::ScramMechanism::sha1 ? sha1 : sha256;
}

// The client's view of what the session writes.
struct Reader {
  StreamParser parser{StreamParserOptions{Limits{.max_header_size = 8192,
                                                 .max_stanza_size = 1 << 20,
                                                 .max_depth = 64,
                                                 .max_attributes = 64,
                                                 .max_attribute_size = 1 << 20,
                                                 .max_text_size = 1 << 20,
                                                 .max_elements = 1 << 16,
                                                 .max_token_size = 1 << 20},
                                          "jabber:client"}};
  bool closed = false;

  void read(const std::string& bytes) {
    check(!closed, "output after the close", bytes);
    parser.feed(bytes);
    while (auto e = parser.poll_event()) {
      if (auto* err = std::get_if<StreamError>(&*e)) fail("the session wrote a broken stream", err->message() + "\n" + bytes);
      if (std::holds_alternative<StreamClosed>(*e)) closed = true;
      if (auto* el = std::get_if<Element>(&*e); el && (el->is("proceed", ns::tls) || el->is("success", ns::sasl))) {
        Bytes rest = parser.reset();
        parser.feed(rest);
      }
    }
  }
};

struct Run {
  C2sConfig config;
  Binder binder;
  SeededRng rng{1};
  Instant now{};
  std::optional<C2sSession> session;
  Reader reader;

  void pump() {
    while (auto out = session->poll_output()) reader.read(*out);
    while (auto in = session->poll_inbound()) {
      // Stanzas read before a close are handed on after it: bound is what counts.
      check(session->bound_jid().has_value(), "a stanza handed on before binding");
      if (in->ns != ns::client) continue;  // a routed nonza
      check(in->attribute("from") == session->bound_jid()->str(), "from not stamped", serialize(*in));
      if (auto to = in->attribute("to")) {
        auto jid = Jid::parse(*to);
        check(jid && jid->str() == *to, "to not canonical", serialize(*in));
      }
    }
    while (session->poll_event()) {
    }
    if (session->wants_tls()) session->tls_established(now, {{"tls-exporter", Bytes(32, 7)}});
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
  sasl::ServerConfig host;
  host.secret = Bytes(32, 0x5A);
  host.domain = "example.org";
  host.unknown_user_iterations_sha1 = 1;  // fast; validate() would refuse it
  host.unknown_user_iterations_sha256 = 1;
  run.config.hosts.push_back(host);
  run.config.require_tls = (mode & 4) == 0;
  run.config.max_stanza_size_before_auth = 4096;
  run.config.limits.max_stanza_size = 16384;
  run.config.extra_features.push_back(Element("csi", "urn:xmpp:csi:0"));
  run.config.routed_namespaces.push_back("urn:xmpp:csi:0");
  const bool negotiate = mode & 1;
  C2sConnection connection{.id = 9, .source = {}, .tls = negotiate || (mode & 2), .bindings = {}};
  AccountLookup lookup = [](std::string_view, std::string_view user, sasl::ScramMechanism m)
      -> Result<std::optional<sasl::ScramCredentials>, std::string> {
    if (user == "broken") return unexpected(std::string("store down"));
    if (user != "juliet") return std::optional<sasl::ScramCredentials>();
    return std::optional<sasl::ScramCredentials>(credentials(m));
  };
  run.session.emplace(run.config, connection, lookup, run.binder, run.rng, nullptr, run.now);

  const std::string open =
      "<stream:stream to='example.org' version='1.0' xmlns='jabber:client' "
      "xmlns:stream='http://etherx.jabber.org/streams'>";
  if (negotiate) {
    run.feed(open);
    run.feed("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>" +
             sasl::base64_encode(as_bytes(std::string_view("\0juliet\0pw", 10))) + "</auth>");
    run.feed(open);
    run.feed("<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>");
    check(run.session->is_established(), "the canned negotiation failed");
  }

  for (std::size_t at = 0; at < in.size() && !run.session->wants_close(); at += chunk) {
    run.feed(in.substr(at, chunk));
    run.now += std::chrono::seconds(1);
  }
  if (mode & 8) {
    run.session->handle_timeout(run.now + std::chrono::minutes(5));
    run.pump();
  }
  const bool closing = run.session->wants_close();
  run.session->send(Element("message", std::string(ns::client)));
  if (closing) check(!run.session->poll_output(), "output after wants_close");
  run.pump();
  return 0;
}
