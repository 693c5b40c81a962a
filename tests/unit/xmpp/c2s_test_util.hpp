#pragma once
// A scripted XMPP client for the c2s session tests: it writes what a client
// would, reads the session's output with a StreamParser of its own (a
// client's view of the server stream, restarted after <proceed/> and
// <success/> as a client would), and logs in with confab_sasl's ScramClient
// against a fake account table. One Harness is one connection.
#include <gtest/gtest.h>

#include <deque>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "../sasl/sasl_test_util.hpp"
#include "sasl/base64.hpp"
#include "sasl/scram_client.hpp"
#include "xmpp/c2s_session.hpp"
#include "xmpp/namespaces.hpp"
#include "xmpp/xml_writer.hpp"

namespace confab::xmpp::test {

// The router's part, faked: binds what is asked unless it is taken, or
// fails the way the test says.
class FakeBinder final : public ResourceBinder {
 public:
  struct Call {
    std::uint64_t session;
    Jid account;
    std::string requested;
  };
  std::vector<Call> calls;
  std::optional<BindError> next_error;
  std::set<Jid> bound;

  Result<Jid, BindError> bind(std::uint64_t session, const Jid& account, std::string_view requested) override {
    calls.push_back({session, account, std::string(requested)});
    if (next_error) {
      BindError e = *next_error;
      next_error.reset();
      return unexpected(e);
    }
    Jid full = account.with_resource(requested.empty() ? "gen" + std::to_string(calls.size()) : std::string(requested));
    if (!bound.insert(full).second) return unexpected(BindError{BindError::Kind::conflict, "resource in use"});
    return full;
  }
};

inline const std::string stream_open_to(std::string_view to, std::string_view extra = {}) {
  return "<?xml version='1.0'?><stream:stream to='" + std::string(to) + "' version='1.0' " + std::string(extra) +
         "xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>";
}
inline const std::string stream_open = stream_open_to("example.org");

inline std::string b64(std::string_view s) { return sasl::encode_xmpp_payload(s); }
inline std::string unb64(std::string_view s) {
  auto d = sasl::decode_xmpp_payload(s);
  return d ? *d : std::string("<bad base64>");
}

inline const Bytes exporter_data(32, 0xE5);  // what TLS would export for this connection

struct Harness {
  C2sConfig config;
  sasl::test::Accounts accounts;
  std::vector<std::string> lookup_domains;  // the domain of every lookup, in order
  FakeBinder binder;
  SeededRng rng{7};
  sasl::AuthLimiter limiter{{}};
  Instant now{};
  std::unique_ptr<C2sSession> session;

  std::string written;  // everything the session wrote, in order
  std::unique_ptr<StreamParser> reader;
  std::deque<StreamEvent> received;

  Harness() {
    config.hosts.push_back(sasl::test::server_config());  // example.org
    accounts.add("juliet", "r0m30myr0m30");
  }

  void start(C2sConnection connection = {}) {
    ASSERT_TRUE(validate(config)) << validate(config).error();
    if (connection.id == 0) connection.id = 17;
    if (connection.source == IpAddress()) connection.source = *IpAddress::parse("192.0.2.7");
    AccountLookup lookup = [this](std::string_view domain, std::string_view user, sasl::ScramMechanism m) {
      lookup_domains.emplace_back(domain);
      return accounts.lookup()(user, m);
    };
    session = std::make_unique<C2sSession>(config, std::move(connection), std::move(lookup), binder, rng, &limiter, now);
    reader = std::make_unique<StreamParser>(StreamParserOptions{Limits{}, "jabber:client"});
  }

  // The client writes; whatever the session answers is read.
  void send(std::string_view bytes) {
    session->handle_bytes(now, bytes);
    pump();
  }
  void send(const Element& e) { send(serialize(e, Scope{"jabber:client", {}})); }

  void pump() {
    while (auto out = session->poll_output()) {
      written += *out;
      reader->feed(*out);
    }
    while (auto e = reader->poll_event()) {
      // A client starts reading a new stream after these, as the server does.
      if (auto* el = std::get_if<Element>(&*e);
          el && (el->is("proceed", ns::tls) || el->is("success", ns::sasl))) {
        Bytes rest = reader->reset();
        reader->feed(rest);
      }
      received.push_back(std::move(*e));
    }
  }

