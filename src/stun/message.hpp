#pragma once
// STUN messages (RFC 8489, RFC 5780, RFC 3489 classic): parse and build.
//
// A parsed Message is a *view*: its attributes point into the buffer given to
// parse(), which must outlive it. That keeps the reflector's hot path free of
// copies. Build messages with MessageBuilder.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/address.hpp"
#include "core/bytes.hpp"
#include "core/result.hpp"
#include "core/rng.hpp"
#include "stun/attributes.hpp"
#include "stun/decode_error.hpp"

namespace confab::stun {

inline constexpr std::uint32_t magic_cookie = 0x2112A442;
inline constexpr std::size_t header_size = 20;

enum class MessageClass : std::uint8_t { request = 0, indication = 1, success_response = 2, error_response = 3 };
const char* to_string(MessageClass c);

namespace method {
inline constexpr std::uint16_t binding = 0x001;
inline constexpr std::uint16_t allocate = 0x003;
inline constexpr std::uint16_t refresh = 0x004;
inline constexpr std::uint16_t send = 0x006;
inline constexpr std::uint16_t data = 0x007;
inline constexpr std::uint16_t create_permission = 0x008;
inline constexpr std::uint16_t channel_bind = 0x009;
}  // namespace method
const char* method_name(std::uint16_t method);  // "Binding", ... or "0x0abc"

struct TransactionId {
  std::array<std::uint8_t, 12> bytes{};
  static TransactionId random(Rng& rng);
  auto operator<=>(const TransactionId&) const = default;
  bool operator==(const TransactionId&) const = default;
  std::string to_hex() const;
};

struct RawAttribute {
  std::uint16_t type = 0;
  ByteView value;           // without padding
  std::size_t offset = 0;   // of the attribute header within Message::raw
};

struct ChangeRequest {
  bool change_ip = false;
  bool change_port = false;
};

struct ErrorCode {
  std::uint16_t code = 0;  // 300..699
  std::string reason;
};

struct Message {
  MessageClass cls = MessageClass::request;
  std::uint16_t method = method::binding;
  // RFC 3489 clients put random bytes where the magic cookie goes; such a
  // message is "classic" and its transaction ID is cookie + transaction_id.
  std::uint32_t cookie = magic_cookie;
  TransactionId transaction_id;
  std::vector<RawAttribute> attributes;  // wire order
  ByteView raw;                          // the whole message as parsed

  bool is_classic() const { return cookie != magic_cookie; }

  // The first attribute of that type, if any.
  const RawAttribute* find(std::uint16_t type) const;
  bool has(std::uint16_t type) const { return find(type) != nullptr; }

  // Typed accessors. parse() has already validated every known attribute, so
  // these only return nullopt when the attribute is absent.
  std::optional<SocketAddress> address(std::uint16_t type) const;      // MAPPED-ADDRESS style
  std::optional<SocketAddress> xor_address(std::uint16_t type) const;  // XOR-MAPPED-ADDRESS style
  std::optional<std::string_view> string(std::uint16_t type) const;    // USERNAME, REALM, NONCE, SOFTWARE...
  std::optional<std::uint32_t> u32(std::uint16_t type) const;          // PRIORITY, LIFETIME, FINGERPRINT...
  std::optional<std::uint64_t> u64(std::uint16_t type) const;          // ICE-CONTROLLING/ED
  std::optional<std::uint16_t> response_port() const;
  std::optional<ChangeRequest> change_request() const;
  std::optional<ErrorCode> error_code() const;
  std::vector<std::uint16_t> unknown_attributes() const;  // the UNKNOWN-ATTRIBUTES attribute's list

