#include "xmpp/client_session.hpp"

#include <algorithm>
#include <variant>

#include "sasl/base64.hpp"
#include "sasl/mechanism.hpp"
#include "sasl/scram_client.hpp"
#include "xmpp/namespaces.hpp"
#include "xmpp/xml_builder.hpp"
#include "xmpp/xml_stream_parser.hpp"
#include "xmpp/xml_writer.hpp"

namespace confab::xmpp {

namespace {

constexpr std::string_view session_ns = "urn:ietf:params:xml:ns:xmpp-session";

// The first child element's name: the condition of a <failure/> or <stream:error/>.
std::string condition_of(const Element& e) {
  for (const Element* c : e.elements())
    if (c->name != "text") return c->name;
  return "undefined-condition";
}

std::string with_text(const Element& e, std::string line) {
  for (const Element* c : e.elements())
    if (c->name == "text" && !c->text().empty()) return line + " (" + c->text() + ")";
  return line;
}

}  // namespace

struct ClientSession::Impl {
  ClientConfig config;
  Rng& rng;
  ClientState state = ClientState::idle;
  std::string failure;
  StreamParser parser{StreamParserOptions{{}, std::string(ns::client)}};
  StreamHeader ours;
  std::deque<std::string> out;
  std::deque<Element> inbound;
  bool tls = false;
  bool wants_tls = false;
  bool authenticated = false;
  bool closing = false;
  Bytes exporter;
  std::optional<sasl::ScramClient> scram;
  std::optional<sasl::Mechanism> mechanism;
  enum class Sasl { none, sent_first, sent_final, verified } sasl = Sasl::none;
  std::string bind_id, session_id;
  Jid jid;
  std::uint64_t ids = 0;

  Impl(ClientConfig c, Rng& r) : config(std::move(c)), rng(r) {}

  void fail(std::string why) {
    if (state == ClientState::failed || state == ClientState::closed) return;
    failure = std::move(why);
    state = ClientState::failed;
  }

  void open() {
    ours = StreamHeader{};
    ours.to = config.account.domain();
    ours.version = "1.0";
    ours.lang = "en";
    ours.content_namespace = std::string(ns::client);
    out.push_back(open_stream(ours));
  }

  void send(const Element& e) { out.push_back(serialize(e, scope_of(ours))); }

  // A new stream on the same connection: after TLS, and after SASL success.
  // `keep` says whether bytes already read belong to the new stream.
  void restart(bool keep) {
    Bytes rest = parser.reset();
    open();
    if (keep && !rest.empty()) parser.feed(ByteView(rest));
  }

  void handle(const Element& e) {
    if (e.is("error", ns::streams)) return fail(with_text(e, "stream error from the server: " + condition_of(e)));
    if (state == ClientState::established) {
      inbound.push_back(e);
      return;
    }
    if (e.is("features", ns::streams)) return on_features(e);
    if (e.is("proceed", ns::tls)) {
      wants_tls = true;  // the I/O layer runs the handshake, then tls_established()
      return;
    }
    if (e.is("failure", ns::tls)) return fail("the server refused STARTTLS");
    if (e.is("challenge", ns::sasl)) return on_challenge(e);
    if (e.is("success", ns::sasl)) return on_success(e);
    if (e.is("failure", ns::sasl)) return fail(with_text(e, "authentication failed: " + condition_of(e)));
    if (e.is("iq", ns::client)) return on_iq(e);
    // Anything else before binding (a message, presence) is early; ignore it.
  }

  void on_features(const Element& f) {
    if (!tls) {
      if (!f.child("starttls", ns::tls))
        return fail("the server offers no STARTTLS: refusing to send credentials in the clear");
      send(Element("starttls", std::string(ns::tls)));
      return;
    }
    if (!authenticated) return start_sasl(f);
    const Element* bind = f.child("bind", ns::bind);
    if (!bind) return fail("the server offers no resource binding");
    bind_id = "bind-" + std::to_string(++ids);
    Builder iq("iq", std::string(ns::client));
    iq.attr("type", "set").attr("id", bind_id).tag("bind", std::string(ns::bind));
    if (!config.resource.empty()) iq.tag("resource").text(config.resource).up();
    send(iq.build());
    // RFC 3921 sessions: only a server that marks them required needs one.
    if (const Element* s = f.child("session", session_ns); s && !s->child("optional", session_ns)) session_id = "session";
  }

