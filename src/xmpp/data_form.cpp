#include "xmpp/data_form.hpp"

#include "xmpp/muc_namespaces.hpp"

namespace confab::xmpp {

namespace {

Element child_with_text(std::string_view name, std::string_view text) {
  Element e{std::string(name), std::string(ns::data_forms)};
  if (!text.empty()) e.add_text(text);
  return e;
}

}  // namespace

const FormField* DataForm::field(std::string_view var) const {
  for (const FormField& f : fields)
    if (f.var == var) return &f;
  return nullptr;
}

std::optional<std::string> DataForm::value(std::string_view var) const {
  const FormField* f = field(var);
  if (!f || f->values.empty()) return std::nullopt;
  return f->values.front();
}

std::string DataForm::form_type() const { return value("FORM_TYPE").value_or(""); }

Result<DataForm, std::string> parse_data_form(const Element& x) {
  if (!x.is("x", ns::data_forms)) return unexpected(std::string("not a jabber:x:data form"));
  DataForm form;
  form.type = std::string(x.attribute("type").value_or(""));
  if (form.type != "form" && form.type != "submit" && form.type != "cancel" && form.type != "result")
    return unexpected("a form's type is form, submit, cancel or result, not '" + form.type + "'");
  form.title = x.child_text("title").value_or("");
  form.instructions = x.child_text("instructions").value_or("");
  for (const Element* f : x.elements()) {
    if (!f->is("field", ns::data_forms)) continue;
    FormField field;
    field.var = std::string(f->attribute("var").value_or(""));
    field.type = std::string(f->attribute("type").value_or(""));
    field.label = std::string(f->attribute("label").value_or(""));
    if (field.var.empty() && field.type != "fixed") return unexpected(std::string("a field without a var"));
    for (const Element* v : f->elements())
      if (v->is("value", ns::data_forms)) field.values.push_back(v->text());
    form.fields.push_back(std::move(field));
  }
  return form;
}

Element to_element(const DataForm& form) {
  Element x("x", std::string(ns::data_forms));
  x.set_attribute("type", form.type);
  if (!form.title.empty()) x.add_child(child_with_text("title", form.title));
  if (!form.instructions.empty()) x.add_child(child_with_text("instructions", form.instructions));
  for (const FormField& f : form.fields) {
    Element field("field", std::string(ns::data_forms));
    if (!f.var.empty()) field.set_attribute("var", f.var);
    if (!f.type.empty()) field.set_attribute("type", f.type);
    if (!f.label.empty()) field.set_attribute("label", f.label);
    for (const std::string& v : f.values) field.add_child(child_with_text("value", v));
    for (const auto& [label, value] : f.options) {
      Element option("option", std::string(ns::data_forms));
      if (!label.empty()) option.set_attribute("label", label);
      option.add_child(child_with_text("value", value));
      field.add_child(std::move(option));
    }
    x.add_child(std::move(field));
  }
  return x;
}

std::optional<bool> parse_form_boolean(std::string_view value) {
  if (value == "1" || value == "true") return true;
  if (value == "0" || value == "false") return false;
  return std::nullopt;
}

}  // namespace confab::xmpp
