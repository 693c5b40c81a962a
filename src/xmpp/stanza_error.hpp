#pragma once
// Stanza errors (RFC 6120 §8.3): the reply that tells a sender why its
// message, presence or request failed — a type (what to do about it) and a
// defined condition, optionally text and an application-specific element.
#include <optional>
#include <string>
#include <string_view>

#include "xmpp/xml_element.hpp"

namespace confab::xmpp {

// §8.3.2: retry after providing credentials, do not retry, retry after
// changing the data, proceed (a warning), retry after waiting.
enum class ErrorType : std::uint8_t { auth, cancel, continue_, modify, wait };

// §8.3.3, in the RFC's order.
enum class Condition : std::uint8_t {
  bad_request,
  conflict,
  feature_not_implemented,
  forbidden,
  gone,
  internal_server_error,
  item_not_found,
  jid_malformed,
  not_acceptable,
  not_allowed,
  not_authorized,
  policy_violation,
  recipient_unavailable,
  redirect,
  registration_required,
  remote_server_not_found,
  remote_server_timeout,
  resource_constraint,
  service_unavailable,
  subscription_required,
  undefined_condition,
  unexpected_request,
};

const char* to_string(ErrorType t);
const char* to_string(Condition c);  // the element name: "service-unavailable"
// The type §8.3.3 gives with each condition's example.
ErrorType default_type(Condition c);

struct StanzaError {
  Condition condition = Condition::undefined_condition;
  ErrorType type = default_type(Condition::undefined_condition);
  std::string text;                   // human-readable, optional
  std::optional<Element> application;  // e.g. XEP-0191's <blocked/>

  StanzaError() = default;
  StanzaError(Condition c, std::string t = {}) : condition(c), type(default_type(c)), text(std::move(t)) {}
  StanzaError(Condition c, ErrorType ty, std::string t = {}) : condition(c), type(ty), text(std::move(t)) {}
};

// The <error/> child: <error type='cancel'><service-unavailable xmlns=.../></error>.
Element to_element(const StanzaError& error);

// Whether a stanza may be answered with an error: never an error (§8.3.1:
// an entity MUST NOT respond to an error with an error, which would loop)
// and never an IQ result.
bool may_answer_with_error(const Element& stanza);

// The error reply to `stanza` (§8.3.1): same kind and id, type='error',
// `to` the original sender and `from` the original recipient (or `from` when
// the original had no `to`: the server itself, or the user's account), or
// nullopt when may_answer_with_error() says no.
std::optional<Element> error_reply(const Element& stanza, const StanzaError& error,
                                   std::string_view from_if_no_to = {});

// The condition of an <error/> inside a stanza, if it has a known one.
std::optional<Condition> error_condition(const Element& stanza);

}  // namespace confab::xmpp
