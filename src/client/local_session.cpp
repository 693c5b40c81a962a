// The link-local session's loop: mDNS datagrams in and out, XEP-0174
// streams accepted and opened, their bytes moved, events collected.
#include "client/local_session.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "core/text.hpp"
#include "net/plain_tcp.hpp"

namespace confab::client {

struct LocalSession::Connection {
  int fd = -1;
  bool connecting = false;
  bool outgoing = false;
  SocketAddress remote;
  std::string peer;  // instance name, once known
  mdns::LinkStream stream;
  Bytes outbuf;
  bool dead = false;
  Connection(int f, mdns::LinkStream s) : fd(f), stream(std::move(s)) {}
};

namespace {

// A host label of our own per instance: processes in different network
// namespaces share one hostname (ip netns exec does not make a UTS namespace).
std::string host_label_for(const std::string& instance, Rng& rng) {
  std::string label;
  for (char c : instance) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u)) label.push_back(static_cast<char>(std::tolower(u)));
    else if (!label.empty() && label.back() != '-') label.push_back('-');
    if (label.size() >= 40) break;
  }
  while (!label.empty() && label.back() == '-') label.pop_back();
  if (label.empty()) label = "confab";
  return label + "-" + rng.random_hex(2);
}

std::vector<mdns::InterfaceInfo> to_links(const std::vector<net::LinkInterface>& in) {
  std::vector<mdns::InterfaceInfo> out;
  for (const auto& l : in) out.push_back({l.index, l.name, l.addresses});
  return out;
}

}  // namespace

Result<std::unique_ptr<LocalSession>, std::string> LocalSession::start(const LocalSessionOptions& o) {
  std::unique_ptr<LocalSession> s(new LocalSession());
  net::MulticastOptions mo;
  mo.port = o.mdns_port;
  mo.interface = o.interface;
  auto sockets = net::MulticastSockets::open(mo);
  if (!sockets) return unexpected("mDNS: " + sockets.error());
  s->sockets_ = std::move(*sockets);
  s->own_instance_ = o.name;
  s->advertise_ = o.advertise;
  s->presence_ = o.presence;
  const Instant now = Clock::now();
  if (o.advertise) {
    auto listener = net::listen_tcp(o.port);
    if (!listener) return unexpected(listener.error());
    s->listener_ = listener->fd;
    s->tcp_port_ = listener->port;
    s->presence_.port = s->tcp_port_;
    mdns::ServiceSpec spec;
    spec.instance = o.name;
    spec.service_type = mdns::Name::parse(mdns::presence_service);
    spec.host_label = host_label_for(o.name, s->rng_);
    spec.port = s->tcp_port_;
    spec.txt = mdns::to_txt(s->presence_);
    s->endpoint_.advertise(std::move(spec), s->rng_, now);
  }
  s->endpoint_.browse(mdns::Name::parse(mdns::presence_service), s->rng_, now);
  s->set_links(now);
  return s;
}

LocalSession::~LocalSession() {
  for (auto& c : connections_)
    if (c->fd >= 0) ::close(c->fd);
  if (listener_ >= 0) ::close(listener_);
}

void LocalSession::set_links(Instant now) {
  endpoint_.set_interfaces(now, to_links(sockets_.interfaces()));
  next_interface_check_ = now + 5s;
}

LocalPerson LocalSession::person_from(const mdns::DiscoveredService& s) const {
  LocalPerson p;
  p.instance = s.instance;
  p.presence = mdns::presence_from_txt(s.txt);
  p.display = mdns::display_name(p.presence, s.instance);
  p.host = s.host.to_string();
  p.addresses = s.addresses;
  p.port = s.port;  // the SRV's port is the one to use (XEP-0174 §6.1); port.p2pj only repeats it
  p.interface = s.interface;
  return p;
}

std::vector<LocalPerson> LocalSession::people() const {
  std::vector<LocalPerson> out;
  for (const auto& s : endpoint_.browser()->services()) {
    if (advertise_ && established_ && s.instance == own_instance_) continue;
    out.push_back(person_from(s));
  }
  return out;
}

std::optional<LocalPerson> LocalSession::find(std::string_view who) const {
  const auto all = people();
  for (const auto& p : all)
    if (ascii_lower(p.instance) == ascii_lower(who)) return p;
  for (const auto& p : all)
    if (ascii_lower(p.display) == ascii_lower(who)) return p;
  return std::nullopt;
}

LocalPerson LocalSession::sender_of(const Connection& c, const std::string& from) const {
  if (auto p = find(from.empty() ? c.peer : from)) return *p;
  if (!c.peer.empty())
    if (auto p = find(c.peer)) return *p;
  for (const auto& p : people())
    if (std::find(p.addresses.begin(), p.addresses.end(), c.remote.ip) != p.addresses.end()) return p;
  LocalPerson unknown;
  unknown.instance = from.empty() ? c.peer : from;
  unknown.display = unknown.instance.empty() ? c.remote.ip.to_string() : unknown.instance;
  return unknown;
}

