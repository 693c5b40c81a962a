#include "xmpp/external_services.hpp"

namespace confab::xmpp {

void register_external_services(Router& router, std::vector<ExternalService> services) {
  const std::string ns(extdisco_ns);
  router.add_iq_handler(
      {ns, "services", IqTarget::server, true, false, {ns}}, [services = std::move(services), ns](const IqRequest& r) {
        // §3.2: a type attribute narrows the list to that kind of service.
        const auto wanted = r.payload.attribute("type");
        Element out("services", ns);
        if (wanted) out.set_attribute("type", std::string(*wanted));
        for (const ExternalService& s : services) {
          if (wanted && *wanted != s.type) continue;
          Element& e = out.add_child(Element("service", ns));
          e.set_attribute("host", s.host);
          e.set_attribute("port", std::to_string(s.port));
          e.set_attribute("transport", s.transport);
          e.set_attribute("type", s.type);
          if (s.restricted) e.set_attribute("restricted", "1");
        }
        return IqOutcome(std::optional<Element>(std::move(out)));
      });
}

}  // namespace confab::xmpp
