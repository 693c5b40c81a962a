// Start-up checks of the external components' configuration.
#include <set>

#include "xmpp/component_config.hpp"
#include "xmpp/jid.hpp"

namespace confab::xmpp {

Result<std::monostate, std::string> validate(const ComponentConfig& config) {
  if (config.components.empty()) return unexpected(std::string("no component is configured"));
  std::set<std::string> seen;
  for (std::size_t i = 0; i < config.components.size(); ++i) {
    const ComponentSecret& c = config.components[i];
    const std::string where = "component " + std::to_string(i + 1) + " (" + c.domain + "): ";
    auto jid = Jid::parse(c.domain);
    if (!jid || !jid->is_domain())
      return unexpected(where + "domain: " + (jid ? std::string("not a bare domain") : jid.error().message));
    if (jid->domain() != c.domain) return unexpected(where + "domain: not in canonical form (" + jid->domain() + ")");
    if (!seen.insert(c.domain).second) return unexpected(where + "domain: listed twice");
    if (c.secret.empty()) return unexpected(where + "secret: must not be empty");
  }
  if (config.stanzas_per_second < 0) return unexpected(std::string("stanzas_per_second: must not be negative"));
  if (config.stanzas_per_second > 0 && config.stanza_burst < 1)
    return unexpected(std::string("stanza_burst: must be at least 1"));
  return std::monostate{};
}

}  // namespace confab::xmpp