  void start_sasl(const Element& f) {
    const Element* list = f.child("mechanisms", ns::sasl);
    if (!list) return fail("the server offers no SASL mechanisms");
    std::vector<sasl::Mechanism> offered;
    for (const Element* m : list->elements())
      if (auto parsed = sasl::parse_mechanism(m->text())) offered.push_back(*parsed);
    auto has = [&](sasl::Mechanism m) { return std::find(offered.begin(), offered.end(), m) != offered.end(); };
    const bool can_bind = !exporter.empty();
    for (auto m : {sasl::Mechanism::scram_sha256_plus, sasl::Mechanism::scram_sha1_plus, sasl::Mechanism::scram_sha256,
                   sasl::Mechanism::scram_sha1}) {
      if (!has(m) || (sasl::is_plus(m) && !can_bind)) continue;
      mechanism = m;
      break;
    }
    if (!mechanism && config.allow_plain && has(sasl::Mechanism::plain)) mechanism = sasl::Mechanism::plain;
    if (!mechanism) return fail("no SASL mechanism in common (the server offers none of SCRAM-SHA-256/-1)");
    Builder auth("auth", std::string(ns::sasl));
    auth.attr("mechanism", std::string(sasl::name_of(*mechanism)));
    if (*mechanism == sasl::Mechanism::plain) {
      std::string msg;
      msg.push_back('\0');
      msg += config.account.local();
      msg.push_back('\0');
      msg += config.password;
      auth.text(sasl::base64_encode(as_bytes(msg)));
      sasl = Sasl::sent_final;  // PLAIN is one message; success ends it
    } else {
      // RFC 5802 §6: "y" when we could bind but the server offered no
      // -PLUS (so a downgrade is detectable), "p" when we bind.
      sasl::ClientBinding binding;
      if (sasl::is_plus(*mechanism))
        binding = {sasl::Gs2Flag::p, {std::string(sasl::tls_exporter), exporter}};
      else if (can_bind)
        binding.flag = sasl::Gs2Flag::y;
      scram.emplace(*mechanism, config.account.local(), config.password, binding);
      auto first = scram->client_first(rng);
      if (!first) return fail("cannot start SCRAM: " + std::string(sasl::to_string(first.error().error)) + " " +
                              first.error().detail);
      auth.text(sasl::base64_encode(as_bytes(*first)));
      sasl = Sasl::sent_first;
    }
    send(auth.build());
  }

  std::optional<std::string> payload(const Element& e) {
    std::string text = e.text();
    if (text.empty() || text == "=") return std::string();
    auto bytes = sasl::base64_decode(text);
    if (!bytes) return std::nullopt;
    return std::string(as_chars(*bytes));
  }

  void on_challenge(const Element& e) {
    auto data = payload(e);
    if (!data || !scram) return fail("the server sent a malformed SASL challenge");
    if (sasl == Sasl::sent_first) {
      auto final_message = scram->handle_server_first(*data);
      if (!final_message)
        return fail("SCRAM: " + std::string(sasl::to_string(final_message.error().error)) + " " +
                    final_message.error().detail);
      Element r("response", std::string(ns::sasl));
      r.add_text(sasl::base64_encode(as_bytes(*final_message)));
      send(r);
      sasl = Sasl::sent_final;
      return;
    }
    // Some servers send server-final as a challenge and then an empty success.
    if (sasl == Sasl::sent_final && verify(*data)) send(Element("response", std::string(ns::sasl)));
  }

  bool verify(const std::string& server_final) {
    auto ok = scram->handle_server_final(server_final);
    if (!ok) {
      fail("SCRAM: the server did not prove it knows the password (" +
           std::string(sasl::to_string(ok.error().error)) + ")");
      return false;
    }
    sasl = Sasl::verified;
    return true;
  }

  void on_success(const Element& e) {
    if (scram && sasl != Sasl::verified) {
      auto data = payload(e);
      if (!data || data->empty()) return fail("SCRAM: the server's success carries no signature");
      if (!verify(*data)) return;
    }
    authenticated = true;
    restart(true);  // RFC 6120 §6.4.6: a new stream after SASL
  }

