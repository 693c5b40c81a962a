#pragma once
// XEP-0054 vcard-temp: each account publishes one vCard (name, nickname,
// photo — XEP-0153 avatars are its PHOTO plus a hash the client puts in its
// presence), kept in the XMPP store. Anyone may read an account's vCard;
// only the account may change it.
#include <cstddef>

#include "xmpp/router.hpp"
#include "xmpp/xmpp_storage.hpp"

namespace confab::xmpp {

inline constexpr std::string_view vcard_ns = "vcard-temp";

// `max_bytes`: the serialized vCard at most (photos make them large).
void register_vcards(Router& router, XmppStore& store, std::size_t max_bytes = 128 * 1024);

}  // namespace confab::xmpp
