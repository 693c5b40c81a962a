#pragma once
// Why an authentication failed, three ways: the precise reason (for logs,
// counters and tests), the RFC 6120 §6.5 condition an XMPP server puts in
// <failure/>, and the RFC 5802 §7 server-error value ("e=") SCRAM sends in
// its server-final-message when the exchange got that far. One table
// (failure.cpp) maps reasons to the other two.
//
// What the client learns is deliberately coarser than the reason: an
// unknown user and a wrong password are both not-authorized / invalid-proof.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace confab::sasl {

// RFC 6120 §6.5, the XMPP SASL failure conditions.
enum class Condition : std::uint8_t {
  aborted,
  account_disabled,
  credentials_expired,
  encryption_required,
  incorrect_encoding,
  invalid_authzid,
  invalid_mechanism,
  malformed_request,
  mechanism_too_weak,
  not_authorized,
  temporary_auth_failure,
};
// The element name: "not-authorized", "malformed-request", ...
std::string_view to_string(Condition c);

// RFC 5802 §7 server-error-value.
enum class ScramError : std::uint8_t {
  invalid_encoding,
  extensions_not_supported,
  invalid_proof,
  channel_bindings_dont_match,
  server_does_support_channel_binding,
  channel_binding_not_supported,
  unsupported_channel_binding_type,
  unknown_user,
  invalid_username_encoding,
  no_resources,
  other_error,
};
// "invalid-proof", ...; and back, with anything unknown as other_error
// (RFC 5802: "Unrecognized errors should be treated as other-error").
std::string_view to_string(ScramError e);
ScramError parse_scram_error(std::string_view value);

enum class Reason : std::uint8_t {
  malformed,                        // a message that does not match its grammar (detail says where)
  too_long,                         // a message over ServerConfig::max_message_bytes
  incorrect_encoding,               // the XMPP payload is not base64
  unsupported_extension,            // SCRAM "m=": a mandatory extension we do not know
  invalid_username,                 // not UTF-8, or SASLprep refuses it, or nothing is left
  invalid_authzid,                  // an authzid that is not well-formed
  authzid_refused,                  // a well-formed authzid the policy does not allow
  channel_binding_required,         // a -PLUS mechanism, but the client did not bind ("n" or "y")
  channel_binding_not_offered,      // "p=" with a mechanism that is not -PLUS
  unsupported_channel_binding_type, // "p=" names a type this connection cannot provide
  channel_binding_downgrade,        // "y" although this server offered -PLUS (RFC 5802 §6)
  channel_bindings_dont_match,      // c= is not the gs2 header plus this connection's binding data
  nonce_mismatch,                   // the final message's r= is not the nonce of this exchange
  invalid_proof,                    // SCRAM: the proof does not verify (wrong password)
  wrong_password,                   // PLAIN: the password does not give the stored key
  unknown_user,                     // no such account; on the wire exactly like a wrong password
  store_unavailable,                // the account store failed: try again later
  encryption_required,              // PLAIN over a connection without TLS
  invalid_mechanism,                // a mechanism this connection did not offer
  aborted,                          // the client aborted (RFC 6120 §6.4.4)
  out_of_sequence,                  // a message after the exchange ended, or the wrong one
  too_many_failures,                // the failed-auth limiter holds this source or account
};
std::string_view to_string(Reason r);  // "invalid_proof", ...

struct Failure {
  Reason reason = Reason::malformed;
  Condition condition = Condition::malformed_request;
  ScramError scram_error = ScramError::other_error;
  // One line for the log, never sent: it may say what the client must not
  // learn ("no such account"). It quotes no client text; log the username
  // from the mechanism, escaped, if wanted.
  std::string detail;

  // "unknown_user (not-authorized): no such account"
  std::string message() const;
};

// A Failure with the condition and e= value the table gives `reason`.
Failure make_failure(Reason reason, std::string detail = {});

}  // namespace confab::sasl