  void on_iq(const Element& iq) {
    auto id = iq.attribute("id").value_or("");
    auto type = iq.attribute("type").value_or("");
    if (id == bind_id && !bind_id.empty()) {
      if (type != "result") return fail(with_text(iq, "resource binding refused"));
      const Element* bind = iq.child("bind", ns::bind);
      auto text = bind ? bind->child_text("jid") : std::nullopt;
      auto parsed = text ? Jid::parse(*text) : Result<Jid, JidError>(unexpected(JidError{}));
      if (!parsed || !parsed->is_full()) return fail("the server bound no usable JID");
      jid = *parsed;
      bind_id.clear();
      if (session_id.empty()) {
        state = ClientState::established;
        return;
      }
      Builder s("iq", std::string(ns::client));
      s.attr("type", "set").attr("id", session_id).tag("session", std::string(session_ns));
      send(s.build());
      return;
    }
    if (id == session_id && !session_id.empty()) {
      if (type != "result") return fail("the server refused the session");
      session_id.clear();
      state = ClientState::established;
    }
  }

  void pump() {
    while (state == ClientState::negotiating || state == ClientState::established) {
      if (wants_tls) return;  // nothing more is read in plaintext
      auto event = parser.poll_event();
      if (!event) return;
      if (auto* header = std::get_if<StreamHeader>(&*event)) {
        if (header->version.value_or("0.9") != "1.0") fail("the server does not speak XMPP 1.0");
      } else if (auto* element = std::get_if<Element>(&*event)) {
        handle(*element);
      } else if (std::holds_alternative<StreamClosed>(*event)) {
        if (!closing) out.push_back(close_stream(ours));
        if (state == ClientState::established || closing)
          state = ClientState::closed;
        else
          fail("the server closed the stream during negotiation");
      } else if (auto* error = std::get_if<StreamError>(&*event)) {
        send(to_element(*error));
        out.push_back(close_stream(ours));
        fail("the server sent bad XML: " + error->message());
      }
    }
  }
};

ClientSession::ClientSession(ClientConfig config, Rng& rng) : impl_(std::make_unique<Impl>(std::move(config), rng)) {}
ClientSession::~ClientSession() = default;
ClientSession::ClientSession(ClientSession&&) noexcept = default;
ClientSession& ClientSession::operator=(ClientSession&&) noexcept = default;

void ClientSession::start() {
  if (impl_->state != ClientState::idle) return;
  impl_->state = ClientState::negotiating;
  impl_->tls = impl_->config.direct_tls;
  impl_->open();
}

void ClientSession::handle_bytes(ByteView bytes) {
  impl_->parser.feed(bytes);
  impl_->pump();
}

void ClientSession::handle_closed() {
  if (impl_->state == ClientState::closed || impl_->state == ClientState::failed) return;
  if (impl_->closing)
    impl_->state = ClientState::closed;
  else
    impl_->fail("the connection was closed by the server");
}

void ClientSession::tls_established(const ClientTlsInfo& info) {
  Impl& s = *impl_;
  if (!s.wants_tls) {
    // Direct TLS: the handshake came before the stream; only the channel
    // data is new.
    s.tls = true;
    s.exporter = info.exporter;
    return;
  }
  s.wants_tls = false;
  s.tls = true;
  s.exporter = info.exporter;
  s.restart(false);  // bytes before the handshake were plaintext: never trusted
  s.pump();
}

std::optional<std::string> ClientSession::poll_output() {
  if (impl_->out.empty()) return std::nullopt;
  std::string o = std::move(impl_->out.front());
  impl_->out.pop_front();
  return o;
}

bool ClientSession::wants_tls() const { return impl_->wants_tls; }
ClientState ClientSession::state() const { return impl_->state; }
const std::string& ClientSession::failure() const { return impl_->failure; }
const Jid& ClientSession::jid() const { return impl_->jid; }
std::string ClientSession::mechanism() const {
  return impl_->mechanism ? std::string(sasl::name_of(*impl_->mechanism)) : std::string();
}

std::optional<Element> ClientSession::poll_stanza() {
  if (impl_->inbound.empty()) return std::nullopt;
  Element e = std::move(impl_->inbound.front());
  impl_->inbound.pop_front();
  return e;
}

void ClientSession::send(const Element& stanza) {
  if (impl_->state == ClientState::established) impl_->send(stanza);
}

void ClientSession::close() {
  Impl& s = *impl_;
  if (s.closing || (s.state != ClientState::established && s.state != ClientState::negotiating)) return;
  s.closing = true;
  s.out.push_back(close_stream(s.ours));
}

std::string ClientSession::next_id() { return "c" + std::to_string(++impl_->ids); }

}  // namespace confab::xmpp