bool LocalSession::send(const std::string& instance, const std::string& text) {
  for (auto& c : connections_) {
    if (!c->dead && !c->stream.is_closed() && c->peer == instance) {
      c->stream.send_message(text);
      return true;
    }
  }
  auto person = find(instance);
  if (!person || person->addresses.empty()) return false;
  // IPv4 first: an IPv6 link-local address needs its interface, and both lead to the same person.
  auto addrs = person->addresses;
  std::stable_partition(addrs.begin(), addrs.end(), [](const IpAddress& a) { return a.is_v4(); });
  const SocketAddress to{addrs.front(), person->port};
  auto fd = net::connect_tcp(to, person->interface);
  if (!fd) {
    events_.push_back({LocalEvent::Kind::send_failed, *person, fd.error()});
    return false;
  }
  auto c = std::make_unique<Connection>(*fd, mdns::LinkStream(mdns::LinkStream::Role::initiator, own_instance_,
                                                              person->instance));
  c->connecting = true;
  c->outgoing = true;
  c->remote = to;
  c->peer = person->instance;
  c->stream.send_message(text);
  connections_.push_back(std::move(c));
  return true;
}

void LocalSession::set_presence(const std::string& status, const std::string& message) {
  presence_.status = status;
  presence_.message = message;
  if (auto* r = endpoint_.responder()) r->update_txt(Clock::now(), mdns::to_txt(presence_));
}

std::size_t LocalSession::unsent_bytes() const {
  std::size_t n = 0;
  for (const auto& c : connections_) {
    if (c->dead) continue;
    n += c->outbuf.size();
    if (c->connecting) n += 1;
  }
  return n;
}

bool LocalSession::flushed_to(const std::string& instance) const {
  for (const auto& c : connections_)
    if (!c->dead && c->peer == instance && c->stream.is_open() && !c->connecting && c->outbuf.empty() &&
        c->stream.queued() == 0)
      return true;
  return false;
}

void LocalSession::pump_outputs(Instant now) {
  (void)now;
  while (auto p = endpoint_.poll_transmit()) sockets_.send(p->interface, p->unicast, p->bytes);
  if (auto* r = endpoint_.responder()) {
    while (auto e = r->poll_event()) {
      if (e->kind == mdns::ResponderEvent::Kind::established) {
        established_ = true;
        own_instance_ = e->instance;
        events_.push_back({LocalEvent::Kind::established, {}, e->instance});
      } else if (e->kind == mdns::ResponderEvent::Kind::renamed) {
        own_instance_ = e->instance;
        events_.push_back({LocalEvent::Kind::renamed, {}, e->instance});
      }
    }
  }
  if (auto* b = endpoint_.browser()) {
    while (auto e = b->poll_event()) {
      if (advertise_ && e->service.instance == own_instance_) continue;
      const auto kind = e->kind == mdns::BrowserEvent::Kind::added     ? LocalEvent::Kind::appeared
                        : e->kind == mdns::BrowserEvent::Kind::removed ? LocalEvent::Kind::left
                                                                       : LocalEvent::Kind::changed;
      events_.push_back({kind, person_from(e->service), {}});
    }
  }
  for (auto& c : connections_) {
    while (auto bytes = c->stream.poll_output()) c->outbuf.insert(c->outbuf.end(), bytes->begin(), bytes->end());
    while (auto e = c->stream.poll_event()) {
      if (auto* opened = std::get_if<mdns::LinkStreamOpened>(&*e)) {
        if (!opened->peer.empty()) c->peer = opened->peer;
        else if (c->peer.empty()) c->peer = sender_of(*c, {}).instance;
      } else if (auto* m = std::get_if<mdns::LinkMessage>(&*e)) {
        events_.push_back({LocalEvent::Kind::message, sender_of(*c, m->from), m->body});
      } else if (auto* closed = std::get_if<mdns::LinkStreamClosed>(&*e)) {
        if (!closed->reason.empty() && !c->stream.messages_received() && c->outgoing && !c->outbuf.empty())
          events_.push_back({LocalEvent::Kind::send_failed, sender_of(*c, {}), closed->reason});
      }
    }
    if (!c->connecting && !c->outbuf.empty()) on_writable_connection(*c);
    // A closed stream's connection goes once what we owe the peer is written.
    if (c->stream.is_closed() && c->outbuf.empty()) c->dead = true;
  }
  for (auto& c : connections_)
    if (c->dead && c->fd >= 0) {
      ::close(c->fd);
      c->fd = -1;
    }
  std::erase_if(connections_, [](const auto& c) { return c->dead; });
}

