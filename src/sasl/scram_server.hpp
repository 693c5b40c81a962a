#pragma once
// One SCRAM exchange on the server side (RFC 5802 §5, §6; RFC 7677; RFC
// 9266 for tls-exporter), sans-I/O: feed it the client's two messages, get
// back what to send. Randomness (the server nonce) is a parameter; accounts
// are a lookup callback; nothing is logged here (the Failure says what to
// log).
//
// Channel binding. `bindings` is what this connection's TLS can bind to;
// non-empty means the server advertised the -PLUS mechanisms, which matters
// even to an exchange that is not -PLUS: a client that says "y" ("I could
// bind, but you offered no -PLUS") while -PLUS was offered has been talked
// down by someone in the middle, and fails (RFC 5802 §6).
//
// Unknown users. The server answers a name without an account exactly like
// one with an account (salt derived from the name and the secret, the usual
// iteration count) and fails only at the proof, with the same error as a
// wrong password; the Failure's reason (unknown_user) is for the log only.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/rng.hpp"
#include "sasl/channel_binding.hpp"
#include "sasl/mechanism.hpp"
#include "sasl/scram_message.hpp"
#include "sasl/server_config.hpp"
#include "sasl/step.hpp"

namespace confab::sasl {

class ScramServer {
 public:
  // `config` must outlive the server; `mechanism` must be a SCRAM one (a
  // PLAIN here fails every message as invalid_mechanism).
  ScramServer(const ServerConfig& config, Mechanism mechanism, std::vector<ChannelBinding> bindings = {});

  // client-first-message → challenge (server-first-message) or failure.
  Step handle_client_first(std::string_view message, const CredentialsLookup& lookup, Rng& rng);
  // client-final-message → success ("v=...") or failure ("e=...").
  Step handle_client_final(std::string_view message);
  // The client gave up (<abort/>).
  Step abort();

  Mechanism mechanism() const { return mechanism_; }
  bool awaiting_client_first() const { return state_ == State::client_first; }
  bool finished() const { return state_ == State::done; }
  // The SASLprep'd username once client-first parsed (for the limiter and
  // the log; untrusted text), else empty.
  const std::string& username() const { return username_; }
  // Set once the exchange succeeded.
  const std::optional<Identity>& identity() const { return identity_; }

 private:
  enum class State : std::uint8_t { client_first, client_final, done };

  Step fail(Reason reason, std::string detail);
  Step fail_final(Reason reason, std::string detail);  // with "e=..." as data
  std::optional<Failure> check_binding_choice(const Gs2Header& gs2);
  const ChannelBinding* binding_named(std::string_view type) const;

  const ServerConfig* config_;
  Mechanism mechanism_;
  std::vector<ChannelBinding> bindings_;
  State state_ = State::client_first;

  // Carried from client-first to client-final.
  std::string username_;
  std::string authzid_;
  std::string gs2_text_;
  Bytes cb_data_;  // the binding data the client's p= named, if any
  std::string client_first_bare_;
  std::string server_first_;
  std::string nonce_;  // client nonce + server nonce
  ScramCredentials credentials_;
  bool unknown_user_ = false;

  std::optional<Identity> identity_;
};

}  // namespace confab::sasl
