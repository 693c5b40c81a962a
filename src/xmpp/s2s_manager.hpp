#pragma once
// Federation (RFC 6120 s2s), sans-I/O: every stream to and from other
// servers, the router's route for remote domains (remote_route.hpp).
//
// Outgoing: one stream per (local domain, remote domain), opened when the
// first stanza for the pair arrives: resolve (the I/O layer: static hosts,
// SRV, A/AAAA), connect to each address in turn, STARTTLS, dialback. Until
// it is authenticated, stanzas wait in a bounded queue; if it fails or
// takes longer than connect_timeout they go back to their senders as
// remote-server-not-found / remote-server-timeout (RFC 6120 §10.4).
// Incoming: streams accepted on the s2s port; a db:result they carry is
// checked with a db:verify on our outgoing stream to the claimed domain.
//
//   S2sManager s2s(config, rng);
//   router.set_remote_route(&s2s);
//   I/O layer: accept(now, conn) / handle_bytes(now, conn, b) / handle_secured / handle_closed /
//              handle_resolved(now, domain, addresses) / handle_timeout(now)
//   after each: while (auto a = s2s.poll_action()) do it;  router.route_from_remote(now);
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "core/address.hpp"
#include "core/rng.hpp"
#include "core/time.hpp"
#include "xmpp/remote_route.hpp"
#include "xmpp/s2s_config.hpp"
#include "xmpp/s2s_stream.hpp"
#include "xmpp/stanza_error.hpp"

namespace confab::xmpp {

// Find the addresses of `domain`'s XMPP server; answer with handle_resolved().
struct S2sResolve {
  std::string domain;
};
// Open a TCP connection to `address` and write `bytes` (our stream header).
// It is `conn` from now on; its failure is handle_closed(conn).
struct S2sConnect {
  std::uint64_t conn = 0;
  SocketAddress address;
  std::string bytes;
};
struct S2sWrite {
  std::uint64_t conn = 0;
  std::string bytes;
};
// Once what is queued is written, run a TLS handshake (client side for our
// outgoing connections); then handle_secured(conn).
struct S2sTls {
  std::uint64_t conn = 0;
  bool client = false;
};
// Once what is queued is written, close the connection.
struct S2sDisconnect {
  std::uint64_t conn = 0;
};
// For the log.
struct S2sLog {
  std::string line;
  bool warning = false;
};
using S2sAction = std::variant<S2sResolve, S2sConnect, S2sWrite, S2sTls, S2sDisconnect, S2sLog>;

class S2sManager final : public RemoteRoute {
 public:
  // Outgoing connection ids are the manager's, from here up; the I/O layer
  // numbers incoming ones below it.
  static constexpr std::uint64_t first_outgoing_conn = std::uint64_t{1} << 62;

  S2sManager(S2sConfig config, Rng& rng);

  // RemoteRoute (the router's side).
  void handle_stanza(Instant now, const Element& stanza) override;
  std::optional<Element> poll_stanza() override;

  // The I/O layer's side. An empty `addresses` means not found (`error` says why).
  void handle_resolved(Instant now, const std::string& domain, std::vector<SocketAddress> addresses,
                       std::string error = {});
  // An incoming connection on the s2s port; false (close it) when over max_connections.
  bool accept(Instant now, std::uint64_t conn);
  void handle_bytes(Instant now, std::uint64_t conn, ByteView bytes);
  void handle_secured(Instant now, std::uint64_t conn);
  void handle_closed(Instant now, std::uint64_t conn);
  void handle_timeout(Instant now);
  std::optional<Instant> poll_timeout() const;
  std::optional<S2sAction> poll_action();
  bool has_stanzas() const { return !to_router_.empty(); }
  // confabd is stopping: every stream ends with system-shutdown, queued stanzas bounce.
  void shutdown(Instant now);

  S2sCounters counters() const;
  const S2sConfig& config() const { return config_; }
  std::size_t connections() const { return conns_.size(); }
  // Remote domains we can send to now, and those authenticated towards us.
  std::vector<std::string> outgoing_domains() const;
  std::vector<std::string> incoming_domains() const;

 private:
  using Pair = std::pair<std::string, std::string>;  // (local, remote)
  struct Conn {
    std::unique_ptr<S2sStream> stream;
    std::optional<Pair> outgoing;  // the pair it serves, for outgoing ones
    Instant opened{};
    Instant last_stanza{};
    bool disconnect_sent = false;
  };
  struct Outgoing {
    Instant deadline{};  // until authenticated
    bool resolved = false;
    std::vector<SocketAddress> addresses;
    std::size_t next = 0;
    std::optional<std::uint64_t> conn;
    bool authenticated = false;
    std::deque<Element> queue;
  };
  struct Verification {
    std::uint64_t incoming = 0;  // the stream whose db:result it checks
    std::string local, remote, stream_id, key;
    bool sent = false;
  };

  Outgoing& ensure(Instant now, const std::string& local, const std::string& remote);
  void try_next(Instant now, const Pair& pair);
  void fail_outgoing(const Pair& pair, Condition condition, const std::string& text);
  void service(Instant now, std::uint64_t conn);
  void on_event(Instant now, std::uint64_t conn, S2sEvent event);
  void conn_gone(Instant now, std::uint64_t conn, const std::string& reason);
  void send_verifications(const Pair& pair);
  void verified(Instant now, std::uint64_t incoming, const std::string& remote, bool valid);
  void bounce(const Element& stanza, Condition condition, const std::string& text);
  bool is_local(const std::string& domain) const;

  S2sConfig config_;
  Rng& rng_;
  std::uint64_t next_conn_ = first_outgoing_conn;
  std::map<std::uint64_t, Conn> conns_;
  std::map<Pair, Outgoing> out_;
  std::vector<Verification> verifications_;
  std::deque<Element> to_router_;
  std::deque<S2sAction> actions_;
  S2sCounters counters_;  // the manager's own, and streams' already gone
};

}  // namespace confab::xmpp
