// The parsed Message view: its header fields and typed accessors. parse()
// has validated every known attribute already; the accessors still check
// lengths so that calling one on an attribute of another kind is harmless.
#include "core/text.hpp"
#include "stun/message.hpp"

#include <algorithm>

#include "stun/hex_name.hpp"
#include "stun/wire.hpp"

namespace confab::stun {

const char* to_string(MessageClass c) {
  switch (c) {
    case MessageClass::request: return "request";
    case MessageClass::indication: return "indication";
    case MessageClass::success_response: return "success response";
    case MessageClass::error_response: return "error response";
  }
  return "unknown class";
}

namespace {
constexpr std::size_t method_stride = 7;  // "0x0abc" + NUL: handed out as C strings
constexpr auto method_hex_names = detail::make_hex_names<0x1000, 4, method_stride>();
}  // namespace

const char* method_name(std::uint16_t m) {
  switch (m) {
    case method::binding: return "Binding";
    case method::allocate: return "Allocate";
    case method::refresh: return "Refresh";
    case method::send: return "Send";
    case method::data: return "Data";
    case method::create_permission: return "CreatePermission";
    case method::channel_bind: return "ChannelBind";
    default: break;
  }
  return method_hex_names.data() + std::size_t{m & 0x0FFFu} * method_stride;
}

TransactionId TransactionId::random(Rng& rng) {
  TransactionId id;
  rng.fill(id.bytes);
  return id;
}

std::string TransactionId::to_hex() const { return confab::to_hex(bytes); }

namespace detail {

std::uint16_t encode_type(MessageClass cls, std::uint16_t method) {
  auto c = static_cast<unsigned>(cls);
  unsigned m = method & 0x0FFFu;
  return static_cast<std::uint16_t>((m & 0x000Fu) | ((c & 1u) << 4) | ((m & 0x0070u) << 1) |
                                    ((c & 2u) << 7) | ((m & 0x0F80u) << 2));
}

MessageClass type_class(std::uint16_t type) {
  return static_cast<MessageClass>(((type >> 4) & 1u) | ((type >> 7) & 2u));
}

std::uint16_t type_method(std::uint16_t type) {
  return static_cast<std::uint16_t>((type & 0x000Fu) | ((type >> 1) & 0x0070u) | ((type >> 2) & 0x0F80u));
}

}  // namespace detail

const RawAttribute* Message::find(std::uint16_t type) const {
  auto it = std::find_if(attributes.begin(), attributes.end(),
                         [type](const RawAttribute& a) { return a.type == type; });
  return it == attributes.end() ? nullptr : &*it;
}

std::optional<SocketAddress> Message::address(std::uint16_t type) const {
  const RawAttribute* a = find(type);
  if (a == nullptr) return std::nullopt;
  auto decoded = detail::decode_address(a->value);
  if (!decoded) return std::nullopt;
  return *decoded;
}

std::optional<SocketAddress> Message::xor_address(std::uint16_t type) const {
  // RFC 3489 had no magic cookie to XOR with: a classic message's XOR-*
  // attributes mean nothing.
  if (is_classic() || raw.size() < header_size) return std::nullopt;
  auto plain = address(type);
  if (!plain) return std::nullopt;
  return detail::xor_address(*plain, raw.subspan(4, 16));
}

std::optional<std::string_view> Message::string(std::uint16_t type) const {
  const RawAttribute* a = find(type);
  if (a == nullptr) return std::nullopt;
  return as_chars(a->value);
}

std::optional<std::uint32_t> Message::u32(std::uint16_t type) const {
  const RawAttribute* a = find(type);
  if (a == nullptr || a->value.size() != 4) return std::nullopt;
  return ByteReader(a->value).u32();
}

std::optional<std::uint64_t> Message::u64(std::uint16_t type) const {
  const RawAttribute* a = find(type);
  if (a == nullptr || a->value.size() != 8) return std::nullopt;
  ByteReader r(a->value);
  std::uint64_t hi = *r.u32();
  return (hi << 32) | *r.u32();
}

std::optional<std::uint16_t> Message::response_port() const {
  // RFC 5780 §7.5: the port, then two bytes of padding.
  const RawAttribute* a = find(attr::response_port);
  if (a == nullptr || a->value.size() != 4) return std::nullopt;
  return ByteReader(a->value).u16();
}

std::optional<ChangeRequest> Message::change_request() const {
  // RFC 5780 §7.2: bit 0x4 is "change IP", bit 0x2 "change port".
  auto v = u32(attr::change_request);
  if (!v) return std::nullopt;
  return ChangeRequest{(*v & 0x4u) != 0, (*v & 0x2u) != 0};
}

std::optional<ErrorCode> Message::error_code() const {
  const RawAttribute* a = find(attr::error_code);
  if (a == nullptr || a->value.size() < 4) return std::nullopt;
  ErrorCode e;
  e.code = static_cast<std::uint16_t>((a->value[2] & 0x07u) * 100u + a->value[3]);
  e.reason = std::string(as_chars(a->value.subspan(4)));
  return e;
}

std::vector<std::uint16_t> Message::unknown_attributes() const {
  std::vector<std::uint16_t> out;
  const RawAttribute* a = find(attr::unknown_attributes);
  if (a == nullptr) return out;
  ByteReader r(a->value);
  while (auto t = r.u16()) out.push_back(*t);
  return out;
}

std::vector<std::uint16_t> Message::unknown_comprehension_required() const {
  std::vector<std::uint16_t> out;
  for (const RawAttribute& a : attributes) {
    if (attr::is_comprehension_required(a.type) && !attr::is_known(a.type) &&
        std::find(out.begin(), out.end(), a.type) == out.end()) {
      out.push_back(a.type);
    }
  }
  return out;
}

}  // namespace confab::stun
