#pragma once
// A DNS-SD responder for one service instance (RFC 6762 §8-§11, RFC 6763):
// it probes its names (three probes 250 ms apart; the simultaneous-probe
// tiebreak of §8.2), renames on conflict ("alice" → "alice (2)", host
// "h" → "h-2"), announces (three times: 0, 1, 2 s later), answers queries
// (known-answer suppression, QU and legacy unicast answers, 20-120 ms for
// shared records, no record multicast twice a second on a link), re-probes
// when another host claims a name later (§9), re-announces a changed TXT
// record, and says goodbye (TTL 0) when shut down. Sans-I/O: time in,
// packets out.
//
//   Responder r(spec, rng, now);
//   r.set_interfaces(now, links);
//   on a packet:  r.handle_message(now, message, packet);
//   on a timer:   r.handle_timeout(now);
//   then drain:   poll_transmit(), poll_event(); sleep until poll_timeout()
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/rng.hpp"
#include "core/time.hpp"
#include "mdns/message.hpp"
#include "mdns/packet.hpp"
#include "mdns/txt.hpp"

namespace confab::mdns {

struct ServiceSpec {
  std::string instance;                                       // "alice": the first label
  Name service_type = Name::parse("_presence._tcp.local");
  std::string host_label;                                     // "alice-3f2a" → alice-3f2a.local
  std::uint16_t port = 5298;
  TxtAttributes txt;
  std::uint32_t host_ttl = 120;      // §10: records with a host name in them
  std::uint32_t service_ttl = 4500;  // §10: the rest (75 minutes)
};

struct ResponderEvent {
  enum class Kind { established, renamed, conflict_after_established };
  Kind kind;
  std::string instance;  // the instance name now
  std::string host;      // the host label now
};

struct ResponderCounters {
  std::uint64_t probes_sent = 0;
  std::uint64_t announcements_sent = 0;
  std::uint64_t queries_answered = 0;
  std::uint64_t answers_suppressed = 0;    // known answers (§7.1)
  std::uint64_t answers_rate_limited = 0;  // multicast less than 1 s ago (§6)
  std::uint64_t conflicts = 0;
  std::uint64_t probe_tiebreaks_lost = 0;
  std::uint64_t packets_sent = 0;
};

class Responder {
 public:
  enum class State { probing, announcing, established, done };

  Responder(ServiceSpec spec, Rng& rng, Instant now);

  // The links to work on and each one's addresses. Probing starts (or
  // restarts, for a new link) here.
  void set_interfaces(Instant now, std::vector<InterfaceInfo> links);
  // A parsed packet (the endpoint has parsed and counted it).
  void handle_message(Instant now, const Message& m, const InPacket& from);
  void handle_timeout(Instant now);
  // Re-announces the TXT record (status changes).
  void update_txt(Instant now, TxtAttributes txt);
  // Goodbyes (TTL 0) for everything announced, then done.
  void shutdown(Instant now);

  std::optional<OutPacket> poll_transmit();
  std::optional<ResponderEvent> poll_event();
  std::optional<Instant> poll_timeout() const;

  State state() const { return state_; }
  bool is_done() const { return state_ == State::done && out_.empty(); }
  const ServiceSpec& spec() const { return spec_; }
  Name instance_name() const { return Name::service_instance(spec_.instance, spec_.service_type); }
  Name host_name() const;
  const ResponderCounters& counters() const { return counters_; }
  // Every record we own on a link (PTRs, SRV, TXT, A/AAAA, NSECs).
  std::vector<Record> records(const InterfaceInfo& link) const;

 private:
  struct Pending {
    std::uint32_t interface = 0;
    std::optional<SocketAddress> unicast;
    Instant send_at;
    bool legacy = false;       // §6.7: id and question echoed, TTL <= 10, no cache-flush bits
    bool defending = false;    // answers a probe: the rate limit is 250 ms (§6)
    std::uint16_t id = 0;
    std::vector<Question> questions;
    std::vector<Record> answers;
  };

  // responder.cpp: lifecycle, probing, conflicts
  void start_probing(Instant now, Duration delay);
  void send_probe(Instant now);
  void announce(Instant now, bool txt_only);
  void rename_instance();
  void rename_host();
  bool owns(const Name& n) const;
  bool is_ours(const Record& r) const;
  void check_response_for_conflict(Instant now, const Message& m);
  void tiebreak(Instant now, const Message& m);
  const InterfaceInfo* link(std::uint32_t index) const;
  void emit(Instant now, std::uint32_t interface, std::optional<SocketAddress> unicast, Message m);

  // responder_answer.cpp: queries and responses
  void answer_query(Instant now, const Message& m, const InPacket& from);
  std::vector<Record> additionals_for(const std::vector<Record>& answers, const InterfaceInfo& link) const;
  void queue(Pending p);
  void flush_due(Instant now);
  bool rate_limited(Instant now, const Record& r, std::uint32_t interface, bool defending) const;
  void note_multicast(Instant now, const Record& r, std::uint32_t interface);

  ServiceSpec spec_;
  Rng& rng_;
  std::vector<InterfaceInfo> links_;
  State state_ = State::probing;
  int probes_sent_ = 0;
  Instant next_step_;       // next probe or announcement
  int announcements_left_ = 0;
  bool txt_only_announce_ = false;
  Duration announce_interval_ = 1s;
  std::deque<Instant> recent_conflicts_;  // §8.1: more than 15 in 10 s slows probing to one per 5 s
  std::vector<Pending> pending_;
  std::deque<OutPacket> out_;
  std::deque<ResponderEvent> events_;
  std::map<std::pair<std::string, std::uint32_t>, Instant> last_multicast_;
  ResponderCounters counters_;
};

}  // namespace confab::mdns
