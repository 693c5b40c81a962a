#pragma once
// XEP-0045 §5: roles (a visit's privileges) and affiliations (a user's
// lasting standing with a room), with the tables that say who may do what.
#include <cstdint>
#include <optional>
#include <string_view>

namespace confab::xmpp {

// In rank order: each has every privilege of the ones before it (§5.1.1).
enum class Role : std::uint8_t { none, visitor, participant, moderator };
// In rank order (§5.2.1); an outcast is banned.
enum class Affiliation : std::uint8_t { outcast, none, member, admin, owner };

const char* to_string(Role r);
const char* to_string(Affiliation a);
std::optional<Role> parse_role(std::string_view text);
std::optional<Affiliation> parse_affiliation(std::string_view text);

// §5.1.2: the role a user enters with (outcasts never enter).
Role default_role(Affiliation a, bool moderated);

// §5.1.1 "Send Messages to All": voice. A visitor has none.
inline bool has_voice(Role r) { return r >= Role::participant; }

// §8.2 / §9.6 / §9.7 and the role state chart (§5.1.3): may an occupant
// with `actor_role` and `actor_affiliation` give an occupant with
// `target_role` and `target_affiliation` the role `to`? The answer is an
// error condition for XEP-0045's examples: forbidden (not a moderator /
// admin at all), not-allowed (not over that target).
enum class RoleChange : std::uint8_t { allowed, forbidden, not_allowed };
RoleChange role_change(Role actor_role, Affiliation actor_affiliation, Role target_role,
                       Affiliation target_affiliation, Role to);

// §9 / §10 and the affiliation state chart (§5.2.3): may `actor` change a
// user's affiliation from `from` to `to`?
enum class AffiliationChange : std::uint8_t { allowed, forbidden, not_allowed };
AffiliationChange affiliation_change(Affiliation actor, Affiliation from, Affiliation to);

}  // namespace confab::xmpp
