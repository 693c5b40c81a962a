#include "xmpp/muc_roles.hpp"

namespace confab::xmpp {

const char* to_string(Role r) {
  switch (r) {
    case Role::none: return "none";
    case Role::visitor: return "visitor";
    case Role::participant: return "participant";
    case Role::moderator: return "moderator";
  }
  return "none";
}

const char* to_string(Affiliation a) {
  switch (a) {
    case Affiliation::outcast: return "outcast";
    case Affiliation::none: return "none";
    case Affiliation::member: return "member";
    case Affiliation::admin: return "admin";
    case Affiliation::owner: return "owner";
  }
  return "none";
}

std::optional<Role> parse_role(std::string_view text) {
  for (Role r : {Role::none, Role::visitor, Role::participant, Role::moderator})
    if (text == to_string(r)) return r;
  return std::nullopt;
}

std::optional<Affiliation> parse_affiliation(std::string_view text) {
  for (Affiliation a : {Affiliation::outcast, Affiliation::none, Affiliation::member, Affiliation::admin,
                        Affiliation::owner})
    if (text == to_string(a)) return a;
  return std::nullopt;
}

Role default_role(Affiliation a, bool moderated) {
  switch (a) {
    case Affiliation::owner:
    case Affiliation::admin: return Role::moderator;
    case Affiliation::member: return Role::participant;
    case Affiliation::none: return moderated ? Role::visitor : Role::participant;
    case Affiliation::outcast: return Role::none;
  }
  return Role::none;
}

RoleChange role_change(Role actor_role, Affiliation actor_affiliation, Role target_role,
                       Affiliation target_affiliation, Role to) {
  const bool actor_admin = actor_affiliation >= Affiliation::admin;
  // §8: every role change is a moderator's; making or unmaking a moderator
  // is an admin's (§9.6, §9.7).
  if (actor_role != Role::moderator) return RoleChange::forbidden;
  if ((to == Role::moderator || target_role == Role::moderator) && to != Role::none && !actor_admin)
    return RoleChange::forbidden;
  // §8.2: nobody is kicked by someone of lower affiliation, and (the
  // chart) a moderator only by an admin or owner.
  if (to == Role::none) {
    if (target_affiliation > actor_affiliation) return RoleChange::not_allowed;
    if (target_role == Role::moderator && !actor_admin) return RoleChange::not_allowed;
    return RoleChange::allowed;
  }
  // §8.4 / §9.7: admins and owners keep their voice and moderator status
  // against everyone; nobody loses either to someone below them.
  const bool demotion = to < target_role;
  if (demotion && (target_affiliation >= Affiliation::admin || target_affiliation > actor_affiliation))
    return RoleChange::not_allowed;
  // The chart's moderator rows: only an admin or owner demotes a moderator.
  if (target_role == Role::moderator && demotion && !actor_admin) return RoleChange::forbidden;
  return RoleChange::allowed;
}

AffiliationChange affiliation_change(Affiliation actor, Affiliation from, Affiliation to) {
  // §9: admins manage outcasts, members and the unaffiliated; §10: only
  // owners grant or take away admin and owner.
  if (actor < Affiliation::admin) return AffiliationChange::forbidden;
  if (actor == Affiliation::owner) return AffiliationChange::allowed;
  if (to >= Affiliation::admin) return AffiliationChange::forbidden;
  // §9.1: an admin cannot ban (or otherwise demote) an admin or an owner.
  if (from >= Affiliation::admin) return AffiliationChange::not_allowed;
  return AffiliationChange::allowed;
}

}  // namespace confab::xmpp
