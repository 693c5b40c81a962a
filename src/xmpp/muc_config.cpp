#include "xmpp/muc_config.hpp"

#include <charconv>

#include "xmpp/jid.hpp"
#include "xmpp/muc_namespaces.hpp"

namespace confab::xmpp {

namespace {

const char* whois_value(Whois w) { return w == Whois::anyone ? "anyone" : "moderators"; }

const char* allow_pm_value(AllowPm p) {
  switch (p) {
    case AllowPm::anyone: return "anyone";
    case AllowPm::participants: return "participants";
    case AllowPm::moderators: return "moderators";
    case AllowPm::none: return "none";
  }
  return "anyone";
}

FormField text(std::string var, std::string label, std::string value, std::string type = "text-single") {
  FormField f{std::move(var), std::move(type), std::move(label), {}, {}};
  if (!value.empty()) f.values.push_back(std::move(value));
  return f;
}

FormField boolean(std::string var, std::string label, bool value) {
  return {std::move(var), "boolean", std::move(label), {value ? "1" : "0"}, {}};
}

std::optional<std::size_t> count(std::string_view text) {
  std::size_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

StanzaError not_acceptable(std::string why) { return StanzaError(Condition::not_acceptable, std::move(why)); }

}  // namespace

std::optional<std::string> validate(const MucConfig& c) {
  if (c.domain.empty()) return "muc: no domain";
  auto jid = Jid::parse(c.domain);
  if (!jid || !jid->is_domain() || jid->str() != c.domain)
    return "muc: '" + c.domain + "' is not a domain in canonical form";
  if (c.max_users == 0) return "muc: max_users must be at least 1";
  if (c.room_defaults.password_protected && c.room_defaults.password.empty())
    return "muc: password-protected rooms by default need a default password";
  if (c.archive_page == 0 || c.max_archive_page < c.archive_page)
    return "muc: archive_page must be at least 1 and at most max_archive_page";
  return std::nullopt;
}

DataForm config_form(const RoomConfig& c, const std::string& room_id, const MucConfig& service) {
  DataForm form;
  form.type = "form";
  form.title = "Configuration for \"" + room_id + "\" Room";
  form.instructions = "Complete this form to configure the room; submit it unchanged to accept these values.";
  form.fields.push_back({"FORM_TYPE", "hidden", "", {std::string(ns::muc_roomconfig)}, {}});
  form.fields.push_back(text("muc#roomconfig_roomname", "Natural-Language Room Name", c.name));
  form.fields.push_back(text("muc#roomconfig_roomdesc", "Short Description of Room", c.description));
  form.fields.push_back(boolean("muc#roomconfig_persistentroom", "Make Room Persistent?", c.persistent));
  form.fields.push_back(boolean("muc#roomconfig_publicroom", "Make Room Publicly Searchable?", c.public_room));
  form.fields.push_back(boolean("muc#roomconfig_membersonly", "Make Room Members-Only?", c.members_only));
  form.fields.push_back(boolean("muc#roomconfig_moderatedroom", "Make Room Moderated?", c.moderated));
  form.fields.push_back(
      boolean("muc#roomconfig_passwordprotectedroom", "Password Required to Enter?", c.password_protected));
  form.fields.push_back(text("muc#roomconfig_roomsecret", "Password", c.password, "text-private"));
  FormField max_users{"muc#roomconfig_maxusers", "list-single", "Maximum Number of Occupants",
                      {c.max_users == 0 ? "none" : std::to_string(c.max_users)}, {}};
  for (std::size_t n : {10u, 20u, 30u, 50u, 100u, 200u, 500u, 1000u})
    if (n <= service.max_users) max_users.options.emplace_back(std::to_string(n), std::to_string(n));
  max_users.options.emplace_back("None", "none");
  form.fields.push_back(std::move(max_users));
  form.fields.push_back({"muc#roomconfig_whois", "list-single", "Who May Discover Real JIDs?",
                         {whois_value(c.whois)}, {{"Moderators Only", "moderators"}, {"Anyone", "anyone"}}});
  form.fields.push_back(
      boolean("muc#roomconfig_changesubject", "Allow Occupants to Change Subject?", c.change_subject));
  form.fields.push_back(boolean("muc#roomconfig_allowinvites", "Allow Members to Invite Others?", c.allow_invites));
  form.fields.push_back({"muc#roomconfig_allowpm",
                         "list-single",
                         "Who Can Send Private Messages?",
                         {allow_pm_value(c.allow_pm)},
                         {{"Anyone", "anyone"},
                          {"Anyone with Voice", "participants"},
                          {"Moderators Only", "moderators"},
                          {"Nobody", "none"}}});
  form.fields.push_back(text("muc#maxhistoryfetch", "Maximum Number of History Messages Returned by Room",
                             std::to_string(c.max_history)));
  return form;
}

Result<RoomConfig, StanzaError> apply_config_form(const DataForm& form, RoomConfig c, const MucConfig& service) {
  if (form.type != "submit") return unexpected(StanzaError(Condition::bad_request, "the form is not submitted"));
  const std::string type = form.form_type();
  if (!type.empty() && type != ns::muc_roomconfig)
    return unexpected(StanzaError(Condition::bad_request, "not a muc#roomconfig form"));
  for (const FormField& f : form.fields) {
    const std::string value = f.values.empty() ? std::string() : f.values.front();
    auto flag = [&](bool& out) -> std::optional<StanzaError> {
      auto b = parse_form_boolean(value);
      if (!b) return not_acceptable(f.var + ": not a boolean");
      out = *b;
      return std::nullopt;
    };
    std::optional<StanzaError> bad;
    if (f.var == "muc#roomconfig_roomname") c.name = value;
    else if (f.var == "muc#roomconfig_roomdesc") c.description = value;
    else if (f.var == "muc#roomconfig_persistentroom") bad = flag(c.persistent);
    else if (f.var == "muc#roomconfig_publicroom") bad = flag(c.public_room);
    else if (f.var == "muc#roomconfig_membersonly") bad = flag(c.members_only);
    else if (f.var == "muc#roomconfig_moderatedroom") bad = flag(c.moderated);
    else if (f.var == "muc#roomconfig_passwordprotectedroom") bad = flag(c.password_protected);
    else if (f.var == "muc#roomconfig_roomsecret") c.password = value;
    else if (f.var == "muc#roomconfig_changesubject") bad = flag(c.change_subject);
    else if (f.var == "muc#roomconfig_allowinvites") bad = flag(c.allow_invites);
    else if (f.var == "muc#roomconfig_maxusers") {
      auto n = count(value);
      if (value == "none") c.max_users = 0;
      else if (!n || *n == 0 || *n > service.max_users)
        bad = not_acceptable("maxusers: 1 to " + std::to_string(service.max_users) + ", or none");
      else c.max_users = *n;
    } else if (f.var == "muc#roomconfig_whois") {
      if (value == "moderators") c.whois = Whois::moderators;
      else if (value == "anyone") c.whois = Whois::anyone;
      else bad = not_acceptable("whois: moderators or anyone");
    } else if (f.var == "muc#roomconfig_allowpm") {
      if (value == "anyone") c.allow_pm = AllowPm::anyone;
      else if (value == "participants") c.allow_pm = AllowPm::participants;
      else if (value == "moderators") c.allow_pm = AllowPm::moderators;
      else if (value == "none") c.allow_pm = AllowPm::none;
      else bad = not_acceptable("allowpm: anyone, participants, moderators or none");
    } else if (f.var == "muc#maxhistoryfetch") {
      auto n = count(value);
      if (!n) bad = not_acceptable("maxhistoryfetch: a number");
      else c.max_history = std::min(*n, service.max_history);
    }
    if (bad) return unexpected(std::move(*bad));
  }
  if (c.password_protected && c.password.empty())
    return unexpected(not_acceptable("a password-protected room needs a password"));
  if (!c.password_protected) c.password.clear();
  return c;
}

}  // namespace confab::xmpp
