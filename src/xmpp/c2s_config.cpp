// Checking a c2s configuration once, at start-up.
#include "xmpp/c2s_config.hpp"

#include <set>

#include "xmpp/jid.hpp"

namespace confab::xmpp {

Result<std::monostate, std::string> validate(const C2sConfig& config) {
  if (config.hosts.empty()) return unexpected(std::string("c2s: no domain to serve"));
  std::set<std::string> seen;
  for (const sasl::ServerConfig& host : config.hosts) {
    auto jid = Jid::parse(host.domain);
    if (!jid || !jid->is_domain())
      return unexpected("c2s: domain \"" + host.domain + "\" is not a domain name (" +
                        (jid ? std::string("it has a localpart or resource") : jid.error().message) + ")");
    if (jid->domain() != host.domain)
      return unexpected("c2s: domain \"" + host.domain + "\" must be written as \"" + jid->domain() + "\"");
    if (!seen.insert(host.domain).second) return unexpected("c2s: domain \"" + host.domain + "\" is listed twice");
    if (auto ok = sasl::validate(host); !ok) return unexpected("c2s: " + host.domain + ": " + ok.error());
  }
  if (config.require_tls && !config.offer_starttls)
    return unexpected(std::string(
        "c2s: require_tls without offer_starttls leaves plain connections no way to log in (direct TLS only: "
        "refuse plain connections in the I/O layer instead)"));
  if (config.max_stanza_size_before_auth == 0 || config.limits.max_stanza_size == 0)
    return unexpected(std::string("c2s: stanza size limits must be above 0"));
  if (config.negotiation_timeout <= Duration::zero())
    return unexpected(std::string("c2s: negotiation_timeout must be above 0"));
  return std::monostate{};
}

}  // namespace confab::xmpp
