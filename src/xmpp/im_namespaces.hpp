#pragma once
// The namespaces of RFC 6121 and of the XEPs the router implements, beside
// RFC 6120's in namespaces.hpp. Elements carry resolved namespace names, so
// these are what code compares against.
#include <string_view>

namespace confab::xmpp::ns {

inline constexpr std::string_view roster = "jabber:iq:roster";                 // RFC 6121 §2
inline constexpr std::string_view roster_versioning = "urn:xmpp:features:rosterver";  // RFC 6121 §2.6 stream feature
inline constexpr std::string_view presence_preapproval = "urn:xmpp:features:pre-approval";  // §3.4 stream feature
inline constexpr std::string_view delay = "urn:xmpp:delay";                    // XEP-0203
inline constexpr std::string_view disco_info = "http://jabber.org/protocol/disco#info";    // XEP-0030
inline constexpr std::string_view disco_items = "http://jabber.org/protocol/disco#items";  // XEP-0030
inline constexpr std::string_view ping = "urn:xmpp:ping";                      // XEP-0199
inline constexpr std::string_view version = "jabber:iq:version";               // XEP-0092
inline constexpr std::string_view blocking = "urn:xmpp:blocking";              // XEP-0191
inline constexpr std::string_view blocking_errors = "urn:xmpp:blocking:errors";  // XEP-0191 §3.5
inline constexpr std::string_view csi = "urn:xmpp:csi:0";                      // XEP-0352
inline constexpr std::string_view carbons = "urn:xmpp:carbons:2";              // XEP-0280
inline constexpr std::string_view forward = "urn:xmpp:forward:0";              // XEP-0297
inline constexpr std::string_view hints = "urn:xmpp:hints";                    // XEP-0334
inline constexpr std::string_view offline_msgs = "msgoffline";                 // XEP-0160 disco feature

}  // namespace confab::xmpp::ns
