// parse(): the strict decoder of one whole STUN message (RFC 8489 §5, §6,
// §14), plus the cheap demultiplexing and stream-framing helpers.
#include <algorithm>
#include <array>
#include <cstdio>

#include "stun/wire.hpp"

namespace confab::stun {
namespace {

DecodeError fail(DecodeErrorCode code, std::size_t offset, std::uint16_t attribute, std::string detail) {
  return DecodeError{code, offset, attribute, std::move(detail)};
}

std::size_t padded(std::size_t n) { return (n + 3) & ~std::size_t{3}; }

std::string hex32(std::uint32_t v) {
  char buf[11];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

// The CRC of everything before the FINGERPRINT at `at`, with the header
// length set as if the message ended right after it (RFC 8489 §14.7).
std::uint32_t fingerprint_at(ByteView bytes, std::size_t at) {
  std::array<std::uint8_t, header_size> header{};
  std::copy_n(bytes.begin(), header_size, header.begin());
  const std::size_t length = at - header_size + 8;
  header[2] = static_cast<std::uint8_t>(length >> 8);
  header[3] = static_cast<std::uint8_t>(length);
  return detail::fingerprint_value(header, bytes.subspan(header_size, at - header_size));
}

}  // namespace

Result<Message, DecodeError> parse(ByteView bytes) {
  using C = DecodeErrorCode;
  if (bytes.size() < header_size) {
    return unexpected(fail(C::too_short, 0, 0,
                           std::to_string(bytes.size()) + " bytes, a header takes 20"));
  }
  ByteReader r(bytes);
  const std::uint16_t type = *r.u16();
  const std::uint16_t length = *r.u16();
  // RFC 8489 §5: the two most significant bits are zero; RFC 7983 relies on
  // it to tell STUN from DTLS, RTP and ZRTP on one port.
  if ((type & 0xC000u) != 0) {
    return unexpected(fail(C::not_stun, 0, 0, "first byte " + std::to_string(bytes[0]) + " is above 3"));
  }
  if (length % 4 != 0) {
    return unexpected(fail(C::bad_length, 2, 0,
                           "length " + std::to_string(length) + " is not a multiple of 4"));
  }
  if (std::size_t{length} + header_size != bytes.size()) {
    return unexpected(fail(C::bad_length, 2, 0,
                           "length " + std::to_string(length) + " but " +
                               std::to_string(bytes.size() - header_size) + " bytes follow the header"));
  }

  Message m;
  m.raw = bytes;
  m.cls = detail::type_class(type);
  m.method = detail::type_method(type);
  m.cookie = *r.u32();
  auto id = *r.take(m.transaction_id.bytes.size());
  std::copy(id.begin(), id.end(), m.transaction_id.bytes.begin());

  // What may still follow: RFC 8489 §14.5-§14.7 fix the tail of a message as
  // [MESSAGE-INTEGRITY] [MESSAGE-INTEGRITY-SHA256] [FINGERPRINT].
  std::uint16_t integrity = 0;  // the last MI or MI-SHA256 seen, 0 if none
  bool seen_fingerprint = false;
  m.attributes.reserve(8);
  while (!r.empty()) {
    const std::size_t at = r.offset();
    auto atype = r.u16();
    auto alen = r.u16();
    if (!atype || !alen) {
      return unexpected(fail(C::truncated_attribute, at, 0,
                             std::to_string(r.remaining()) + " bytes left, an attribute header takes 4"));
    }
    if (r.remaining() < padded(*alen)) {
      return unexpected(fail(C::truncated_attribute, at, *atype,
                             "value of " + std::to_string(*alen) + " bytes (padded to " +
                                 std::to_string(padded(*alen)) + ") but " +
                                 std::to_string(r.remaining()) + " bytes left"));
    }
    ByteView value = *r.take(*alen);
    r.skip(padded(*alen) - *alen);  // padding content is ignored (RFC 8489 §14)

    if (seen_fingerprint) {
      return unexpected(fail(C::attribute_after_fingerprint, at, *atype,
                             "FINGERPRINT must be the last attribute"));
    }
    if (integrity != 0 && *atype != attr::fingerprint &&
        !(integrity == attr::message_integrity && *atype == attr::message_integrity_sha256)) {
      return unexpected(fail(C::attribute_after_integrity, at, *atype,
                             std::string("only ") +
                                 (integrity == attr::message_integrity ? "MESSAGE-INTEGRITY-SHA256 or " : "") +
                                 "FINGERPRINT may follow " + std::string(attr::name(integrity))));
    }
    if (auto problem = detail::validate_value(*atype, value)) {
      return unexpected(fail(C::bad_attribute_value, at + 4, *atype, std::move(*problem)));
    }
    m.attributes.push_back(RawAttribute{*atype, value, at});
    if (*atype == attr::message_integrity || *atype == attr::message_integrity_sha256) {
      integrity = *atype;
    } else if (*atype == attr::fingerprint) {
      seen_fingerprint = true;
      std::uint32_t expected = fingerprint_at(bytes, at);
      std::uint32_t got = *ByteReader(value).u32();
      if (got != expected) {
        return unexpected(fail(C::fingerprint_mismatch, at, *atype,
                               "computed " + hex32(expected) + ", attribute holds " + hex32(got)));
      }
    }
  }
  return m;
}

bool looks_like_stun(ByteView bytes) {
  if (bytes.size() < header_size || bytes[0] > 3) return false;
  ByteReader r(bytes);
  r.skip(2);
  std::uint16_t length = *r.u16();
  return length % 4 == 0 && std::size_t{length} + header_size == bytes.size() && *r.u32() == magic_cookie;
}

std::optional<std::size_t> stream_frame_size(ByteView buffer) {
  if (buffer.size() < header_size) return std::nullopt;
  return header_size + ((std::size_t{buffer[2]} << 8) | buffer[3]);
}

}  // namespace confab::stun
