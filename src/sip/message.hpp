#pragma once
// A SIP message (RFC 3261 §7): start line, ordered header fields, body.
//
// Every string_view in a Message points into storage the Message owns and
// shares with its copies (the parsed bytes, and the text of anything added
// later through intern() or the editing methods). That storage is never
// modified once written, so copying a Message is cheap (a proxy forking a
// request) and its views stay valid as long as any copy lives. When
// assigning a field directly, use a view from intern() or a string literal.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sip/header_values.hpp"
#include "sip/headers.hpp"
#include "sip/name_addr.hpp"
#include "sip/uri.hpp"

namespace confab::sip {

struct Header {
  HeaderId id = HeaderId::other;
  std::string_view name;   // as on the wire ("v", "VIA", "X-Foo"); canonical for added ones
  std::string_view value;  // without surrounding whitespace; each fold (CRLF WSP) became two spaces
  std::size_t offset = 0;  // of the header line in the parsed input; 0 for added headers
};

enum class MessageKind : std::uint8_t { request, response };

class Message {
 public:
  MessageKind kind = MessageKind::request;
  std::string_view method;         // requests; case-sensitive, any token (RFC 3261 §7.1)
  std::string_view request_uri;    // requests: the text (validated; see uri())
  std::uint16_t status = 0;        // responses: 100..699
  std::string_view reason;         // responses: may be empty
  std::string_view version = "SIP/2.0";
  std::vector<Header> headers;     // wire order
  std::string_view body;

  bool is_request() const { return kind == MessageKind::request; }
  bool is_response() const { return kind == MessageKind::response; }

  // Copies `s` into the message's storage; the view lives as long as the
  // message or any copy of it.
  std::string_view intern(std::string_view s);
  // Adopts `bytes` as storage without copying (the parser's input buffer).
  std::string_view adopt(std::string&& bytes);

  // --- lookup -------------------------------------------------------------
  const Header* find(HeaderId id) const;
  const Header* find(std::string_view name) const;  // any spelling, compact forms too
  std::size_t count(HeaderId id) const;
  std::optional<std::string_view> value(HeaderId id) const;  // first one's value
  // Every value of a header, list headers split at their commas, in order.
  std::vector<std::string_view> values(HeaderId id) const;

  // --- editing (values are copied into the message) --------------------------
  // Inserts before the first header with this id (a proxy's new Via and
  // Record-Route go on top, RFC 3261 §16.6), or first if there is none.
  void prepend(HeaderId id, std::string_view value);
  void append(HeaderId id, std::string_view value);
  void append(std::string_view name, std::string_view value);  // by name; registered names get their id
  std::size_t remove(HeaderId id);  // every one; returns how many
  bool remove_first(HeaderId id);
  // Replaces the first header with this id and removes the others; appends if absent.
  void set(HeaderId id, std::string_view value);
  // Sets the body with its Content-Type (removed when empty) and Content-Length.
  void set_body(std::string_view body, std::string_view content_type);

  // --- typed accessors (nullopt/empty when absent) ----------------------------
  // parse() validated these headers; for edited ones a bad value reads as absent.
  std::optional<Uri> uri() const;  // Request-URI
  std::vector<Via> vias() const;   // every Via value, top first
  std::optional<Via> top_via() const;
  std::optional<NameAddr> from() const;
  std::optional<NameAddr> to() const;
  std::optional<std::string_view> call_id() const;
  std::optional<CSeq> cseq() const;
  std::optional<std::uint8_t> max_forwards() const;
  std::optional<std::uint32_t> expires() const;
  std::optional<std::size_t> content_length() const;
  std::optional<MediaType> content_type() const;
  std::optional<ContactList> contact() const;  // all Contact headers merged
  std::vector<NameAddr> routes(HeaderId id = HeaderId::route) const;  // Route, Record-Route, Path...
  std::vector<std::string_view> tokens(HeaderId id) const;           // Require, Supported, Allow...

  // Proxy step (RFC 3261 §16.6 item 3): decrements Max-Forwards, adding
  // "Max-Forwards: 70" instead when absent. False (and unchanged) at 0.
  bool decrement_max_forwards();

 private:
  std::vector<std::shared_ptr<const std::string>> storage_;
};

// The headers RFC 3261 §8.1.1 requires that `m` lacks: To, From, CSeq,
// Call-ID, Via, and Max-Forwards in requests. For the transaction layer
// (RFC 4475 §3.3.1): the codec itself accepts such messages.
std::vector<HeaderId> missing_required(const Message& m);
// The single-valued headers (no comma-list grammar in RFC 3261 §25) that
// appear more than once in `m`: To, From, CSeq, Call-ID, Max-Forwards,
// Content-Length, Content-Type, Expires, Min-Expires. The codec keeps every
// copy; a server answers such a request 400 (RFC 4475 §3.3.8).
std::vector<HeaderId> duplicated_single_valued(const Message& m);

// --- building ---------------------------------------------------------------
// A request with its start line only; add headers with append().
Message make_request(std::string_view method, std::string_view request_uri);
// A response to `request` per RFC 3261 §8.2.6.2: Via (all, in order), From,
// To, Call-ID and CSeq copied; a To tag added if `to_tag` is given and To has
// none (never for 100); Timestamp copied into 100 Trying (§8.2.6.1). An
// empty reason takes the RFC's phrase for the code.
Message make_response(const Message& request, std::uint16_t status, std::string_view reason = {},
                      std::string_view to_tag = {});
// "OK" for 200, "Not Found" for 404...; "" for codes without one.
std::string_view default_reason(std::uint16_t status);

// Canonical text: "Name: value" with registered headers under their full
// canonical names, wire order kept, Content-Length set to the body's size
// (added when missing, duplicates dropped). parse(serialize(m)) gives back
// m's start line, headers and body.
std::string serialize(const Message& m);

}  // namespace confab::sip
