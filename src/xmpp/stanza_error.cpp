#include "xmpp/stanza_error.hpp"

#include <array>

#include "xmpp/namespaces.hpp"

namespace confab::xmpp {

namespace {

struct ConditionInfo {
  const char* name;
  ErrorType type;
};

// §8.3.3: each condition's name and the type its example uses.
constexpr std::array<ConditionInfo, 22> conditions = {{
    {"bad-request", ErrorType::modify},
    {"conflict", ErrorType::cancel},
    {"feature-not-implemented", ErrorType::cancel},
    {"forbidden", ErrorType::auth},
    {"gone", ErrorType::cancel},
    {"internal-server-error", ErrorType::cancel},
    {"item-not-found", ErrorType::cancel},
    {"jid-malformed", ErrorType::modify},
    {"not-acceptable", ErrorType::modify},
    {"not-allowed", ErrorType::cancel},
    {"not-authorized", ErrorType::auth},
    {"policy-violation", ErrorType::modify},
    {"recipient-unavailable", ErrorType::wait},
    {"redirect", ErrorType::modify},
    {"registration-required", ErrorType::auth},
    {"remote-server-not-found", ErrorType::cancel},
    {"remote-server-timeout", ErrorType::wait},
    {"resource-constraint", ErrorType::wait},
    {"service-unavailable", ErrorType::cancel},
    {"subscription-required", ErrorType::auth},
    {"undefined-condition", ErrorType::cancel},
    {"unexpected-request", ErrorType::wait},
}};

}  // namespace

const char* to_string(ErrorType t) {
  switch (t) {
    case ErrorType::auth: return "auth";
    case ErrorType::cancel: return "cancel";
    case ErrorType::continue_: return "continue";
    case ErrorType::modify: return "modify";
    case ErrorType::wait: return "wait";
  }
  return "cancel";
}

const char* to_string(Condition c) { return conditions[static_cast<std::size_t>(c)].name; }

ErrorType default_type(Condition c) { return conditions[static_cast<std::size_t>(c)].type; }

Element to_element(const StanzaError& error) {
  Element e("error", std::string(ns::client));
  e.set_attribute("type", to_string(error.type));
  e.add_child(Element(to_string(error.condition), std::string(ns::stanza_errors)));
  if (!error.text.empty()) {
    Element text("text", std::string(ns::stanza_errors));
    text.add_text(error.text);
    e.add_child(std::move(text));
  }
  if (error.application) e.add_child(*error.application);
  return e;
}

bool may_answer_with_error(const Element& stanza) {
  auto type = stanza.attribute("type");
  if (type == "error") return false;
  if (stanza.name == "iq" && type == "result") return false;
  return true;
}

std::optional<Element> error_reply(const Element& stanza, const StanzaError& error, std::string_view from_if_no_to) {
  if (!may_answer_with_error(stanza)) return std::nullopt;
  Element reply(stanza.name, stanza.ns);
  reply.prefix = stanza.prefix;
  if (auto to = stanza.attribute("to")) reply.set_attribute("from", std::string(*to));
  else if (!from_if_no_to.empty()) reply.set_attribute("from", std::string(from_if_no_to));
  if (auto from = stanza.attribute("from")) reply.set_attribute("to", std::string(*from));
  if (auto id = stanza.attribute("id")) reply.set_attribute("id", std::string(*id));
  reply.set_attribute("type", "error");
  reply.add_child(to_element(error));
  return reply;
}

std::optional<Condition> error_condition(const Element& stanza) {
  const Element* error = stanza.child("error");
  if (!error) return std::nullopt;
  for (const Element* c : error->elements()) {
    if (c->ns != ns::stanza_errors) continue;
    for (std::size_t i = 0; i < conditions.size(); ++i)
      if (c->name == conditions[i].name) return static_cast<Condition>(i);
  }
  return std::nullopt;
}

}  // namespace confab::xmpp
