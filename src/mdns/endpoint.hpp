#pragma once
// One host's mDNS on a set of links: every received datagram is parsed
// once here, malformed ones are dropped and counted (a bad packet never
// stops the good ones being answered), and the rest go to the responder
// (if we advertise) and the browser (if we look). Outputs of both are
// polled from here.
#include <cstdint>
#include <optional>
#include <string>

#include "mdns/browser.hpp"
#include "mdns/responder.hpp"

namespace confab::mdns {

struct EndpointCounters {
  std::uint64_t packets_received = 0;
  std::uint64_t malformed_dropped = 0;
  std::uint64_t queries_received = 0;
  std::uint64_t responses_received = 0;
  std::string last_error;  // the last malformed packet's decode error, for the log
};

class Endpoint {
 public:
  Endpoint() = default;
  // Either part may be absent: `confab local` only browses.
  void advertise(ServiceSpec spec, Rng& rng, Instant now);
  void browse(Name service_type, Rng& rng, Instant now);
  void set_interfaces(Instant now, const std::vector<InterfaceInfo>& links);

  void handle_packet(Instant now, const InPacket& p);
  void handle_timeout(Instant now);
  std::optional<OutPacket> poll_transmit();
  std::optional<Instant> poll_timeout() const;
  void shutdown(Instant now);  // goodbyes

  Responder* responder() { return responder_ ? &*responder_ : nullptr; }
  Browser* browser() { return browser_ ? &*browser_ : nullptr; }
  const Browser* browser() const { return browser_ ? &*browser_ : nullptr; }
  const EndpointCounters& counters() const { return counters_; }

 private:
  std::optional<Responder> responder_;
  std::optional<Browser> browser_;
  EndpointCounters counters_;
};

}  // namespace confab::mdns
