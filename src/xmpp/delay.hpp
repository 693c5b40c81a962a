#pragma once
// XEP-0203 delayed delivery: the <delay xmlns='urn:xmpp:delay'/> a server
// adds to a stanza it stored (offline messages), with the UTC time it was
// stored as an XEP-0082 DateTime.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "xmpp/xml_element.hpp"

namespace confab::xmpp {

// XEP-0082 DateTime in UTC, to the second: "2002-09-10T23:08:25Z".
std::string datetime_stamp(std::chrono::system_clock::time_point t);

// Reads an XEP-0082 DateTime ("CCYY-MM-DDThh:mm:ss[.sss]TZD", TZD "Z" or
// "+hh:mm"/"-hh:mm"), fractions dropped; nullopt for anything else (a
// field out of range included).
std::optional<std::chrono::system_clock::time_point> parse_datetime(std::string_view text);

// <delay xmlns='urn:xmpp:delay' from='{from}' stamp='{t}'/>
Element delay_element(std::string_view from, std::chrono::system_clock::time_point t);

// Appends a delay element to `stanza` unless it already carries one from
// `from` (a stanza stored twice keeps its first, truer stamp). Delays other
// entities added stay: XEP-0203 allows one per entity that held it.
void add_delay(Element& stanza, std::string_view from, std::chrono::system_clock::time_point t);

}  // namespace confab::xmpp
