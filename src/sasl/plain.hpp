#pragma once
// PLAIN (RFC 4616) on the server side, against SCRAM-only storage: the
// store has no password to compare with, so the server recomputes StoredKey
// from the given password with the account's salt and iteration count and
// compares that (constant time). That costs one PBKDF2 per attempt, which
// is why the failed-auth limiter runs before it.
//
// PLAIN sends the password itself: it is refused without TLS
// (encryption-required, RFC 6120 §6.5.3), whatever the caller offered.
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "sasl/failure.hpp"
#include "sasl/server_config.hpp"
#include "sasl/step.hpp"

namespace confab::sasl {

// message = [authzid] NUL authcid NUL passwd, each UTF-8 without NUL;
// authcid and passwd not empty. The password is wiped when this goes.
struct PlainMessage {
  std::string authzid;
  std::string authcid;
  std::string password;

  PlainMessage() = default;
  PlainMessage(PlainMessage&&) = default;
  PlainMessage& operator=(PlainMessage&&) = default;
  ~PlainMessage();
};

// Each field at most `max_field_bytes` (RFC 4616 asks for at least 255).
Result<PlainMessage, Failure> parse_plain(std::string_view message, std::size_t max_field_bytes = 1023);

class PlainServer {
 public:
  // `config` must outlive the server; `tls`: is this connection encrypted?
  PlainServer(const ServerConfig& config, bool tls) : config_(&config), tls_(tls) {}

  // parse_plain() then verify().
  Step handle(std::string_view message, const CredentialsLookup& lookup);
  // For a caller that wants the authcid first (the limiter) before paying
  // for PBKDF2.
  Step verify(const PlainMessage& message, const CredentialsLookup& lookup);

  bool finished() const { return finished_; }
  // The SASLprep'd authcid once verify() got that far, else empty.
  const std::string& username() const { return username_; }
  const std::optional<Identity>& identity() const { return identity_; }

 private:
  Step fail(Reason reason, std::string detail);

  const ServerConfig* config_;
  bool tls_;
  bool finished_ = false;
  std::string username_;
  std::optional<Identity> identity_;
};

}  // namespace confab::sasl
