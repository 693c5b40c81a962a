#pragma once
// The SNATMAP address reflector as a sans-I/O machine: a STUN Binding request
// in, the response (and which of our sockets sends it) out. Stateless per
// request, so the one-in-one-out `handle_datagram` returns the transmit
// directly instead of queueing it for poll_transmit().
//
// RFC 8489 Binding, RFC 5780 behaviour discovery (RESPONSE-ORIGIN,
// OTHER-ADDRESS, CHANGE-REQUEST, RESPONSE-PORT, PADDING), RFC 3489 classic
// clients (MAPPED-ADDRESS, SOURCE-ADDRESS, CHANGED-ADDRESS).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/address.hpp"
#include "core/rate_limiter.hpp"
#include "core/time.hpp"
#include "core/transmit.hpp"

namespace confab::snatmap {

// One service port and the port that "change port" answers come from.
struct PortPair {
  std::uint16_t primary = 5678;
  std::uint16_t alternate = 5679;
};

struct ReflectorConfig {
  // The address clients are told about. With an alternate address both must
  // be specific (not 0.0.0.0) so RESPONSE-ORIGIN/OTHER-ADDRESS are truthful.
  IpAddress primary_address;
  std::optional<IpAddress> alternate_address;  // RFC 5780 change-IP; none = change-port only
  std::vector<PortPair> ports{{5678, 5679}, {3478, 3479}};
  std::string software = "confab";
  RateLimit rate_limit{200, 400, 65536};
};

struct ReflectorCounters {
  std::uint64_t received = 0;        // datagrams/frames handed in
  std::uint64_t answered = 0;        // success responses sent
  std::uint64_t error_responses = 0; // 400/420 sent
  std::uint64_t classic = 0;         // RFC 3489 requests answered
  std::uint64_t malformed = 0;       // dropped: not a valid STUN message
  std::uint64_t not_request = 0;     // dropped: valid STUN but not a Binding request
  std::uint64_t rate_limited = 0;    // dropped: source over its budget
  std::uint64_t unroutable = 0;      // dropped: asked for an address/port we do not have

  ReflectorCounters& operator+=(const ReflectorCounters& o);
};

class Reflector {
 public:
  explicit Reflector(ReflectorConfig config);

  // `d.local` must be the specific address and port the request arrived on.
  // Returns the response to send (with `local` chosen per CHANGE-REQUEST), or
  // nothing when the packet is dropped (see counters()).
  std::optional<Transmit> handle_datagram(Instant now, const Datagram& d);

  const ReflectorCounters& counters() const { return counters_; }
  const ReflectorConfig& config() const { return config_; }

  // Every local address the reflector expects to receive on and send from:
  // {primary, alternate} addresses × each port pair. The I/O layer binds these.
  std::vector<SocketAddress> local_addresses() const;

 private:
  ReflectorConfig config_;
  RateLimiter limiter_;
  ReflectorCounters counters_;
};

}  // namespace confab::snatmap
