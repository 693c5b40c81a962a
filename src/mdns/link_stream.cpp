// The XEP-0174 stream: headers both ways, then messages, then the close.
#include "mdns/link_stream.hpp"

#include "xmpp/namespaces.hpp"
#include "xmpp/xml_builder.hpp"
#include "xmpp/xml_writer.hpp"

namespace confab::mdns {

namespace ns = xmpp::ns;

LinkStream::LinkStream(Role role, std::string local, std::string remote, xmpp::Limits limits)
    : role_(role),
      local_(std::move(local)),
      remote_(std::move(remote)),
      parser_(xmpp::StreamParserOptions{limits, std::string(ns::client)}) {
  ours_.content_namespace = std::string(ns::client);
  ours_.version = "1.0";
  ours_.from = local_;
  if (role_ == Role::initiator) {
    if (!remote_.empty()) ours_.to = remote_;
    write(xmpp::open_stream(ours_));
    header_sent_ = true;
  }
}

void LinkStream::write(std::string s) { out_.emplace_back(s.begin(), s.end()); }

void LinkStream::fail(std::string reason) {
  if (closed_) return;
  closed_ = true;
  events_.push_back(LinkStreamClosed{std::move(reason)});
}

void LinkStream::handle_bytes(ByteView bytes) {
  if (closed_) return;
  parser_.feed(bytes);
  while (auto event = parser_.poll_event()) {
    if (auto* header = std::get_if<xmpp::StreamHeader>(&*event)) {
      opened_ = true;
      if (header->from && !header->from->empty()) remote_ = *header->from;
      if (role_ == Role::responder && !header_sent_) {
        if (!remote_.empty()) ours_.to = remote_;
        if (!header->version) ours_.version.reset();  // a pre-1.0 peer (old iChat) gets a pre-1.0 stream
        write(xmpp::open_stream(ours_));
        header_sent_ = true;
        // RFC 6120 §4.3.2: a 1.0 stream sends features; XEP-0174 offers none.
        if (ours_.version) write("<" + ours_.prefix + ":features/>");
      }
      events_.push_back(LinkStreamOpened{remote_});
      flush_queue();
    } else if (auto* stanza = std::get_if<xmpp::Element>(&*event)) {
      if (stanza->is("error", ns::streams)) {
        fail("the peer sent a stream error");
        return;
      }
      if (stanza->name != "message") continue;  // features, presence, iq: nothing to do on a link-local stream
      auto body = stanza->child_text("body");
      if (!body) continue;                      // chat states and receipts carry no text
      ++received_;
      LinkMessage m;
      m.from = std::string(stanza->attribute("from").value_or(remote_));
      m.type = std::string(stanza->attribute("type").value_or("normal"));
      m.body = std::move(*body);
      m.thread = stanza->child_text("thread").value_or("");
      events_.push_back(std::move(m));
    } else if (std::holds_alternative<xmpp::StreamClosed>(*event)) {
      if (!close_sent_) {
        write(xmpp::close_stream(ours_));
        close_sent_ = true;
      }
      fail("");
      return;
    } else if (auto* error = std::get_if<xmpp::StreamError>(&*event)) {
      if (header_sent_)
        write(xmpp::serialize(xmpp::to_element(*error), xmpp::scope_of(ours_)) + xmpp::close_stream(ours_));
      close_sent_ = true;
      fail(error->detail.empty() ? "XML stream error" : error->detail);
      return;
    }
  }
}

void LinkStream::handle_eof() {
  if (closed_) return;
  fail(opened_ ? "the peer closed the connection" : "the peer closed the connection before its stream header");
}

void LinkStream::send_message(std::string_view body, std::string_view type) {
  xmpp::Builder b("message", std::string(ns::client));
  b.attr("from", local_);
  if (!remote_.empty()) b.attr("to", remote_);
  b.attr("type", std::string(type));
  b.tag("body").text(body).up();
  queued_.push_back(xmpp::serialize(b.build(), xmpp::scope_of(ours_)));
  flush_queue();
}

void LinkStream::flush_queue() {
  if (!opened_ || !header_sent_ || close_sent_) return;
  while (!queued_.empty()) {
    write(std::move(queued_.front()));
    queued_.pop_front();
  }
}

void LinkStream::close() {
  if (close_sent_) return;
  flush_queue();
  if (header_sent_) write(xmpp::close_stream(ours_));
  close_sent_ = true;
}

std::optional<Bytes> LinkStream::poll_output() {
  if (out_.empty()) return std::nullopt;
  auto b = std::move(out_.front());
  out_.pop_front();
  return b;
}

std::optional<LinkStreamEvent> LinkStream::poll_event() {
  if (events_.empty()) return std::nullopt;
  auto e = std::move(events_.front());
  events_.pop_front();
  return e;
}

}  // namespace confab::mdns
