#pragma once
// What a server exchange answers to each client message, in RFC 6120 §6.4
// terms: a <challenge/>, <success/> or <failure/>, each with the data to
// send (base64 it for XMPP). Returned, never called back.
#include <cstdint>
#include <string>

#include "sasl/failure.hpp"

namespace confab::sasl {

// Who authenticated, once an exchange succeeded.
struct Identity {
  std::string username;  // SASLprep'd authcid: the account's localpart for XMPP
  std::string authzid;   // as requested and allowed by the policy; empty if none
};

struct Step {
  enum class Kind : std::uint8_t { challenge, success, failure };

  Kind kind = Kind::failure;
  // challenge: the challenge (may be empty); success: additional data
  // (SCRAM's "v=..."; empty for PLAIN); failure: SCRAM's "e=..." when the
  // exchange reached its final message, else empty. XMPP has no place for
  // failure data except <text/>; other profiles send it as the last challenge.
  std::string data;
  Failure failure;  // kind == failure

  static Step challenge(std::string data) { return Step{Kind::challenge, std::move(data), {}}; }
  static Step success(std::string data) { return Step{Kind::success, std::move(data), {}}; }
  static Step fail(Failure f, std::string data = {}) { return Step{Kind::failure, std::move(data), std::move(f)}; }

  bool is_challenge() const { return kind == Kind::challenge; }
  bool is_success() const { return kind == Kind::success; }
  bool is_failure() const { return kind == Kind::failure; }
};

}  // namespace confab::sasl
