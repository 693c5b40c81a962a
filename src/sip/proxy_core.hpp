#pragma once
// The stateful proxy (RFC 3261 §16), sans-I/O. For each request the server
// core decides to proxy it opens one client transaction per target (parallel
// forking, §16.7), relays provisional and 2xx responses upstream at once,
// picks the best final response otherwise (§16.7 step 6), cancels the losing
// branches when one answers 2xx (or 6xx, or the caller CANCELs), and ACKs
// non-2xx finals hop by hop. Outputs are polled, like every machine here:
// poll_transmit() for downstream messages, poll_upstream() for responses the
// server core sends on the request's server transaction.
#include <deque>
#include <map>
#include <queue>
#include <unordered_map>
#include <string>
#include <vector>

#include "core/rng.hpp"
#include "core/transmit.hpp"
#include "sip/message.hpp"
#include "sip/server_core_types.hpp"
#include "sip/transaction.hpp"

namespace confab::sip {

// One place to send a proxied request.
struct Target {
  std::string request_uri;         // the new Request-URI (a registered Contact, or unchanged)
  Transmit route;                  // transport, our local address, and where to send
  std::uint64_t flow = 0;          // the connection to use, when there is one
  std::vector<std::string> path;   // Path of the binding: becomes Route (RFC 3327)
};

struct ProxyIdentity {
  std::string host;       // how we name ourselves in Via and Record-Route
  std::uint16_t port = 5060;
  std::uint16_t tls_port = 5061;
};

struct UpstreamResponse {
  std::string server_key;  // the server transaction it answers
  Message response;
};

struct ProxyCounters {
  std::uint64_t proxied = 0;        // requests forwarded statefully
  std::uint64_t stateless = 0;      // ACKs for 2xx forwarded without a transaction
  std::uint64_t branches = 0;
  std::uint64_t cancelled = 0;      // branches CANCELled
  std::uint64_t timeouts = 0;       // branches that never answered (408)
  std::uint64_t timer_c = 0;        // INVITE branches that rang too long (Timer C)
  std::uint64_t stray_responses = 0;
};

class ProxyCore {
 public:
  ProxyCore(ProxyIdentity identity, Rng& rng, TransactionTimers timers = {});

  // Forwards `request` (Max-Forwards already checked, our Route removed) to
  // every target. `record_route` adds our Record-Route so in-dialog requests
  // come back through us.
  void forward(Instant now, const std::string& server_key, const Message& request, const std::vector<Target>& targets,
               bool record_route);
  // Forwards without a transaction (ACK for a 2xx).
  void forward_stateless(const Message& request, const Target& target);
  // A response from downstream (any transport).
  void handle_response(Instant now, const Message& response);
  // The caller CANCELled: cancel every branch still ringing (§16.10).
  void cancel(Instant now, const std::string& server_key);
  void handle_timeout(Instant now);

  std::optional<Outgoing> poll_transmit();
  std::optional<UpstreamResponse> poll_upstream();
  std::optional<Instant> poll_timeout() const;

  // The loop hash of a request (§16.3 step 4): our branches start with it.
  static std::string loop_hash(const Message& request);
  bool is_our_via(const Via& via) const;
  const ProxyCounters& counters() const { return counters_; }
  std::size_t pending() const { return contexts_.size(); }

 private:
  struct Branch {
    std::string branch;           // our Via branch
    ClientTransaction tx;
    Target target;
    Message request;              // as sent (for ACK and CANCEL)
    std::optional<ClientTransaction> cancel_tx;
    bool provisional_seen = false;
    std::optional<std::uint16_t> final_status;
    std::optional<Instant> timer_c;  // INVITE branches until their final response
  };
  struct Context {
    std::string server_key;
    bool invite = false;
    Message request;                     // as received (for responses we make ourselves)
    std::vector<std::string> branches;   // keys into branches_
    std::optional<Message> best;         // best non-2xx final so far
    bool final_sent = false;             // a final response went upstream
    bool cancelled = false;
  };

  std::string via_for(const Target& t, const std::string& branch) const;
  void drain_branch(Instant now, Branch& b);
  void on_final(Instant now, Context& c, Branch& b, const Message& response);
  void maybe_finish(Context& c);
  void cancel_branch(Instant now, Branch& b);
  void fire_timer_c(Instant now, Branch& b);
  void send_upstream(const std::string& key, Message response);
  Message ack_for(const Branch& b, const Message& response) const;

  ProxyIdentity identity_;
  Rng& rng_;
  TransactionTimers timers_;
  std::unordered_map<std::string, Branch> branches_;   // by our branch
  using Deadline = std::pair<Instant, std::string>;     // (when, branch); may be stale
  std::priority_queue<Deadline, std::vector<Deadline>, std::greater<>> deadlines_;
  void schedule(const Branch& b);
  void retire(const std::string& branch);
  std::unordered_map<std::string, Context> contexts_;   // by server key
  std::unordered_map<std::string, std::string> owner_;  // branch → server key
  std::deque<Outgoing> outbox_;
  std::deque<UpstreamResponse> upstream_;
  ProxyCounters counters_;
};

}  // namespace confab::sip
