#pragma once
// SASL negotiation on one XMPP stream (RFC 6120 §6.4), sans-I/O: which
// mechanisms to advertise for this connection, then <auth/>, <response/>
// and <abort/> in, and the Step to answer with out. It picks the
// mechanism, runs its exchange (ScramServer or PlainServer), consults the
// failed-auth limiter before any work that reveals or costs something, and
// counts the attempts on this stream.
//
//   ServerSession s(config, {.tls = true, .bindings = {{"tls-exporter", ekm}}, .source = ip}, &limiter);
//   s.mechanisms()                    → SCRAM-SHA-256-PLUS, ..., PLAIN   (<mechanisms/>)
//   s.channel_binding_types()         → tls-exporter                     (XEP-0440)
//   s.start("SCRAM-SHA-256", bytes, now, rng, lookup)  → challenge
//   s.respond(bytes, now, rng, lookup)                  → success, s.identity()
//
// Payloads are raw bytes: decode_xmpp_payload() takes the element's text.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/address.hpp"
#include "core/result.hpp"
#include "core/rng.hpp"
#include "core/time.hpp"
#include "sasl/auth_limiter.hpp"
#include "sasl/channel_binding.hpp"
#include "sasl/mechanism.hpp"
#include "sasl/plain.hpp"
#include "sasl/scram_server.hpp"
#include "sasl/server_config.hpp"
#include "sasl/step.hpp"

namespace confab::sasl {

// What the I/O layer knows about the connection.
struct Connection {
  bool tls = false;
  // This connection's channel-binding data (ignored without TLS); the
  // -PLUS mechanisms are offered when there is any.
  std::vector<ChannelBinding> bindings;
  IpAddress source;  // for the limiter
};

// The text of <auth/>, <response/>: strict base64, where "=" is a present
// but empty response (RFC 6120 §6.4.2). Anything else: incorrect-encoding.
Result<std::string, Failure> decode_xmpp_payload(std::string_view text);
// Data for <challenge/> or <success/>: base64, empty stays empty.
std::string encode_xmpp_payload(std::string_view data);

class ServerSession {
 public:
  // `config` and `limiter` (which may be null: no limits) must outlive the
  // session; one limiter serves every stream of the service.
  ServerSession(const ServerConfig& config, Connection connection, AuthLimiter* limiter = nullptr);

  // To advertise, best first.
  std::vector<Mechanism> mechanisms() const;
  std::vector<std::string> channel_binding_types() const;

  // <auth mechanism=...>; `initial_response` is nullopt when the element
  // was empty (the client waits for an empty challenge).
  Step start(std::string_view mechanism, std::optional<std::string_view> initial_response, Instant now, Rng& rng,
             const CredentialsLookup& lookup);
  // <response/>.
  Step respond(std::string_view response, Instant now, Rng& rng, const CredentialsLookup& lookup);
  // <abort/>.
  Step abort();

  bool authenticated() const { return identity_.has_value(); }
  const std::optional<Identity>& identity() const { return identity_; }
  // The mechanism of the exchange in progress, or of the one that succeeded.
  std::optional<Mechanism> mechanism() const { return mechanism_; }
  bool in_progress() const { return !std::holds_alternative<std::monostate>(exchange_); }
  // After this many failed attempts (ServerConfig::max_attempts_per_stream)
  // the stream should be closed once the failure is sent.
  // Only exchanges that tested credentials count; the rest (a channel
  // binding the client cannot do, then its fallback) have a looser cap, so
  // a client can still reach the mechanism it can use.
  bool retries_exhausted() const {
    return failures_ >= config_->max_attempts_per_stream || attempts_ >= 3 * config_->max_attempts_per_stream;
  }

 private:
  Step run(std::string_view data, Instant now, Rng& rng, const CredentialsLookup& lookup);
  Step run_plain(PlainServer& plain, std::string_view data, Instant now, const CredentialsLookup& lookup);
  Step finish(Step step, std::string_view username, Instant now);
  Step refuse(Reason reason, std::string detail);

  const ServerConfig* config_;
  Connection connection_;
  AuthLimiter* limiter_;
  std::variant<std::monostate, ScramServer, PlainServer> exchange_;
  std::optional<Mechanism> mechanism_;
  std::optional<Identity> identity_;
  std::uint32_t failures_ = 0;  // wrong password, unknown user
  std::uint32_t attempts_ = 0;  // every failed exchange
};

}  // namespace confab::sasl
