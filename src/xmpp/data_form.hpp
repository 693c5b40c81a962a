#pragma once
// XEP-0004 data forms, as far as a server needs them: reading a submitted
// form (room configuration, voice requests) and writing a form or a result
// (the configuration form, XEP-0128 extended disco info).
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "xmpp/xml_element.hpp"

namespace confab::xmpp {

struct FormField {
  std::string var;    // empty for a 'fixed' field
  std::string type;   // "boolean", "text-single", "list-single", "hidden"...; may be empty in a submission
  std::string label;
  std::vector<std::string> values;
  std::vector<std::pair<std::string, std::string>> options;  // (label, value) of a list field
};

struct DataForm {
  std::string type;  // "form", "submit", "cancel" or "result"
  std::string title;
  std::string instructions;
  std::vector<FormField> fields;

  const FormField* field(std::string_view var) const;
  // The first value of `var`, if the field is there with one.
  std::optional<std::string> value(std::string_view var) const;
  // The hidden FORM_TYPE field's value (XEP-0068), or "".
  std::string form_type() const;
};

// <x xmlns='jabber:x:data' type=...>: refused if it is not one, its type is
// not one of the four, or a field other than 'fixed' has no var.
Result<DataForm, std::string> parse_data_form(const Element& x);

Element to_element(const DataForm& form);

// XEP-0004 §3.3: "1"/"true" and "0"/"false"; anything else is not a boolean.
std::optional<bool> parse_form_boolean(std::string_view value);

}  // namespace confab::xmpp
