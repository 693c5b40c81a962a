#pragma once
// The port-check protocol's two codecs (src/diag/README.md has the whole
// protocol):
//  - probes: the small binary messages the echo ports carry, over UDP (one
//    datagram each) and TCP (one message per connection);
//  - control: the line protocol of the control port ("PORTCHECK 2",
//    "OPEN udp 16384-16403", ...), commands and replies.
// Pure functions; bad input gives a WireError naming the place.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/address.hpp"
#include "core/bytes.hpp"
#include "core/result.hpp"
#include "diag/port_catalog.hpp"

namespace confab::diag {

struct WireError {
  std::size_t offset = 0;  // byte (probe) or column (control line) where decoding failed
  std::string what;
  std::string message() const;  // "port-check decode error at byte 4: unknown version 7"
};

// A session token: 16 random bytes, 32 hex digits on the control line.
using Token = std::array<std::uint8_t, 16>;
std::string token_hex(const Token& t);
std::optional<Token> parse_token(std::string_view hex);

// ---- probes ------------------------------------------------------------------

enum class ProbeKind : std::uint8_t {
  echo_request = 1,  // client → server echo port
  echo_reply = 2,    // server → client, from the port the request reached
  inbound = 3,       // server → client, unsolicited
};

struct Probe {
  ProbeKind kind = ProbeKind::echo_request;
  Token token{};
  std::uint16_t client_port = 0;  // the client's local port (request, reply) or the port aimed at (inbound)
  std::uint16_t server_port = 0;  // the echo port addressed (request, reply); 0 for inbound
  std::optional<SocketAddress> observed;  // echo_reply: where the request came from, as the server saw it
};

// A request is padded to this size so that no answer is ever larger than
// what provoked it (amplification factor ≤ 1): a reply is at most 45 bytes.
inline constexpr std::size_t probe_request_size = 64;
inline constexpr std::size_t probe_max_size = 512;
inline constexpr std::size_t probe_inbound_size = 26;

Bytes encode_probe(const Probe& p);
Result<Probe, WireError> parse_probe(ByteView bytes);

// ---- control lines --------------------------------------------------------------

// Version 2 adds one reply after SESSION: CATALOG, the server's running
// port catalog, so the client tests the ports the server really uses (SIP
// on 5070, not the default 5060). A version-1 client never sees it; a
// version-2 client that meets a version-1 server ("ERR unsupported
// version") starts over with PORTCHECK 1 and tests the default catalog.
inline constexpr int control_version = 2;      // what a client asks for
inline constexpr int control_min_version = 1;  // the oldest a server still speaks
inline constexpr std::size_t control_max_line = 512;  // a command line, without its newline
// CATALOG bounds. A parsed catalog re-formats to well under the line limit
// (64 entries × short strings, however escaped), so what parses once parses
// again after formatting.
inline constexpr std::size_t catalog_max_line = 512 * 1024;
inline constexpr std::size_t catalog_max_entries = 64;
inline constexpr std::size_t catalog_max_text = 256;  // service, purpose, breaks: bytes each

enum class Verb : std::uint8_t { hello, open, inbound, report, bye };

struct Command {
  Verb verb = Verb::hello;
  int version = control_version;  // hello
  Proto proto = Proto::udp;       // open, inbound
  std::uint16_t first = 0;        // open: the range; inbound: the client's port
  std::uint16_t last = 0;
};

Result<Command, WireError> parse_command(std::string_view line);
std::string format_command(const Command& c);  // without the newline

enum class ReplyKind : std::uint8_t { session, catalog, opened, sent, seen, sip, end, error };

struct Reply {
  ReplyKind kind = ReplyKind::error;
  Token token{};                       // session
  IpAddress client_ip;                 // session: the client's address as the server sees it
  std::uint32_t lifetime_seconds = 0;  // session
  Proto proto = Proto::udp;            // opened, sent, seen, sip
  std::uint16_t first = 0, last = 0;   // opened: the range
  std::vector<std::uint16_t> unavailable;  // opened: ports the server could not open
  std::uint16_t server_port = 0;       // seen
  std::uint16_t client_port = 0;       // sent, seen
  SocketAddress address;               // sent: where it went; seen: where it came from
  Bytes message;                       // sip: the probe as the server received it
  std::vector<CatalogEntry> catalog;   // catalog: "CATALOG <the catalog as one line of JSON (catalog_json.hpp)>"
  std::string text;                    // error
};

Result<Reply, WireError> parse_reply(std::string_view line);
std::string format_reply(const Reply& r);  // without the newline

}  // namespace confab::diag
