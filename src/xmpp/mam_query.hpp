#pragma once
// Internal to XEP-0313: reading a <query xmlns='urn:xmpp:mam:2'/> into an
// ArchiveQuery, and writing what answers it (result messages, <fin/>, the
// query form, metadata, preferences).
#include <string>
#include <variant>

#include "xmpp/stanza_error.hpp"
#include "xmpp/xmpp_storage.hpp"

namespace confab::xmpp::mam {

struct ParsedQuery {
  ArchiveQuery query;
  std::string queryid;
  bool flip = false;  // send the page newest first (mam:2#extended)
};

// The data form (FORM_TYPE urn:xmpp:mam:2; with, start, end, after-id,
// before-id, ids) and the RSM <set/> (max, after, before). A field this
// archive does not know is feature-not-implemented (§4.1.5), a value that
// does not parse bad-request. <max/> is cut to `max_page`.
std::variant<ParsedQuery, StanzaError> parse_query(const Element& query, std::size_t default_page,
                                                   std::size_t max_page);

// <message to=requester [from=archive]><result queryid id><forwarded>
// <delay stamp/>the message</forwarded></result></message>
Element result_message(const ArchivedMessage& m, const std::string& queryid, const std::string& to,
                       const std::string& from);
// <fin xmlns='urn:xmpp:mam:2' complete?><set xmlns=rsm><first index?/><last/><count/></set></fin>.
// `index` (optional in XEP-0059) is left out of pages paged backwards:
// clients such as slixmpp 1.8 take first index + page size == count as
// "no more pages" whichever way they page, and would stop after the last
// page when they asked for it first.
Element fin(const ArchivePage& page, bool with_index);
// The query form (§4.1.5: the fields this archive understands).
Element query_form();
// <metadata/>: the first and last message of the archive (empty: none).
Element metadata(const ArchivePage& first, const ArchivePage& last);

// XEP-0441 <prefs/> both ways.
Element prefs_element(const ArchivePrefs& prefs);
std::variant<ArchivePrefs, StanzaError> parse_prefs(const Element& prefs);

}  // namespace confab::xmpp::mam
