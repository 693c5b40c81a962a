// MessageBuilder: writes a STUN message attribute by attribute, padding each
// value to 4 bytes and keeping the header's length field equal to what has
// been written, so the integrity and fingerprint attributes can be computed
// over the message as it stands when they are added.
#include <algorithm>
#include <cassert>

#include "stun/wire.hpp"

namespace confab::stun {

MessageBuilder::MessageBuilder(MessageClass cls, std::uint16_t method, const TransactionId& id,
                               std::uint32_t cookie) {
  out_.reserve(128);
  ByteWriter w(out_);
  w.u16(detail::encode_type(cls, method));
  w.u16(0);
  w.u32(cookie);
  w.bytes(id.bytes);
}

void MessageBuilder::set_length(std::size_t length) {
  assert(length <= 0xFFFF && "a STUN message body is at most 65535 bytes");
  ByteWriter(out_).patch_u16(2, static_cast<std::uint16_t>(length));
}

void MessageBuilder::begin_attribute(std::uint16_t type, std::size_t length) {
  assert(length <= 0xFFFF && "an attribute value is at most 65535 bytes");
  attr_start_ = out_.size();
  ByteWriter w(out_);
  w.u16(type);
  w.u16(static_cast<std::uint16_t>(length));
}

void MessageBuilder::end_attribute() {
  const std::size_t value_length = out_.size() - attr_start_ - 4;
  out_.insert(out_.end(), (4 - value_length % 4) % 4, padding_byte_);
  set_length(out_.size() - header_size);
}

MessageBuilder& MessageBuilder::set_padding_byte(std::uint8_t b) {
  padding_byte_ = b;
  return *this;
}

MessageBuilder& MessageBuilder::add_raw(std::uint16_t type, ByteView value) {
  begin_attribute(type, value.size());
  ByteWriter(out_).bytes(value);
  end_attribute();
  return *this;
}

MessageBuilder& MessageBuilder::add_address(std::uint16_t type, const SocketAddress& a) {
  begin_attribute(type, 4 + a.ip.size());
  ByteWriter w(out_);
  detail::encode_address(w, a);
  end_attribute();
  return *this;
}

MessageBuilder& MessageBuilder::add_xor_address(std::uint16_t type, const SocketAddress& a) {
  // XOR with the header's own cookie and transaction ID (bytes 4..20).
  Bytes cookie_and_id(out_.begin() + 4, out_.begin() + header_size);
  return add_address(type, detail::xor_address(a, cookie_and_id));
}

MessageBuilder& MessageBuilder::add_string(std::uint16_t type, std::string_view s) {
  return add_raw(type, as_bytes(s));
}

MessageBuilder& MessageBuilder::add_u32(std::uint16_t type, std::uint32_t v) {
  begin_attribute(type, 4);
  ByteWriter(out_).u32(v);
  end_attribute();
  return *this;
}

MessageBuilder& MessageBuilder::add_u64(std::uint16_t type, std::uint64_t v) {
  begin_attribute(type, 8);
  ByteWriter w(out_);
  w.u32(static_cast<std::uint32_t>(v >> 32));
  w.u32(static_cast<std::uint32_t>(v));
  end_attribute();
  return *this;
}

MessageBuilder& MessageBuilder::add_flag(std::uint16_t type) {
  begin_attribute(type, 0);
  end_attribute();
  return *this;
}

MessageBuilder& MessageBuilder::add_error_code(std::uint16_t code, std::string_view reason) {
  // RFC 8489 §14.8: 21 reserved bits, the hundreds digit in 3 bits, then
  // the rest (0..99) in 8 bits, then the reason phrase.
  begin_attribute(attr::error_code, 4 + reason.size());
  ByteWriter w(out_);
  w.u16(0);
  w.u8(static_cast<std::uint8_t>((code / 100) & 0x07u));
  w.u8(static_cast<std::uint8_t>(code % 100));
  w.bytes(as_bytes(reason));
  end_attribute();
  return *this;
}

MessageBuilder& MessageBuilder::add_unknown_attributes(const std::vector<std::uint16_t>& types) {
  begin_attribute(attr::unknown_attributes, 2 * types.size());
  ByteWriter w(out_);
  for (std::uint16_t t : types) w.u16(t);
  end_attribute();
  return *this;
}

MessageBuilder& MessageBuilder::add_change_request(ChangeRequest r) {
  return add_u32(attr::change_request, (r.change_ip ? 0x4u : 0u) | (r.change_port ? 0x2u : 0u));
}

MessageBuilder& MessageBuilder::add_response_port(std::uint16_t port) {
  begin_attribute(attr::response_port, 4);
  ByteWriter w(out_);
  w.u16(port);
  w.u16(0);
  end_attribute();
  return *this;
}

MessageBuilder& MessageBuilder::add_padding(std::size_t length) {
  // RFC 5780 §7.6: the content is ignored; zeros.
  begin_attribute(attr::padding, length);
  ByteWriter(out_).zeros(length);
  end_attribute();
  return *this;
}

MessageBuilder& MessageBuilder::add_message_integrity(ByteView key) {
  // The MAC covers the header with the length already counting this
  // 24-byte attribute (RFC 8489 §14.5).
  set_length(out_.size() - header_size + 24);
  Bytes mac = detail::hmac(detail::Hmac::sha1, key, ByteView(out_).first(header_size),
                           ByteView(out_).subspan(header_size));
  mac.resize(20);  // zeros only if OpenSSL failed, which then fails verification
  return add_raw(attr::message_integrity, mac);
}

MessageBuilder& MessageBuilder::add_message_integrity_sha256(ByteView key, std::size_t truncate_to) {
  // §14.6: at least 16 bytes, at most 32, a multiple of 4.
  truncate_to = std::clamp<std::size_t>(truncate_to, 16, 32) & ~std::size_t{3};
  set_length(out_.size() - header_size + 4 + truncate_to);
  Bytes mac = detail::hmac(detail::Hmac::sha256, key, ByteView(out_).first(header_size),
                           ByteView(out_).subspan(header_size));
  mac.resize(truncate_to);
  return add_raw(attr::message_integrity_sha256, mac);
}

MessageBuilder& MessageBuilder::add_fingerprint() {
  set_length(out_.size() - header_size + 8);
  std::uint32_t crc = detail::fingerprint_value(ByteView(out_).first(header_size),
                                                ByteView(out_).subspan(header_size));
  return add_u32(attr::fingerprint, crc);
}

Bytes MessageBuilder::finish() && { return std::move(out_); }

}  // namespace confab::stun
