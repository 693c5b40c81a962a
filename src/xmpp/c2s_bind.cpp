// Resource binding (RFC 6120 §7): the client asks for a resource (or lets
// the server pick), the ResourceBinder — the router — decides.
#include "xmpp/c2s_session.hpp"
#include "xmpp/namespaces.hpp"

namespace confab::xmpp {
namespace {

StanzaError bind_error(const BindError& e) {
  switch (e.kind) {
    case BindError::Kind::conflict:  // §7.7.2.2
      return StanzaError(Condition::conflict, ErrorType::cancel, e.text);
    case BindError::Kind::not_allowed:  // §7.6.2.2
      return StanzaError(Condition::not_allowed, ErrorType::cancel, e.text);
    case BindError::Kind::resource_constraint:  // §7.6.2.1
      return StanzaError(Condition::resource_constraint, ErrorType::wait, e.text);
  }
  return StanzaError(Condition::internal_server_error, e.text);
}

}  // namespace

void C2sSession::reply_iq_error(const Element& iq, StanzaError error) {
  Element reply("iq", std::string(ns::client));
  if (auto id = iq.attribute("id")) reply.set_attribute("id", std::string(*id));
  reply.set_attribute("type", "error");
  reply.add_child(to_element(error));
  write(reply);
}

void C2sSession::on_bind(const Element& iq) {
  if (iq.attribute("type") != "set") {
    ++counters_.bind_errors;
    return reply_iq_error(iq, StanzaError(Condition::bad_request, "resource binding is an iq of type set"));
  }
  // §7.7: <resource/> absent (or empty) lets the server choose.
  std::string requested;
  if (auto resource = iq.child("bind", ns::bind)->child_text("resource", ns::bind); resource && !resource->empty()) {
    auto prepared = prepare_resource(*resource);
    if (!prepared) {  // §7.7.2.1
      ++counters_.bind_errors;
      return reply_iq_error(iq, StanzaError(Condition::bad_request, prepared.error().message));
    }
    requested = std::move(*prepared);
  }
  auto bound = binder_->bind(connection_.id, *account_, requested);
  if (!bound) {
    ++counters_.bind_errors;
    return reply_iq_error(iq, bind_error(bound.error()));
  }
  if (!bound->is_full() || bound->bare() != *account_) {
    ++counters_.bind_errors;
    return reply_iq_error(iq, StanzaError(Condition::internal_server_error));
  }
  jid_ = *bound;
  ++counters_.binds;
  events_.push_back(ResourceBound{*jid_});

  // §7.6.1: the result carries the full JID.
  Element reply("iq", std::string(ns::client));
  if (auto id = iq.attribute("id")) reply.set_attribute("id", std::string(*id));
  reply.set_attribute("type", "result");
  reply.add_child(Element("bind", std::string(ns::bind)))
      .add_child(Element("jid", std::string(ns::bind)))
      .add_text(jid_->str());
  write(reply);
}

}  // namespace confab::xmpp
