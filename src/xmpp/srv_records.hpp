#pragma once
// DNS SRV answers (RFC 2782) for `_xmpp-server._tcp.<domain>` (RFC 6120
// §3.2.1): the wire answer a resolver returned, parsed here rather than by
// libresolv's ns_* helpers so bad answers fail with a reason and an offset,
// and the records put in the order connections should be tried.
#include <cstdint>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "core/rng.hpp"

namespace confab::xmpp {

struct SrvRecord {
  std::uint16_t priority = 0;
  std::uint16_t weight = 0;
  std::uint16_t port = 0;
  std::string target;  // lowercase, no trailing dot; "." (service decidedly not available) is ""

  bool operator==(const SrvRecord&) const = default;
};

// The SRV records among the answers of a DNS response (RFC 1035 §4.1), any
// other record type skipped. Names may be compressed (§4.1.4), though
// RFC 2782 says targets should not be. Errors name the field and offset.
Result<std::vector<SrvRecord>, std::string> parse_srv_answer(ByteView message);

// RFC 2782's order: lowest priority first; within one priority, a weighted
// random pick each time (weight 0 records get a small chance too).
std::vector<SrvRecord> order_srv(std::vector<SrvRecord> records, Rng& rng);

// RFC 2782: a single record with target "." means "no such service here":
// no connection at all, not a fallback to the domain's address.
bool srv_declined(const std::vector<SrvRecord>& records);

}  // namespace confab::xmpp
