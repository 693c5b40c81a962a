#include "client/xmpp_connection.hpp"

#include <cstdio>

#include "client/exit_codes.hpp"
#include "client/password.hpp"
#include "net/resolve.hpp"
#include "xmpp/jid.hpp"

namespace confab::client {

std::unique_ptr<XmppConnection> XmppConnection::open(const std::string& command, const XmppAccountOptions& o,
                                                     int& exit_code) {
  auto fail = [&](int code, const std::string& why) -> std::unique_ptr<XmppConnection> {
    std::fprintf(stderr, "%s: %s\n", command.c_str(), why.c_str());
    exit_code = code;
    return nullptr;
  };
  auto account = xmpp::Jid::parse(o.jid);
  if (!account || account->local().empty())
    return fail(exit_usage, "\"" + o.jid + "\" is not an account like alice@example.org" +
                                (account ? "" : ": " + account.error().message));
  auto password = read_password(account->bare_str(), o.password_file);
  if (!password) return fail(exit_usage, password.error());

  xmpp::ClientConfig config;
  config.account = account->bare();
  config.password = *password;
  config.resource = o.resource;
  config.direct_tls = o.direct_tls;
  std::unique_ptr<XmppConnection> c(new XmppConnection(std::move(config)));

  const std::uint16_t port = o.direct_tls ? 5223 : 5222;
  auto server = net::resolve(o.server.empty() ? account->domain() : o.server, port);
  if (!server) return fail(exit_unreachable, server.error());
  c->tls_ = net::TlsClientOptions{account->domain(), o.ca_file, !o.insecure};
  const auto timeout = std::chrono::seconds(o.timeout);
  auto stream = net::StreamClient::connect(*server, timeout, o.direct_tls ? c->tls_ : std::nullopt);
  if (!stream) return fail(exit_unreachable, stream.error());
  c->stream_ = std::move(*stream);
  if (o.direct_tls) {
    // Handled before the session starts: tell it what the handshake gave.
    c->session_.start();
    c->session_.tls_established({c->stream_->tls_exporter()});
  } else {
    c->session_.start();
  }

  const Instant give_up = Clock::now() + timeout;
  while (c->session_.state() == xmpp::ClientState::negotiating) {
    if (!c->flush()) return fail(exit_unreachable, c->error_);
    if (c->session_.wants_tls()) {
      auto tls = c->stream_->start_tls(*c->tls_, timeout);
      if (!tls) return fail(exit_unreachable, tls.error());
      c->session_.tls_established({c->stream_->tls_exporter()});
      continue;
    }
    if (Clock::now() >= give_up) return fail(exit_unreachable, "timed out logging in to " + server->to_string());
    if (!c->pump(std::chrono::milliseconds(200)) && c->session_.state() == xmpp::ClientState::negotiating)
      return fail(exit_unreachable, c->error_.empty() ? "the connection broke while logging in" : c->error_);
  }
  if (c->session_.state() != xmpp::ClientState::established) {
    // Refused credentials and the like are the server's answer (4); a
    // connection that broke is "unreachable" (3).
    const std::string& why = c->session_.failure();
    const bool refused = why.rfind("authentication failed", 0) == 0 || why.rfind("stream error", 0) == 0 ||
                         why.rfind("resource binding", 0) == 0;
    return fail(refused ? exit_protocol : exit_unreachable, why.empty() ? c->error_ : why);
  }
  c->flush();
  return c;
}

XmppConnection::~XmppConnection() = default;

bool XmppConnection::flush() {
  while (auto out = session_.poll_output()) {
    auto r = stream_->write_all(as_bytes(*out), std::chrono::seconds(10));
    if (!r) {
      error_ = r.error();
      return false;
    }
  }
  return true;
}

bool XmppConnection::pump(std::chrono::milliseconds wait) {
  if (!flush()) return false;
  auto bytes = stream_->read_some(wait);
  if (!bytes) {
    error_ = bytes.error();
    session_.handle_closed();
    return false;
  }
  if (!bytes->empty()) session_.handle_bytes(ByteView(*bytes));
  // More may be decrypted and waiting where poll(2) cannot see it.
  while (stream_->has_buffered()) {
    auto more = stream_->read_some(std::chrono::milliseconds(0));
    if (!more || more->empty()) break;
    session_.handle_bytes(ByteView(*more));
  }
  flush();
  const auto st = session_.state();
  return st == xmpp::ClientState::negotiating || st == xmpp::ClientState::established;
}

std::optional<xmpp::Element> XmppConnection::request(const xmpp::Element& stanza,
                                                     const std::function<bool(const xmpp::Element&)>& match,
                                                     std::chrono::milliseconds wait,
                                                     const std::function<void(const xmpp::Element&)>& other) {
  session_.send(stanza);
  const Instant give_up = Clock::now() + wait;
  for (;;) {
    while (auto in = session_.poll_stanza()) {
      if (match(*in)) return in;
      if (other) other(*in);
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(give_up - Clock::now());
    if (left.count() <= 0) return std::nullopt;
    if (!pump(std::min(left, std::chrono::milliseconds(200)))) {
      while (auto in = session_.poll_stanza())
        if (match(*in)) return in;
      return std::nullopt;
    }
  }
}

void XmppConnection::close() {
  session_.close();
  flush();
  const Instant give_up = Clock::now() + std::chrono::seconds(2);
  while (session_.state() == xmpp::ClientState::established && Clock::now() < give_up)
    if (!pump(std::chrono::milliseconds(100))) break;
  stream_->close();
}

}  // namespace confab::client