  StreamEvent next() {
    EXPECT_FALSE(received.empty()) << "the session said nothing more; it wrote:\n" << written;
    if (received.empty()) return StreamError{};
    StreamEvent e = std::move(received.front());
    received.pop_front();
    return e;
  }
  StreamHeader next_header() {
    StreamEvent e = next();
    auto* h = std::get_if<StreamHeader>(&e);
    EXPECT_NE(h, nullptr) << "expected a stream header; the session wrote:\n" << written;
    return h ? *h : StreamHeader{};
  }
  Element next_element() {
    StreamEvent e = next();
    auto* el = std::get_if<Element>(&e);
    EXPECT_NE(el, nullptr) << "expected an element; the session wrote:\n" << written;
    return el ? *el : Element();
  }
  // The condition of the <stream:error/> that comes next, then the close.
  std::string next_stream_error() {
    Element e = next_element();
    EXPECT_TRUE(e.is("error", ns::streams)) << serialize(e);
    std::string condition;
    for (const Element* c : e.elements())
      if (c->ns == ns::stream_errors && c->name != "text") condition = c->name;
    EXPECT_TRUE(std::holds_alternative<StreamClosed>(next())) << "no </stream:stream> after the error";
    EXPECT_TRUE(session->wants_close());
    return condition;
  }
  bool nothing_more() const { return received.empty(); }

  // Opens a stream; returns the features.
  Element open(const std::string& header = stream_open) {
    send(header);
    next_header();
    Element features = next_element();
    EXPECT_TRUE(features.is("features", ns::streams)) << serialize(features);
    return features;
  }

  void starttls(std::vector<sasl::ChannelBinding> bindings = {}) {
    send("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
    EXPECT_TRUE(next_element().is("proceed", ns::tls));
    ASSERT_TRUE(session->wants_tls());
    session->tls_established(now, std::move(bindings));
    EXPECT_FALSE(session->wants_tls());
  }

  // A SCRAM exchange; returns the last element the session answered with
  // (<success/> or <failure/>).
  Element scram(sasl::Mechanism mech, const std::string& user, const std::string& password,
                sasl::ClientBinding binding = {}) {
    sasl::ScramClient client(mech, user, password, std::move(binding));
    auto first = client.client_first(rng);
    EXPECT_TRUE(first);
    send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='" + std::string(sasl::name_of(mech)) + "'>" +
         b64(*first) + "</auth>");
    Element challenge = next_element();
    if (!challenge.is("challenge", ns::sasl)) return challenge;
    auto final_message = client.handle_server_first(unb64(challenge.text()));
    EXPECT_TRUE(final_message);
    send("<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>" + b64(final_message ? *final_message : "") +
         "</response>");
    Element answer = next_element();
    if (answer.is("success", ns::sasl)) EXPECT_TRUE(client.handle_server_final(unb64(answer.text())));
    return answer;
  }

  Element bind(const std::string& resource = "balcony") {
    send("<iq type='set' id='bind_1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>" +
         (resource.empty() ? std::string() : "<resource>" + resource + "</resource>") + "</bind></iq>");
    return next_element();
  }

  // The whole negotiation of RFC 6120 §9.1: header, STARTTLS, restart,
  // SCRAM-SHA-256, restart, bind.
  void establish(const std::string& resource = "balcony") {
    if (!session) start();
    open();
    starttls();
    open();
    Element result = scram(sasl::Mechanism::scram_sha256, "juliet", "r0m30myr0m30");
    ASSERT_TRUE(result.is("success", ns::sasl)) << serialize(result);
    open();
    Element bound = bind(resource);
    ASSERT_EQ(bound.attribute("type"), "result") << serialize(bound);
    ASSERT_TRUE(session->is_established());
    while (session->poll_event()) {
    }
  }

  std::vector<Element> inbound() {
    std::vector<Element> out;
    while (auto e = session->poll_inbound()) out.push_back(std::move(*e));
    return out;
  }
};

// The names of the child elements, in order: "starttls mechanisms".
inline std::string child_names(const Element& e) {
  std::string out;
  for (const Element* c : e.elements()) out += (out.empty() ? "" : " ") + c->name;
  return out;
}

inline std::string mechanism_names(const Element& features) {
  std::string out;
  if (const Element* m = features.child("mechanisms", ns::sasl))
    for (const Element* c : m->elements()) out += (out.empty() ? "" : " ") + c->text();
  return out;
}

// The defined condition in a stanza's <error/>, with its type: "cancel conflict".
inline std::string stanza_error_of(const Element& stanza) {
  const Element* error = stanza.child("error");
  if (!error) return "no error";
  std::string out(error->attribute("type").value_or("?"));
  for (const Element* c : error->elements())
    if (c->ns == ns::stanza_errors && c->name != "text") out += " " + c->name;
  return out;
}

}  // namespace confab::xmpp::test
