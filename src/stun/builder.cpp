// MessageBuilder: writes a STUN message attribute by attribute, padding each
// value to 4 bytes and keeping the header's length field equal to what has
// been written, so the integrity and fingerprint attributes can be computed
// over the message as it stands when they are added.
#include <algorithm>
#include <array>
#include <cassert>
#include <cstring>

#include "stun/wire.hpp"

namespace confab::stun {

namespace {

void put16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}

void put32(std::uint8_t* p, std::uint32_t v) {
  put16(p, static_cast<std::uint16_t>(v >> 16));
  put16(p + 2, static_cast<std::uint16_t>(v));
}

}  // namespace

MessageBuilder::MessageBuilder(MessageClass cls, std::uint16_t method, const TransactionId& id,
                               std::uint32_t cookie) {
  out_.resize(128);  // a typical response fits: one allocation per message
  std::uint8_t* p = grow(header_size);
  put16(p, detail::encode_type(cls, method));
  put16(p + 2, 0);
  put32(p + 4, cookie);
  std::memcpy(p + 8, id.bytes.data(), id.bytes.size());
}

std::uint8_t* MessageBuilder::grow(std::size_t n) {
  if (len_ + n > out_.size()) out_.resize(std::max(len_ + n, 2 * out_.size()));
  std::uint8_t* p = out_.data() + len_;
  len_ += n;
  return p;
}

void MessageBuilder::set_length(std::size_t length) {
  assert(length <= 0xFFFF && "a STUN message body is at most 65535 bytes");
  put16(out_.data() + 2, static_cast<std::uint16_t>(length));
}

void MessageBuilder::begin_attribute(std::uint16_t type, std::size_t length) {
  assert(length <= 0xFFFF && "an attribute value is at most 65535 bytes");
  attr_start_ = len_;
  std::uint8_t* p = grow(4);
  put16(p, type);
  put16(p + 2, static_cast<std::uint16_t>(length));
}

void MessageBuilder::end_attribute() {
  const std::size_t value_length = len_ - attr_start_ - 4;
  const std::size_t pad = (4 - value_length % 4) % 4;
  if (pad) std::memset(grow(pad), padding_byte_, pad);
  set_length(len_ - header_size);
}

MessageBuilder& MessageBuilder::set_padding_byte(std::uint8_t b) {
  padding_byte_ = b;
  return *this;
}

MessageBuilder& MessageBuilder::add_raw(std::uint16_t type, ByteView value) {
  begin_attribute(type, value.size());
  if (!value.empty()) std::memcpy(grow(value.size()), value.data(), value.size());
  end_attribute();
  return *this;
}

MessageBuilder& MessageBuilder::add_address(std::uint16_t type, const SocketAddress& a) {
  begin_attribute(type, 4 + a.ip.size());
  detail::encode_address(grow(4 + a.ip.size()), a);
  end_attribute();
  return *this;
}

MessageBuilder& MessageBuilder::add_xor_address(std::uint16_t type, const SocketAddress& a) {
  // XOR with the header's own cookie and transaction ID (bytes 4..20).
  std::array<std::uint8_t, 16> cookie_and_id;
  std::memcpy(cookie_and_id.data(), out_.data() + 4, cookie_and_id.size());
  return add_address(type, detail::xor_address(a, cookie_and_id));
}

MessageBuilder& MessageBuilder::add_string(std::uint16_t type, std::string_view s) {
  return add_raw(type, as_bytes(s));
}

MessageBuilder& MessageBuilder::add_u32(std::uint16_t type, std::uint32_t v) {
  begin_attribute(type, 4);
  put32(grow(4), v);
  end_attribute();
  return *this;
}

MessageBuilder& MessageBuilder::add_u64(std::uint16_t type, std::uint64_t v) {
  begin_attribute(type, 8);
  std::uint8_t* p = grow(8);
  put32(p, static_cast<std::uint32_t>(v >> 32));
  put32(p + 4, static_cast<std::uint32_t>(v));
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
  std::uint8_t* p = grow(4);
  put16(p, 0);
  p[2] = static_cast<std::uint8_t>((code / 100) & 0x07u);
  p[3] = static_cast<std::uint8_t>(code % 100);
  if (!reason.empty()) std::memcpy(grow(reason.size()), reason.data(), reason.size());
  end_attribute();
  return *this;
}

MessageBuilder& MessageBuilder::add_unknown_attributes(const std::vector<std::uint16_t>& types) {
  begin_attribute(attr::unknown_attributes, 2 * types.size());
  for (std::uint16_t t : types) put16(grow(2), t);
  end_attribute();
  return *this;
}

MessageBuilder& MessageBuilder::add_change_request(ChangeRequest r) {
  return add_u32(attr::change_request, (r.change_ip ? 0x4u : 0u) | (r.change_port ? 0x2u : 0u));
}

MessageBuilder& MessageBuilder::add_response_port(std::uint16_t port) {
  begin_attribute(attr::response_port, 4);
  std::uint8_t* p = grow(4);
  put16(p, port);
  put16(p + 2, 0);
  end_attribute();
  return *this;
}

MessageBuilder& MessageBuilder::add_padding(std::size_t length) {
  // RFC 5780 §7.6: the content is ignored; zeros.
  begin_attribute(attr::padding, length);
  if (length) std::memset(grow(length), 0, length);
  end_attribute();
  return *this;
}

MessageBuilder& MessageBuilder::add_message_integrity(ByteView key) {
  // The MAC covers the header with the length already counting this
  // 24-byte attribute (RFC 8489 §14.5).
  set_length(len_ - header_size + 24);
  ByteView written(out_.data(), len_);
  Bytes mac = detail::hmac(detail::Hmac::sha1, key, written.first(header_size), written.subspan(header_size));
  mac.resize(20);  // zeros only if OpenSSL failed, which then fails verification
  return add_raw(attr::message_integrity, mac);
}

MessageBuilder& MessageBuilder::add_message_integrity_sha256(ByteView key, std::size_t truncate_to) {
  // §14.6: at least 16 bytes, at most 32, a multiple of 4.
  truncate_to = std::clamp<std::size_t>(truncate_to, 16, 32) & ~std::size_t{3};
  set_length(len_ - header_size + 4 + truncate_to);
  ByteView written(out_.data(), len_);
  Bytes mac = detail::hmac(detail::Hmac::sha256, key, written.first(header_size), written.subspan(header_size));
  mac.resize(truncate_to);
  return add_raw(attr::message_integrity_sha256, mac);
}

MessageBuilder& MessageBuilder::add_fingerprint() {
  set_length(len_ - header_size + 8);
  // Header and body are contiguous here: one CRC pass over both.
  std::uint32_t crc = detail::crc32_update(0, ByteView(out_.data(), len_)) ^ detail::fingerprint_xor;
  return add_u32(attr::fingerprint, crc);
}

Bytes MessageBuilder::finish() && {
  out_.resize(len_);
  return std::move(out_);
}

}  // namespace confab::stun
