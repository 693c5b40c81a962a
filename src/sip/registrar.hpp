#pragma once
// The registrar (RFC 3261 §10.3), sans-I/O: a REGISTER in, its response out,
// the location service updated. Digest authentication (RFC 8760) against the
// account store's HA1, Path (RFC 3327), outbound flows (RFC 5626), and the
// source address/flow of each binding so a device behind NAT stays reachable.
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/rng.hpp"
#include "sip/digest_server.hpp"
#include "sip/location_service.hpp"
#include "sip/message.hpp"

namespace confab::sip {

struct RegistrarConfig {
  std::vector<std::string> domains{"example.org"};  // served domains, lowercase; the realm is the domain
  Bytes nonce_secret;                               // >= 16 bytes, stable across restarts
  std::uint32_t default_expires = 3600;
  std::uint32_t min_expires = 60;
  std::uint32_t max_expires = 7200;
  bool require_authentication = true;
  // Challenged in this order. RFC 8760 wants SHA-256 first; some old clients
  // (sipp among them) only answer the first challenge and only know MD5.
  std::vector<DigestAlgorithm> algorithms{DigestAlgorithm::sha256, DigestAlgorithm::md5};
};

// Where a REGISTER came from: how to reach the device later.
struct RequestSource {
  Transport transport = Transport::udp;
  SocketAddress remote;
  SocketAddress local;
  std::uint64_t flow = 0;
};

struct RegistrarCounters {
  std::uint64_t requests = 0;
  std::uint64_t ok = 0;             // 200 (bindings added, refreshed, removed or fetched)
  std::uint64_t challenged = 0;     // 401 without credentials, or stale
  std::uint64_t auth_failed = 0;    // 403: wrong password, unknown user, someone else's AOR
  std::uint64_t bad_requests = 0;   // 400
  std::uint64_t other_domain = 0;   // 404
  std::uint64_t too_brief = 0;      // 423
  std::uint64_t full = 0;           // 403: too many bindings for the AOR
};

// One refused authentication, for the log (fail2ban and operators read
// these): who it claimed to be, from where, and why.
struct AuthFailure {
  std::string username;  // as sent in Authorization (may be anything)
  std::string aor;       // the To address it tried to register
  RequestSource source;
  std::string reason;    // "wrong password or unknown user", "not their own address"
};

class Registrar {
 public:
  Registrar(RegistrarConfig config, Ha1Lookup lookup, LocationService& locations);

  Message handle_register(Instant now, const Message& request, const RequestSource& source, Rng& rng);

  bool serves(std::string_view domain) const;
  const RegistrarCounters& counters() const { return counters_; }
  // Refused authentications since the last call, oldest first; at most
  // max_pending_failures are kept between calls (the rest are only counted).
  std::optional<AuthFailure> poll_auth_failure();
  static constexpr std::size_t max_pending_failures = 256;
  // Per-domain digest counters, for status output.
  std::map<std::string, DigestCounters> digest_counters() const;

 private:
  Message reply(const Message& request, std::uint16_t status, Rng& rng, std::string_view reason = {});

  RegistrarConfig config_;
  Ha1Lookup lookup_;
  LocationService& locations_;
  std::map<std::string, std::unique_ptr<DigestAuthenticator>> auth_;  // by domain (= realm)
  RegistrarCounters counters_;
  std::deque<AuthFailure> failures_;
};

// "alice@example.org" from a SIP URI (user lowercased, host lowercased), or
// nothing when the URI has no user part.
std::optional<std::string> address_of_record(const Uri& uri);

}  // namespace confab::sip
