#pragma once
// One XEP-0174 link-local XMPP stream (§5-§6 of XEP-0174): a TCP
// connection between two people on the link, opened without TLS or SASL.
// The initiator sends its stream header at once (`from` its instance name,
// `to` the peer's); the responder answers with its own (and, for version
// 1.0, empty <stream:features/>). Stanzas are plain jabber:client
// <message/>s. Reuses xmpp::StreamParser (limits, XML restrictions) and
// serialize(); sans-I/O: bytes in, bytes and events out.
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <variant>

#include "core/bytes.hpp"
#include "xmpp/stream_header.hpp"
#include "xmpp/xml_element.hpp"
#include "xmpp/xml_stream_parser.hpp"

namespace confab::mdns {

struct LinkStreamOpened {
  std::string peer;  // the `from` of the peer's header (its instance name); may be empty (old iChat)
};
struct LinkMessage {
  std::string from;    // the stanza's `from`, else the stream's
  std::string type;    // chat, normal...
  std::string body;
  std::string thread;
};
struct LinkStreamClosed {
  std::string reason;  // empty: the peer closed cleanly
};
using LinkStreamEvent = std::variant<LinkStreamOpened, LinkMessage, LinkStreamClosed>;

class LinkStream {
 public:
  enum class Role { initiator, responder };

  // `local`: our instance name; `remote`: the peer's (known to an
  // initiator; a responder learns it from the header).
  LinkStream(Role role, std::string local, std::string remote = {}, xmpp::Limits limits = {});

  void handle_bytes(ByteView bytes);
  void handle_eof();
  // Queued until the stream is open both ways, then written in order.
  void send_message(std::string_view body, std::string_view type = "chat");
  // </stream:stream>; the connection can be closed once the peer's close
  // arrives (or at once: link-local peers often just drop the TCP).
  void close();

  std::optional<Bytes> poll_output();
  std::optional<LinkStreamEvent> poll_event();

  bool is_open() const { return opened_ && !closed_; }
  bool is_closed() const { return closed_; }
  const std::string& peer() const { return remote_; }
  std::uint64_t messages_received() const { return received_; }
  // Messages still waiting for the stream to open.
  std::size_t queued() const { return queued_.size(); }

 private:
  void write(std::string s);
  void flush_queue();
  void fail(std::string reason);

  Role role_;
  std::string local_;
  std::string remote_;
  xmpp::StreamParser parser_;
  xmpp::StreamHeader ours_;
  bool header_sent_ = false;
  bool opened_ = false;      // the peer's header arrived
  bool close_sent_ = false;
  bool closed_ = false;
  std::uint64_t received_ = 0;
  std::deque<std::string> queued_;  // stanzas waiting for the stream to open
  std::deque<Bytes> out_;
  std::deque<LinkStreamEvent> events_;
};

}  // namespace confab::mdns
