#pragma once
// Parsing whole SIP messages (RFC 3261 §7, §18.3) and framing them on
// stream transports (TCP/TLS), with RFC 5626 §3.5.1 CRLF keep-alives.
#include <cstddef>
#include <optional>
#include <string>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "sip/decode_error.hpp"
#include "sip/message.hpp"

namespace confab::sip {

// Bounds a hostile peer cannot push the parser past.
struct Limits {
  std::size_t max_message_size = 65535;  // headers + body; UDP's ceiling
  std::size_t max_headers = 128;         // header lines (a folded header counts once)
};

// Strict parse of one whole message (a UDP datagram, or one frame from
// frame_size()). CRLFs before the start line are skipped (RFC 3261 §7.5).
// Without Content-Length the body is the rest of the input (allowed on UDP,
// §18.3); with it, the body is that many bytes and any bytes after it are
// discarded (RFC 4475 §3.1.1.8), and fewer bytes are an error. Registered
// headers are checked against their grammar (validate_header()). Never
// throws; never reads outside the input.
Result<Message, DecodeError> parse(ByteView bytes, const Limits& limits = {});
// Same, taking ownership of the bytes instead of copying them.
Result<Message, DecodeError> parse(std::string&& bytes, const Limits& limits = {});

enum class FrameKind : std::uint8_t {
  message,  // a SIP message of `size` bytes
  ping,     // "\r\n\r\n": answer with a pong (RFC 5626 §3.5.1)
  pong,     // "\r\n": the answer to our ping
};
struct Frame {
  FrameKind kind = FrameKind::message;
  std::size_t size = 0;
};

// How many bytes at the front of a stream buffer make the next frame, or
// nullopt if more bytes are needed. A message needs its empty line and a
// Content-Length (mandatory on streams, RFC 3261 §18.3); the framer reads
// only the header section, the full check is parse() of the frame.
// A lone "\r\n" is ambiguous (a pong, or half a ping): it is a pong when
// `lone_crlf_is_pong` (the side that sent pings), else more bytes are
// awaited. Errors: headers longer than the limit, a bad or missing
// Content-Length, a message over the limit; the connection should close.
Result<std::optional<Frame>, DecodeError> frame_size(ByteView buffered, const Limits& limits = {},
                                                     bool lone_crlf_is_pong = false);

}  // namespace confab::sip
