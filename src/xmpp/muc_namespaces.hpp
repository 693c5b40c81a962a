#pragma once
// The namespaces, disco features and form types of XEP-0045 (multi-user
// chat) and the XEPs it leans on: data forms (XEP-0004) and direct
// invitations (XEP-0249).
#include <string_view>

namespace confab::xmpp::ns {

inline constexpr std::string_view muc = "http://jabber.org/protocol/muc";              // the join <x/>
inline constexpr std::string_view muc_user = "http://jabber.org/protocol/muc#user";    // items, status codes, invites
inline constexpr std::string_view muc_admin = "http://jabber.org/protocol/muc#admin";  // roles and affiliations
inline constexpr std::string_view muc_owner = "http://jabber.org/protocol/muc#owner";  // configuration, destroy
inline constexpr std::string_view muc_roomconfig = "http://jabber.org/protocol/muc#roomconfig";  // FORM_TYPE
inline constexpr std::string_view muc_roominfo = "http://jabber.org/protocol/muc#roominfo";      // FORM_TYPE
inline constexpr std::string_view muc_request = "http://jabber.org/protocol/muc#request";        // voice requests
inline constexpr std::string_view muc_stable_id = "http://jabber.org/protocol/muc#stable_id";    // ids reflected
inline constexpr std::string_view data_forms = "jabber:x:data";                                  // XEP-0004
inline constexpr std::string_view conference = "jabber:x:conference";                            // XEP-0249

}  // namespace confab::xmpp::ns
