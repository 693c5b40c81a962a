#pragma once
// The router's vocabulary: its configuration, what it hands the I/O layer
// (Delivery), its counters, and the IQ handler table's types — the seam
// later features (vCard, MAM, PEP, HTTP upload) plug into; services on their
// own domains (MUC) are Components (component.hpp).
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/time.hpp"
#include "xmpp/jid.hpp"
#include "xmpp/stanza_error.hpp"
#include "xmpp/xml_element.hpp"

namespace confab::xmpp {

struct RouterConfig {
  // The domains served here. A JID of any other domain gets
  // remote-server-not-found: there is no federation yet.
  std::vector<std::string> domains;
  std::string server_name = "confab";  // the disco identity's name; XEP-0092 <name/>
  std::string server_version;          // XEP-0092 <version/>; empty: jabber:iq:version is not offered
  std::size_t max_resources_per_account = 16;  // bind past it: resource-constraint
  std::size_t max_roster_items = 2000;         // roster set past it: resource-constraint
  std::size_t max_roster_name = 1024;          // bytes of an item's name (RFC 6121 §2.3.3: not-acceptable)
  std::size_t max_roster_groups = 64;          // groups on one item
  std::size_t max_blocklist = 2000;            // XEP-0191 items per account
  std::size_t offline_batch = 100;             // messages taken from the store per transaction at login
  std::size_t max_held_presence = 1000;        // XEP-0352: presence held for an inactive client, per session
  // The wall clock at a monotonic instant: stanzas a client never
  // acknowledged (XEP-0198) get a <delay/> of when they were first sent when
  // they go to offline storage. Empty: the store's own stamp (the time of storing).
  std::function<std::chrono::system_clock::time_point(Instant)> wall_clock;
};

// A stanza a c2s session sent (or queued while its connection was gone)
// that the client never acknowledged (XEP-0198), and when it was sent:
// handed back to the router when the session ends for good.
struct UnackedStanza {
  Element stanza;
  Instant sent{};
};

// What the I/O layer does next for one session: write `stanza` to it, or,
// when `close` is set, write `stanza` (a <stream:error/>) and close the
// stream (the router has already forgotten that session: it was replaced by
// a newer one for the same full JID).
struct Delivery {
  std::uint64_t session = 0;
  Element stanza;
  bool close = false;
};

struct RouterCounters {
  std::uint64_t stanzas_in = 0;
  std::uint64_t deliveries = 0;         // stanzas handed to sessions
  std::uint64_t messages_routed = 0;    // messages delivered to at least one session
  std::uint64_t messages_stored = 0;    // kept offline (XEP-0160)
  std::uint64_t offline_delivered = 0;
  std::uint64_t messages_dropped = 0;   // silently, as RFC 6121 §8.5 says (headline, error, chat states)
  std::uint64_t errors_sent = 0;        // stanza errors returned
  std::uint64_t blocked = 0;            // stanzas stopped by a block list (XEP-0191)
  std::uint64_t presence_held = 0;      // held for an inactive client (XEP-0352)
  std::uint64_t carbons = 0;            // XEP-0280 copies sent
  std::uint64_t roster_pushes = 0;
  std::uint64_t iq_handled = 0;         // answered by the server itself
  std::uint64_t store_errors = 0;
  std::uint64_t unknown_session = 0;    // stanzas from sessions never bound (or already closed)
  std::uint64_t ignored = 0;            // nonsense the RFCs say to ignore (probes from clients, stray results)
  std::uint64_t conflicts = 0;          // sessions replaced by a bind of the same full JID
  std::uint64_t sessions = 0;           // bound now
  std::uint64_t to_components = 0;      // stanzas handed to components (MUC)
  std::uint64_t from_components = 0;    // stanzas components sent to local users
  // XEP-0198 §5: stanzas a session that ended never had acknowledged.
  std::uint64_t unacked_rerouted = 0;   // chat/normal messages routed again (another resource or offline)
  std::uint64_t unacked_bounced = 0;    // IQ requests answered with an error instead
  std::uint64_t unacked_dropped = 0;    // the rest: presence, groupchat, headline, carbons, archive results...
};

// Where an IQ request is addressed, from the requester's point of view.
enum class IqTarget : std::uint8_t {
  server,         // the domain itself
  own_account,    // no 'to', or the requester's own bare JID (RFC 6120 §10.3.3)
  other_account,  // another local account's bare JID: the server answers on its behalf
};

struct IqRequest {
  Instant now;
  std::uint64_t session;  // the requester's
  const Jid& from;        // the requester's full JID
  const Jid& to;          // the domain or bare JID the request is for
  const Element& iq;      // the whole request, `from` stamped
  const Element& payload;  // its one child element
};

// A handler's answer: the payload of the result (nullopt: an empty result)
// or the error to return.
using IqOutcome = std::variant<std::optional<Element>, StanzaError>;
using IqHandler = std::function<IqOutcome(const IqRequest&)>;

struct IqRoute {
  std::string ns;    // the payload's namespace
  std::string name;  // the payload's local name
  IqTarget target = IqTarget::server;
  bool get = true;   // the request types served
  bool set = false;
  // disco#info features this route implements, advertised by whichever
  // entity the target names (the server, or accounts).
  std::vector<std::string> features;
};

}  // namespace confab::xmpp
