#pragma once
// An RFC 8445 ICE agent for one data stream (one media stream: components
// 1 = RTP and 2 = RTCP, or just 1 with rtcp-mux), sans-I/O.
//
// The I/O layer binds the sockets and tells the agent their addresses; the
// agent names sockets by local address in every Datagram and Transmit. It
// never reads a clock or touches a socket:
//
//   IceAgent a(config, rng, now);               // host candidates from config.local_addresses
//   a.set_remote_credentials(now, {ufrag, pwd}); // from the peer's SDP
//   a.add_remote_candidate(now, c) ...;          // a=candidate lines, or trickled
//   a.end_of_remote_candidates(now);             // a=end-of-candidates
//   loop: while (auto t = a.poll_transmit()) send t->bytes from socket t->local to t->remote;
//         while (auto e = a.poll_event()) ...;   // candidates to signal, selected pair, state
//         on a datagram: if (a.handle_datagram(now, d) == Received::not_stun) hand it to media;
//         at a.poll_timeout(): a.handle_timeout(now);
//
// Implemented: host, server-reflexive (RFC 8489 Binding to the reflector)
// and peer-reflexive candidates, priorities, foundations, pairing and
// pruning, Ta pacing, the triggered-check queue, short-term authentication,
// role conflicts, regular nomination, keepalives, consent freshness
// (RFC 7675) and ICE restart. Relayed candidates are accepted through
// add_relay_candidate() (the TURN client wraps transmits from the relayed
// address). See README.md.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/address.hpp"
#include "core/bytes.hpp"
#include "core/rng.hpp"
#include "core/time.hpp"
#include "core/transmit.hpp"
#include "ice/candidate.hpp"
#include "ice/check_list.hpp"
#include "ice/credentials.hpp"
#include "ice/pair.hpp"
#include "ice/transaction.hpp"
#include "stun/message.hpp"

namespace confab::ice {

// A socket the I/O layer has bound for a component.
struct LocalAddress {
  std::uint16_t component = 1;
  SocketAddress address;  // specific, not the wildcard
  // §5.1.2.1's local preference; none: 65535 for the first interface
  // address given, 65534 for the second, ... (list the preferred first).
  std::optional<std::uint16_t> local_preference;
};

struct IceConfig {
  Role role = Role::controlling;
  std::uint16_t components = 1;  // 1 with rtcp-mux, else 2
  std::vector<LocalAddress> local_addresses;
  // STUN servers for server-reflexive candidates: confabd's reflector (5678).
  std::vector<SocketAddress> stun_servers;
  std::optional<IceCredentials> credentials;  // none: generated (§5.3)
  TypePreferences type_preferences;

  Duration ta = std::chrono::milliseconds(50);        // pacing (§14.2)
  Duration min_rto = std::chrono::milliseconds(500);  // §14.3: never below 500 ms
  // §14.3's check RTO, MAX(500 ms, Ta·N·(waiting + in progress)), grows
  // with the square of the list; it is capped here (§14.3 allows other
  // mechanisms) so a lost first check costs at most this.
  Duration max_check_rto = std::chrono::seconds(2);
  int check_transmissions = 7;  // Rc (RFC 8489)
  int check_rm = 16;            // Rm: a silent pair fails 39.5 s after its first check
  int gather_transmissions = 4;  // srflx gathering gives up sooner: 5.5 s
  int gather_rm = 4;

  std::size_t max_pairs = 100;  // §6.1.2.5
  std::size_t max_remote_candidates = 100;
  std::size_t max_local_candidates = 64;

  // Regular nomination (§8.1.1): once every component has a valid pair, the
  // controlling agent nominates the best one as soon as no better pair is
  // still being checked, or after this delay at the latest.
  Duration nomination_delay = std::chrono::milliseconds(250);

