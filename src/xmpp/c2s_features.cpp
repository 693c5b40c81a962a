// The <stream:features/> a c2s session offers after each of its stream
// headers (RFC 6120 §4.3.2): what the client may negotiate next.
#include "xmpp/c2s_session.hpp"
#include "xmpp/namespaces.hpp"

namespace confab::xmpp {

Element C2sSession::features() const {
  Element features("features", std::string(ns::streams));
  features.prefix = "stream";
  if (account_) {
    // §7.2: binding is mandatory-to-negotiate; RFC 3921's session request
    // is advertised as optional (a no-op) for the clients that still send it.
    features.add_child(Element("bind", std::string(ns::bind)));
    features.add_child(Element("session", std::string(ns::session)))
        .add_child(Element("optional", std::string(ns::session)));
    features.add_child(Element("sm", std::string(ns::sm)));  // XEP-0198: acks and resumption
    for (const Element& extra : config_->extra_features) features.add_child(extra);
    return features;
  }
  if (!tls_ && config_->offer_starttls) {
    Element& starttls = features.add_child(Element("starttls", std::string(ns::tls)));
    if (config_->require_tls) starttls.add_child(Element("required", std::string(ns::tls)));
  }
  // §5.3.1: with TLS mandatory, STARTTLS is offered alone.
  if (tls_ || !config_->require_tls) {
    Element mechanisms("mechanisms", std::string(ns::sasl));
    for (sasl::Mechanism m : sasl_->mechanisms())
      mechanisms.add_child(Element("mechanism", std::string(ns::sasl))).add_text(sasl::name_of(m));
    if (!mechanisms.children.empty()) features.add_child(std::move(mechanisms));
    // XEP-0440: which binding types the -PLUS mechanisms can use here.
    const auto types = sasl_->channel_binding_types();
    if (!types.empty()) {
      Element& cb = features.add_child(Element("sasl-channel-binding", std::string(ns::sasl_cb)));
      for (const std::string& type : types)
        cb.add_child(Element("channel-binding", std::string(ns::sasl_cb))).set_attribute("type", type);
    }
  }
  return features;
}

}  // namespace confab::xmpp
