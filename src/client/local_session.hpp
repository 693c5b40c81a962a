#pragma once
// The link-local side of confab (iChat's Bonjour mode), composed for the
// CLI: mDNS on UDP 5353 (responder for our `_presence._tcp` service,
// browser for everyone's), a TCP listener for XEP-0174 streams, and the
// streams themselves. One thread, one poll(2) loop; the protocol machines
// are src/mdns's, this file only moves bytes and turns their outputs into
// events for the commands in local_commands.cpp.
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "core/rng.hpp"
#include "mdns/endpoint.hpp"
#include "mdns/link_presence.hpp"
#include "mdns/link_stream.hpp"
#include "net/multicast_socket.hpp"

namespace confab::client {

struct LocalPerson {
  std::string instance;  // the DNS-SD instance name: how XEP-0174 addresses them
  std::string display;   // nick, or 1st + last, or the instance name
  mdns::LinkPresence presence;
  std::string host;
  std::vector<IpAddress> addresses;
  std::uint16_t port = 0;
  std::uint32_t interface = 0;
};

struct LocalEvent {
  enum class Kind { appeared, changed, left, message, established, renamed, send_failed };
  Kind kind;
  LocalPerson person;  // who (for a message: the sender as far as known)
  std::string text;    // the message, the new name, or why sending failed
};

struct LocalSessionOptions {
  bool advertise = false;        // false: only look (confab local)
  std::string name;              // our instance name
  mdns::LinkPresence presence;   // what our TXT record says
  std::uint16_t port = mdns::default_link_local_port;  // TCP for XEP-0174 streams (0: any)
  std::string interface;         // empty: every suitable interface
  std::uint16_t mdns_port = mdns::mdns_port;
};

class LocalSession {
 public:
  static Result<std::unique_ptr<LocalSession>, std::string> start(const LocalSessionOptions& options);
  ~LocalSession();
  LocalSession(const LocalSession&) = delete;
  LocalSession& operator=(const LocalSession&) = delete;

  // Runs the loop until `until`, an event is ready, or `extra_fd` (stdin)
  // is readable; returns true in that last case.
  bool step(Instant until, int extra_fd = -1);
  std::optional<LocalEvent> poll_event();

  std::vector<LocalPerson> people() const;  // everyone resolved but us
  // By instance name, else by display name (ASCII case-insensitive).
  std::optional<LocalPerson> find(std::string_view who) const;
  // Queues a message; opens a stream to them if there is none. False if
  // they are not (or no longer) on the link.
  bool send(const std::string& instance, const std::string& text);
  void set_presence(const std::string& status, const std::string& message);
  // Goodbyes on the link, streams closed; returns after both went out (<= 1 s).
  void shutdown();

  const std::string& own_instance() const { return own_instance_; }
  bool established() const { return established_; }
  std::size_t unsent_bytes() const;  // on streams still connecting or writing
  // A stream to `instance` is open both ways and everything queued on it is
  // written to the socket.
  bool flushed_to(const std::string& instance) const;
  std::uint16_t tcp_port() const { return tcp_port_; }
  const mdns::EndpointCounters& mdns_counters() const { return endpoint_.counters(); }

 private:
  struct Connection;
  LocalSession() = default;
  void pump_outputs(Instant now);
  void on_readable_connection(Connection& c);
  void on_writable_connection(Connection& c);
  LocalPerson person_from(const mdns::DiscoveredService& s) const;
  LocalPerson sender_of(const Connection& c, const std::string& from) const;
  void set_links(Instant now);

  SystemRng rng_;
  net::MulticastSockets sockets_;
  mdns::Endpoint endpoint_;
  int listener_ = -1;
  std::uint16_t tcp_port_ = 0;
  std::string own_instance_;
  bool advertise_ = false;
  bool established_ = false;
  mdns::LinkPresence presence_;
  std::vector<std::unique_ptr<Connection>> connections_;
  std::deque<LocalEvent> events_;
  Instant next_interface_check_;
};

}  // namespace confab::client