  // Comprehension-required attributes (type < 0x8000) this codec does not
  // know: a server answers a request carrying any with 420 (RFC 8489 §6.3.1).
  std::vector<std::uint16_t> unknown_comprehension_required() const;
};

// Strict parse of one whole STUN message (a UDP datagram, or one frame from a
// TCP stream). Checks: the two leading zero bits, length a multiple of 4 and
// equal to the bytes given, every attribute inside the message, known
// attributes well-formed (address families, lengths, string limits), nothing
// but MESSAGE-INTEGRITY-SHA256/FINGERPRINT after MESSAGE-INTEGRITY, nothing
// but FINGERPRINT after MESSAGE-INTEGRITY-SHA256, nothing after FINGERPRINT,
// and a FINGERPRINT that is present must be correct. Padding bytes are
// ignored. Never throws; never reads outside `bytes`.
Result<Message, DecodeError> parse(ByteView bytes);

// Cheap demultiplexing test (RFC 7983 first byte, cookie, length): true when
// `bytes` looks like a STUN message with the magic cookie.
bool looks_like_stun(ByteView bytes);

// On a stream transport: how many bytes the STUN message at the front of
// `buffer` occupies, or nullopt if fewer than 20 bytes are buffered yet.
std::optional<std::size_t> stream_frame_size(ByteView buffer);

// Integrity. `key` is from short_term_key()/long_term_key() in credentials.hpp.
// Both recompute the HMAC over the message up to the attribute, with the
// header length adjusted as RFC 8489 §14.5/§14.6 require; constant-time compare.
bool verify_message_integrity(const Message& m, ByteView key);
bool verify_message_integrity_sha256(const Message& m, ByteView key);

// Builds a message attribute by attribute, padding each to 4 bytes and keeping
// the header length right; integrity and fingerprint are computed over what
// has been added so far, so add them last (MI, then MI-SHA256, then FINGERPRINT).
class MessageBuilder {
 public:
  MessageBuilder(MessageClass cls, std::uint16_t method, const TransactionId& id,
                 std::uint32_t cookie = magic_cookie);

  MessageBuilder& add_raw(std::uint16_t type, ByteView value);
  MessageBuilder& add_address(std::uint16_t type, const SocketAddress& a);
  MessageBuilder& add_xor_address(std::uint16_t type, const SocketAddress& a);
  MessageBuilder& add_string(std::uint16_t type, std::string_view s);
  MessageBuilder& add_u32(std::uint16_t type, std::uint32_t v);
  MessageBuilder& add_u64(std::uint16_t type, std::uint64_t v);
  MessageBuilder& add_flag(std::uint16_t type);  // zero-length (USE-CANDIDATE, DONT-FRAGMENT)
  MessageBuilder& add_error_code(std::uint16_t code, std::string_view reason);
  MessageBuilder& add_unknown_attributes(const std::vector<std::uint16_t>& types);
  MessageBuilder& add_change_request(ChangeRequest r);
  MessageBuilder& add_response_port(std::uint16_t port);
  MessageBuilder& add_padding(std::size_t length);
  MessageBuilder& add_message_integrity(ByteView key);
  MessageBuilder& add_message_integrity_sha256(ByteView key, std::size_t truncate_to = 32);
  MessageBuilder& add_fingerprint();

  // The byte that pads attribute values to 4 bytes for attributes added from
  // now on. Zero by default (RFC 8489 §14 lets it be anything; receivers
  // ignore it); RFC 5769's vectors pad with 0x20, so tests reproducing them
  // byte for byte set it.
  MessageBuilder& set_padding_byte(std::uint8_t b);

  std::size_t size() const { return len_; }
  Bytes finish() &&;
  // For chains (`MessageBuilder(...).add_x(...).finish()`): the add_* calls
  // return an lvalue, so the chain ends here with a copy of the buffer.
  Bytes finish() const& { return Bytes(out_.begin(), out_.begin() + static_cast<std::ptrdiff_t>(len_)); }

 private:
  void begin_attribute(std::uint16_t type, std::size_t length);
  void end_attribute();
  void set_length(std::size_t length);
  // Bytes are written through a pointer into `out_`, which is kept larger
  // than needed (grown geometrically) and cut to `len_` by finish(): a
  // vector insert per field cost more than the rest of the reflector.
  std::uint8_t* grow(std::size_t n);
  Bytes out_;
  std::size_t len_ = 0;
  std::size_t attr_start_ = 0;
  std::uint8_t padding_byte_ = 0;
};

}  // namespace confab::stun
