// XMPP addresses (RFC 7622): splitting into parts (§3.1) and the canonical
// form the parts' preparation gives (jid_prep.cpp).
#include "xmpp/jid.hpp"

#include "xmpp/jid_prep.hpp"

namespace confab::xmpp {
namespace {

Unexpected<JidError> part_error(JidError::Part part, const std::string& problem) {
  static constexpr const char* names[] = {"jid", "localpart", "domainpart", "resourcepart"};
  return unexpected(JidError{part, std::string(names[static_cast<int>(part)]) + ": " + problem});
}

}  // namespace

Result<Jid, JidError> Jid::parse(std::string_view text) {
  // §3.1: the first "/" starts the resourcepart, which may itself hold "@"
  // and "/"; the localpart ends at the first "@" before that "/".
  std::string_view head = text;
  std::optional<std::string_view> resource;
  if (auto slash = text.find('/'); slash != std::string_view::npos) {
    head = text.substr(0, slash);
    resource = text.substr(slash + 1);
  }
  std::string_view local;
  bool has_local = false;
  if (auto at = head.find('@'); at != std::string_view::npos) {
    local = head.substr(0, at);
    head.remove_prefix(at + 1);
    has_local = true;
  }
  Jid jid;
  if (has_local) {
    auto l = detail::prepare_localpart(local);
    if (!l) return part_error(JidError::Part::localpart, l.error());
    jid.local_ = std::move(*l);
  }
  auto d = detail::prepare_domainpart(head);
  if (!d) return part_error(JidError::Part::domainpart, d.error());
  jid.domain_ = std::move(*d);
  if (resource) {
    auto r = detail::prepare_resourcepart(*resource);
    if (!r) return part_error(JidError::Part::resourcepart, r.error());
    jid.resource_ = std::move(*r);
  }
  return jid;
}

Result<Jid, JidError> Jid::from_parts(std::string_view local, std::string_view domain, std::string_view resource) {
  Jid jid;
  if (!local.empty()) {
    auto l = detail::prepare_localpart(local);
    if (!l) return part_error(JidError::Part::localpart, l.error());
    jid.local_ = std::move(*l);
  }
  auto d = detail::prepare_domainpart(domain);
  if (!d) return part_error(JidError::Part::domainpart, d.error());
  jid.domain_ = std::move(*d);
  if (!resource.empty()) {
    auto r = detail::prepare_resourcepart(resource);
    if (!r) return part_error(JidError::Part::resourcepart, r.error());
    jid.resource_ = std::move(*r);
  }
  return jid;
}

Jid Jid::bare() const {
  Jid j;
  j.local_ = local_;
  j.domain_ = domain_;
  return j;
}

Jid Jid::with_resource(std::string resource) const {
  Jid j = bare();
  j.resource_ = std::move(resource);
  return j;
}

std::string Jid::bare_str() const {
  if (local_.empty()) return domain_;
  std::string out;
  out.reserve(local_.size() + 1 + domain_.size());
  return out.append(local_).append("@").append(domain_);
}

std::string Jid::str() const {
  std::string out = bare_str();
  if (!resource_.empty()) out.append("/").append(resource_);
  return out;
}

Result<std::string, JidError> prepare_resource(std::string_view resource) {
  auto r = detail::prepare_resourcepart(resource);
  if (!r) return part_error(JidError::Part::resourcepart, r.error());
  return std::move(*r);
}

}  // namespace confab::xmpp