  Duration keepalive_interval = std::chrono::seconds(15);  // Tr (§11)
  bool consent_freshness = true;                            // RFC 7675
  Duration consent_interval = std::chrono::seconds(5);     // randomized to 0.8..1.2 of it
  Duration consent_timeout = std::chrono::seconds(30);
};

enum class IceState : std::uint8_t {
  idle,          // waiting for the remote credentials
  checking,      // connectivity checks running
  connected,     // every component has a selected pair with consent
  disconnected,  // consent lost on a selected pair (RFC 7675): stop sending; restart
  failed,        // every pair failed (after the peer's end-of-candidates)
  closed,
};
const char* to_string(IceState s);

enum class GatheringState : std::uint8_t { idle, gathering, complete };

// What handle_datagram() did with a datagram.
enum class Received : std::uint8_t {
  stun,            // a STUN message for this agent (used, or dropped and counted)
  not_stun,        // RFC 7983: not STUN (RTP, RTCP, DTLS...): the media layer's
  unknown_socket,  // arrived on an address that is none of this agent's sockets
};

// The pair media uses for a component: send from local.base to remote.address.
struct SelectedPair {
  std::uint16_t component = 1;
  Candidate local;
  Candidate remote;
  std::uint64_t priority = 0;
};

namespace event {
// A candidate to signal to the peer (a=candidate, or a trickle message).
struct CandidateGathered {
  Candidate candidate;
};
// No more local candidates for now (a=end-of-candidates).
struct GatheringComplete {};
struct SelectedPairChanged {
  SelectedPair pair;
};
struct StateChanged {
  IceState state;
};
struct RoleChanged {
  Role role;  // after a role conflict (§7.3.1.1) or a lite peer
};
}  // namespace event
using Event = std::variant<event::CandidateGathered, event::GatheringComplete, event::SelectedPairChanged,
                           event::StateChanged, event::RoleChanged>;

// One line for each pair, for tests and diagnostics.
struct PairInfo {
  Candidate local;
  Candidate remote;
  std::uint64_t priority = 0;
  std::optional<PairState> state;  // none: a valid pair that is on no check list pair
  bool valid = false;
  bool nominated = false;
};

struct IceCounters {
  std::uint64_t received_stun = 0;
  std::uint64_t malformed = 0;          // looked like STUN, did not parse
  std::uint64_t ignored = 0;            // other methods, indications, unknown transactions, bad response MI
  std::uint64_t checks_sent = 0;        // first transmissions of connectivity checks
  std::uint64_t retransmissions = 0;
  std::uint64_t requests_answered = 0;  // success responses
  std::uint64_t bad_requests = 0;       // 400
  std::uint64_t unauthorized = 0;       // 401
  std::uint64_t role_conflicts = 0;     // 487 sent
  std::uint64_t unknown_attributes = 0; // 420
  std::uint64_t not_answered = 0;       // an error response would have been larger than the request
  std::uint64_t consent_requests = 0;
  std::uint64_t keepalives = 0;
  std::uint64_t reflector_answers = 0;  // srflx gathering: mapped addresses learnt (a redundant one too)
};

class IceAgent {
 public:
  IceAgent(IceConfig config, Rng& rng, Instant now);

  // ---- inputs
  // A host socket, at any time (trickle). Duplicates are ignored.
  void add_local_address(Instant now, const LocalAddress& a);
  // The TURN seam: a relayed candidate whose allocation the TURN client
  // keeps. Transmits from `relayed` must go through the allocation, and what
  // arrives through it is handed in with Datagram::local = `relayed`.
  void add_relay_candidate(Instant now, std::uint16_t component, const SocketAddress& relayed,
                           const SocketAddress& mapped, const IpAddress& server);
  // The peer's ice-ufrag/ice-pwd. False if they are malformed, or if they
  // differ from credentials already set in this generation (call restart()
  // first: a peer that restarts expects us to restart too). A lite peer
  // (a=ice-lite) makes us controlling.
  bool set_remote_credentials(Instant now, const IceCredentials& remote, bool remote_lite = false);
  // A peer candidate (UDP only). False if unusable: other transport,
  // unknown component, wildcard address or port 0, limit reached, duplicate.
  bool add_remote_candidate(Instant now, Candidate c);
  void end_of_remote_candidates(Instant now);
  // Fewer components than configured: the answer accepted rtcp-mux
  // (RFC 5761 §5.1.3), so component 2 is not used. Its pairs, checks and
  // remote candidates go; its local candidates are no longer signalled (the
  // I/O layer may close those sockets). False if `n` is not smaller.
  bool reduce_components(Instant now, std::uint16_t n);
  Received handle_datagram(Instant now, const Datagram& d);
  void handle_timeout(Instant now);
  // ICE restart (§9): new local credentials, check list and remote side
  // flushed, server-reflexive candidates gathered again (all candidates are
  // reported again through events). Media keeps flowing on the selected pairs,
  // with consent checked under the old credentials, until new ones are selected.
  void restart(Instant now, std::optional<Role> role = std::nullopt);
  void close();

  // ---- outputs
  std::optional<Transmit> poll_transmit();
  std::optional<Instant> poll_timeout() const;
  std::optional<Event> poll_event();

  // ---- state
  const IceCredentials& local_credentials() const { return local_creds_; }
  // Candidates to signal (not the peer-reflexive ones, §7.2.5.3.1).
  std::vector<Candidate> local_candidates() const;
  std::vector<Candidate> remote_candidates() const { return remote_; }
  Role role() const { return role_; }
  std::uint64_t tie_breaker() const { return tie_breaker_; }
  IceState state() const { return state_; }
  GatheringState gathering_state() const { return gathering_; }
  // Nothing while not selected, or after consent was lost.
  std::optional<SelectedPair> selected_pair(std::uint16_t component = 1) const;
  std::vector<PairInfo> pairs() const;
  const IceCounters& counters() const { return counters_; }
  const IceConfig& config() const { return config_; }

