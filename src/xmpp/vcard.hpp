#pragma once
// XEP-0054 vcard-temp: each account publishes one vCard (name, nickname,
// photo — XEP-0153 avatars are its PHOTO plus a hash the client puts in its
// presence), kept in the XMPP store. Anyone may read an account's vCard;
// only the account may change it.
#include <cstddef>
#include <functional>

#include "xmpp/router.hpp"
#include "xmpp/xmpp_storage.hpp"

namespace confab::xmpp {

inline constexpr std::string_view vcard_ns = "vcard-temp";

// Told of every vCard an account stored (after the store has it):
// register_pep's XEP-0398 conversion publishes its PHOTO as a XEP-0084 avatar.
using VcardSetHook = std::function<void(const IqRequest&, const Element& vcard)>;

// `max_bytes`: the serialized vCard at most (photos make them large).
void register_vcards(Router& router, XmppStore& store, std::size_t max_bytes = 128 * 1024, VcardSetHook on_set = {});

}  // namespace confab::xmpp
