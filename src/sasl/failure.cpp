// The reason → (condition, e=) table. Choices the RFCs leave open:
// - syntax problems are malformed-request (RFC 6120 §6.5.8), except a bad
//   authzid, which has its own condition (§6.5.6);
// - channel-binding problems that could be an attack (downgrade, mismatch,
//   a type we cannot provide) are not-authorized, so a client that did not
//   misbehave sees nothing new; protocol misuse (p= without -PLUS, -PLUS
//   without p=) is malformed-request;
// - an unknown user is invalid-proof, like a wrong password (RFC 5802 §7
//   allows hiding the real reason), so the answer never tells whether an
//   account exists;
// - the limiter answers temporary-auth-failure: "try again later" is what
//   the client should do, and it is the same for known and unknown names.
#include "sasl/failure.hpp"

#include <array>

namespace confab::sasl {
namespace {

struct Row {
  Reason reason;
  std::string_view name;
  Condition condition;
  ScramError scram_error;
};

using C = Condition;
using E = ScramError;
using R = Reason;

constexpr std::array<Row, 22> table{{
    {R::malformed, "malformed", C::malformed_request, E::invalid_encoding},
    {R::too_long, "too_long", C::malformed_request, E::invalid_encoding},
    {R::incorrect_encoding, "incorrect_encoding", C::incorrect_encoding, E::invalid_encoding},
    {R::unsupported_extension, "unsupported_extension", C::malformed_request, E::extensions_not_supported},
    {R::invalid_username, "invalid_username", C::malformed_request, E::invalid_username_encoding},
    {R::invalid_authzid, "invalid_authzid", C::invalid_authzid, E::other_error},
    {R::authzid_refused, "authzid_refused", C::invalid_authzid, E::other_error},
    {R::channel_binding_required, "channel_binding_required", C::malformed_request, E::other_error},
    {R::channel_binding_not_offered, "channel_binding_not_offered", C::malformed_request, E::other_error},
    {R::unsupported_channel_binding_type, "unsupported_channel_binding_type", C::not_authorized,
     E::unsupported_channel_binding_type},
    {R::channel_binding_downgrade, "channel_binding_downgrade", C::not_authorized,
     E::server_does_support_channel_binding},
    {R::channel_bindings_dont_match, "channel_bindings_dont_match", C::not_authorized,
     E::channel_bindings_dont_match},
    {R::nonce_mismatch, "nonce_mismatch", C::not_authorized, E::other_error},
    {R::invalid_proof, "invalid_proof", C::not_authorized, E::invalid_proof},
    {R::wrong_password, "wrong_password", C::not_authorized, E::invalid_proof},
    {R::unknown_user, "unknown_user", C::not_authorized, E::invalid_proof},
    {R::store_unavailable, "store_unavailable", C::temporary_auth_failure, E::no_resources},
    {R::encryption_required, "encryption_required", C::encryption_required, E::other_error},
    {R::invalid_mechanism, "invalid_mechanism", C::invalid_mechanism, E::other_error},
    {R::aborted, "aborted", C::aborted, E::other_error},
    {R::out_of_sequence, "out_of_sequence", C::malformed_request, E::other_error},
    {R::too_many_failures, "too_many_failures", C::temporary_auth_failure, E::other_error},
}};

constexpr bool table_in_enum_order() {
  for (std::size_t i = 0; i < table.size(); ++i)
    if (static_cast<std::size_t>(table[i].reason) != i) return false;
  return true;
}
static_assert(table_in_enum_order(), "one row per Reason, in declaration order");
static_assert(table.size() == static_cast<std::size_t>(R::too_many_failures) + 1);

constexpr std::array<std::string_view, 11> condition_names{
    "aborted",           "account-disabled",   "credentials-expired", "encryption-required",
    "incorrect-encoding", "invalid-authzid",    "invalid-mechanism",   "malformed-request",
    "mechanism-too-weak", "not-authorized",     "temporary-auth-failure",
};
static_assert(condition_names.size() == static_cast<std::size_t>(C::temporary_auth_failure) + 1);

constexpr std::array<std::string_view, 11> scram_error_names{
    "invalid-encoding",
    "extensions-not-supported",
    "invalid-proof",
    "channel-bindings-dont-match",
    "server-does-support-channel-binding",
    "channel-binding-not-supported",
    "unsupported-channel-binding-type",
    "unknown-user",
    "invalid-username-encoding",
    "no-resources",
    "other-error",
};
static_assert(scram_error_names.size() == static_cast<std::size_t>(E::other_error) + 1);

}  // namespace

std::string_view to_string(Condition c) { return condition_names[static_cast<std::size_t>(c)]; }

std::string_view to_string(ScramError e) { return scram_error_names[static_cast<std::size_t>(e)]; }

ScramError parse_scram_error(std::string_view value) {
  for (std::size_t i = 0; i < scram_error_names.size(); ++i)
    if (scram_error_names[i] == value) return static_cast<ScramError>(i);
  return ScramError::other_error;
}

std::string_view to_string(Reason r) { return table[static_cast<std::size_t>(r)].name; }

std::string Failure::message() const {
  std::string out(to_string(reason));
  out.append(" (").append(to_string(condition)).append(")");
  if (!detail.empty()) out.append(": ").append(detail);
  return out;
}

Failure make_failure(Reason reason, std::string detail) {
  const Row& row = table[static_cast<std::size_t>(reason)];
  return Failure{reason, row.condition, row.scram_error, std::move(detail)};
}

}  // namespace confab::sasl