 private:
  struct LocalCandidate {
    Candidate c;
    std::optional<IpAddress> server;  // srflx: the STUN server's IP (foundation)
  };
  enum class Kind : std::uint8_t { gather, check, consent };
  struct Transaction {
    stun::TransactionId id;
    Kind kind = Kind::check;
    SocketAddress local;
    SocketAddress remote;
    Bytes request;
    Retransmitter timer;
    Bytes key;                   // checks, consent: verifies the response (the peer's password)
    std::uint32_t pair_id = 0;   // checks
    bool use_candidate = false;  // checks
    Role role = Role::controlling;
    std::uint32_t priority = 0;   // the PRIORITY sent
    std::uint16_t component = 0;  // consent
    std::size_t base = 0;         // gathering: the host candidate
  };
  struct Selected {
    SelectedPair pair;
    std::uint32_t generation = 0;
    std::string username;  // for consent requests, in that generation's credentials
    Bytes remote_key;
    std::uint32_t check_priority = 0;
    Instant last_response;
    Instant next_consent;
    Instant last_sent;
    bool consent_lost = false;
  };
  struct PendingGather {
    std::size_t base;
    SocketAddress server;
  };

  // agent.cpp
  void queue(const SocketAddress& from, const SocketAddress& to, Bytes bytes);
  void emit(Event e) { events_.push_back(std::move(e)); }
  void set_role(Role r);
  void recompute_priorities();
  void update_state(Instant now);
  bool list_failed() const;
  std::optional<std::size_t> base_at(const SocketAddress& local) const;
  std::uint64_t priority_of(std::size_t local, std::size_t remote) const;
  // agent_gather.cpp
  void add_host(Instant now, const LocalAddress& a);
  void add_local_candidate(Instant now, Candidate c, std::optional<IpAddress> server, bool signal);
  void pair_local(std::size_t local);
  void pair_remote(std::size_t remote);
  void send_gather(Instant now);
  void on_gather_response(Instant now, const Transaction& t, const stun::Message& m);
  void check_gathering_done();
  // agent_checks.cpp
  bool has_paced_work() const;
  void pace(Instant now);
  void send_check(Instant now, CandidatePair& p);
  Duration check_rto() const;
  void handle_response(Instant now, const Datagram& d, const stun::Message& m);
  void on_check_response(Instant now, const Transaction& t, const stun::Message& m);
  void on_transaction_timeout(Instant now, const Transaction& t);
  void pair_failed(CandidatePair& p);
  void cancel_check(CandidatePair& p);
  std::size_t local_for_mapped(const SocketAddress& mapped, const Transaction& t, std::uint16_t component);
  // agent_requests.cpp
  void handle_request(Instant now, const Datagram& d, const stun::Message& m);
  void answer_error(const Datagram& d, const stun::Message& m, std::uint16_t code, std::string_view reason,
                    ByteView key, const std::vector<std::uint16_t>& unknown = {});
  bool resolve_role_conflict(const Datagram& d, const stun::Message& m, ByteView key);
  void triggered_check(Instant now, const Datagram& d, const stun::Message& m, std::size_t base);
  std::optional<std::size_t> learn_remote(const SocketAddress& from, std::uint16_t component, std::uint32_t priority);
  // agent_nominate.cpp
  void evaluate_nomination(Instant now);
  std::optional<Instant> nomination_deadline() const;
  void nominate(Instant now, ValidPair& v);
  void select(Instant now, const ValidPair& v);
  bool all_nominated() const;
  // agent_consent.cpp
  void consent_tick(Instant now);
  void send_consent(Instant now, Selected& s);
  void on_consent_response(Instant now, const Transaction& t);
  void refresh_consent(Instant now, const SocketAddress& local, const SocketAddress& remote);
  Duration jittered(Duration d);

  IceConfig config_;
  Rng& rng_;
  Role role_;
  std::uint64_t tie_breaker_;
  IceState state_ = IceState::idle;
  GatheringState gathering_ = GatheringState::idle;
  bool closed_ = false;

  // Credentials: this generation's, and the previous one's while its
  // selected pairs are still in use after a restart.
  std::uint32_t generation_ = 0;
  IceCredentials local_creds_;
  Bytes local_key_;
  std::optional<IceCredentials> remote_creds_;
  Bytes remote_key_;
  bool remote_lite_ = false;
  std::optional<IceCredentials> previous_local_;
  Bytes previous_key_;

  FoundationTable foundations_;
  std::vector<LocalCandidate> local_;
  std::vector<IpAddress> interface_order_;  // for default local preferences
  std::vector<Candidate> remote_;
  std::uint32_t remote_prflx_count_ = 0;
  bool remote_done_ = false;
  CheckList list_;
  std::vector<std::optional<std::uint32_t>> nominating_;  // per component: the pair carrying USE-CANDIDATE
  std::optional<Instant> all_valid_since_;

  std::deque<PendingGather> gather_queue_;
  std::optional<Instant> last_paced_;
  std::map<stun::TransactionId, Transaction> transactions_;
  std::vector<std::optional<Selected>> selected_;  // index: component - 1

  std::deque<Transmit> outbox_;
  std::deque<Event> events_;
  IceCounters counters_;
  // poll_timeout() scans every transaction; drivers ask far more often than
  // anything changes, so the answer is kept until the next input.
  mutable std::optional<std::optional<Instant>> timeout_cache_;
};

}  // namespace confab::ice