void LocalSession::on_readable_connection(Connection& c) {
  std::uint8_t buf[16384];
  const ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
  if (n > 0) {
    c.stream.handle_bytes(ByteView(buf, static_cast<std::size_t>(n)));
  } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
    c.stream.handle_eof();
    c.outbuf.clear();
    c.dead = true;
  }
}

void LocalSession::on_writable_connection(Connection& c) {
  if (c.connecting) {
    const std::string error = net::connect_result(c.fd);
    c.connecting = false;
    if (!error.empty()) {
      events_.push_back({LocalEvent::Kind::send_failed, sender_of(c, {}), "connect " + c.remote.to_string() + ": " + error});
      c.dead = true;
      return;
    }
  }
  while (!c.outbuf.empty()) {
    const ssize_t n = ::send(c.fd, c.outbuf.data(), c.outbuf.size(), MSG_NOSIGNAL);
    if (n > 0) {
      c.outbuf.erase(c.outbuf.begin(), c.outbuf.begin() + n);
    } else {
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
      c.outbuf.clear();
      c.stream.handle_eof();
      c.dead = true;
      return;
    }
  }
}

bool LocalSession::step(Instant until, int extra_fd) {
  Instant now = Clock::now();
  pump_outputs(now);
  if (!events_.empty()) return false;
  std::vector<pollfd> fds;
  const auto mfds = sockets_.fds();
  for (int fd : mfds) fds.push_back({fd, POLLIN, 0});
  const std::size_t listener_at = fds.size();
  if (listener_ >= 0) fds.push_back({listener_, POLLIN, 0});
  const std::size_t conns_at = fds.size();
  for (auto& c : connections_)
    fds.push_back({c->fd, static_cast<short>(POLLIN | (c->connecting || !c->outbuf.empty() ? POLLOUT : 0)), 0});
  const std::size_t extra_at = fds.size();
  if (extra_fd >= 0) fds.push_back({extra_fd, POLLIN, 0});
  Instant wake = std::min(until, next_interface_check_);
  if (auto t = endpoint_.poll_timeout()) wake = std::min(wake, *t);
  const auto wait_ms = std::max<long long>(0, std::chrono::ceil<std::chrono::milliseconds>(wake - now).count());
  const int r = ::poll(fds.data(), fds.size(), static_cast<int>(std::min<long long>(wait_ms, 1000)));
  now = Clock::now();
  bool extra_ready = false;
  if (r > 0) {
    for (std::size_t i = 0; i < mfds.size(); ++i) {
      if (!(fds[i].revents & POLLIN)) continue;
      for (const auto& d : sockets_.receive(fds[i].fd))
        endpoint_.handle_packet(now, mdns::InPacket{d.interface, d.source, d.bytes});
    }
    if (listener_ >= 0 && (fds[listener_at].revents & POLLIN)) {
      for (int k = 0; k < 16; ++k) {
        auto a = net::accept_tcp(listener_);
        if (!a) break;
        if (connections_.size() >= 64) {  // a bounded number of peers at once
          ::close(a->fd);
          continue;
        }
        auto c = std::make_unique<Connection>(a->fd, mdns::LinkStream(mdns::LinkStream::Role::responder, own_instance_));
        c->remote = a->remote;
        connections_.push_back(std::move(c));
      }
    }
    const std::size_t polled = extra_at - conns_at;
    for (std::size_t i = 0; i < polled && i < connections_.size(); ++i) {
      auto& c = *connections_[i];
      const short rev = fds[conns_at + i].revents;
      if (rev & (POLLOUT | POLLERR | POLLHUP)) {
        if (c.connecting || !c.outbuf.empty()) on_writable_connection(c);
      }
      if (!c.dead && !c.connecting && (rev & (POLLIN | POLLHUP | POLLERR))) on_readable_connection(c);
    }
    if (extra_fd >= 0 && (fds[extra_at].revents & (POLLIN | POLLHUP))) extra_ready = true;
  }
  if (now >= next_interface_check_) {
    if (sockets_.refresh_interfaces()) set_links(now);
    else next_interface_check_ = now + 5s;
  }
  if (auto t = endpoint_.poll_timeout(); t && *t <= now) endpoint_.handle_timeout(now);
  pump_outputs(now);
  return extra_ready;
}

std::optional<LocalEvent> LocalSession::poll_event() {
  if (events_.empty()) return std::nullopt;
  auto e = std::move(events_.front());
  events_.pop_front();
  return e;
}

void LocalSession::shutdown() {
  const Instant now = Clock::now();
  endpoint_.shutdown(now);
  for (auto& c : connections_) c->stream.close();
  pump_outputs(now);
  const Instant until = now + 1s;
  while (Clock::now() < until && unsent_bytes() > 0) {
    step(std::min(until, Clock::now() + 50ms));
    while (poll_event()) {
    }
  }
}

}  // namespace confab::client
