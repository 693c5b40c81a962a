#include "xmpp/vcard.hpp"

#include "xmpp/xml_stream_parser.hpp"
#include "xmpp/xml_writer.hpp"

namespace confab::xmpp {

namespace {

// The stored vCard of `account`, or an empty one (XEP-0054 §3.1: a user
// without a vCard gets an empty <vCard/>, not an error).
IqOutcome read(XmppStore& store, const Jid& account) {
  auto stored = store.vcard(account);
  if (!stored) return StanzaError(Condition::internal_server_error);
  if (*stored)
    if (auto e = parse_element(**stored)) return std::optional<Element>(std::move(*e));
  return std::optional<Element>(Element("vCard", std::string(vcard_ns)));
}

}  // namespace

void register_vcards(Router& router, XmppStore& store, std::size_t max_bytes, VcardSetHook on_set) {
  const std::string ns(vcard_ns);
  router.add_iq_handler({ns, "vCard", IqTarget::own_account, true, true, {ns}},
                        [&store, max_bytes, on_set = std::move(on_set)](const IqRequest& r) -> IqOutcome {
                          const Jid account = r.from.bare();
                          if (r.iq.attribute("type") == "get") return read(store, account);
                          const std::string xml = serialize(r.payload);
                          if (xml.size() > max_bytes)
                            return StanzaError(Condition::not_acceptable, "the vCard is larger than " +
                                                                              std::to_string(max_bytes) + " bytes");
                          if (!store.set_vcard(account, xml)) return StanzaError(Condition::internal_server_error);
                          if (on_set) on_set(r, r.payload);
                          return std::optional<Element>();
                        });
  router.add_iq_handler({ns, "vCard", IqTarget::other_account, true, false, {}},
                        [&store](const IqRequest& r) { return read(store, r.to.bare()); });
}

}  // namespace confab::xmpp
