#pragma once
// Typed values of the a= attributes a call needs. Each has a parser of the
// attribute *value* (the text after "name:") returning the struct or a
// DecodeError whose offset is relative to the value, and `to_value()`
// writing the canonical value back: parse_x(to_value(x)) == x.
//
//   rtpmap      RFC 8866 §6.6    "96 opus/48000/2"
//   fmtp        RFC 8866 §6.15   "96 useinbandfec=1;minptime=10"
//   rtcp        RFC 3605 §2.1    "53020" / "53020 IN IP4 126.16.64.4"
//   rtcp-fb     RFC 4585 §4.2    "96 nack pli" / "* ccm fir" / "96 trr-int 100"
//   group       RFC 5888 §5      "BUNDLE 0 1" (RFC 9143)
//   ssrc        RFC 5576 §4.1    "777379316 cname:Dl+cb/nGYCzEcTvH"
//   extmap      RFC 8285 §8      "1 urn:ietf:params:rtp-hdrext:ssrc-audio-level"
//   ptime, maxptime  RFC 8866 §6.4, §6.5  "20" / "0.5"
//   sendrecv, sendonly, recvonly, inactive  RFC 8866 §6.7
// ICE attributes are in ice.hpp, SDES crypto in crypto.hpp.
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "sdp/decode_error.hpp"

namespace confab::sdp {

// a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding parameters>]
struct Rtpmap {
  std::uint8_t payload_type = 0;   // 0..127
  std::string encoding;            // "opus", "VP8", "PCMU", "telephone-event"
  std::uint32_t clock_rate = 0;    // Hz
  std::optional<std::uint32_t> channels;  // audio encoding parameter; absent means 1
  std::uint32_t channel_count() const { return channels.value_or(1); }
  bool operator==(const Rtpmap&) const = default;
};
Result<Rtpmap, DecodeError> parse_rtpmap(std::string_view value);
std::string to_value(const Rtpmap& r);

// The static payload types of RFC 3551 §6 (PCMU 0, GSM 3, G723 4, PCMA 8,
// G722 9, CN 13, G729 18, H261 31, MPV 32, H263 34...), for m-lines that
// use them without an rtpmap. nullopt for dynamic or unassigned types.
std::optional<Rtpmap> static_rtpmap(std::uint8_t payload_type);

// a=fmtp:<format> <format specific parameters>
struct FmtpParam {
  std::string name;   // "useinbandfec", "minptime"; for "0-15" (telephone-event) the whole text
  std::string value;  // empty when the item has no "="
  bool operator==(const FmtpParam&) const = default;
};
struct Fmtp {
  std::string format;      // the payload type for RTP ("96"), any token otherwise
  std::string parameters;  // verbatim: "useinbandfec=1;minptime=10"
  // The ";"-separated items as name=value pairs, whitespace around them
  // dropped, names as written (compare them case-insensitively).
  std::vector<FmtpParam> params() const;
  // The value of `name` (case-insensitive), nullopt when absent.
  std::optional<std::string> param(std::string_view name) const;
  bool operator==(const Fmtp&) const = default;
};
Result<Fmtp, DecodeError> parse_fmtp(std::string_view value);
std::string to_value(const Fmtp& f);

// a=rtcp:<port> [<nettype> <addrtype> <connection-address>]  (RFC 3605)
struct Rtcp {
  std::uint16_t port = 0;
  std::string nettype;   // empty when no address is given
  std::string addrtype;
  std::string address;
  bool operator==(const Rtcp&) const = default;
};
Result<Rtcp, DecodeError> parse_rtcp(std::string_view value);
std::string to_value(const Rtcp& r);

// a=rtcp-fb:<payload type or *> <type> [<parameters>]  (RFC 4585 §4.2)
struct RtcpFb {
  std::string payload_type;  // "96" or "*"
  std::string type;          // "nack", "ccm", "ack", "trr-int", "goog-remb", "transport-cc"
  std::string parameter;     // "pli", "fir", "100"...; empty when none
  bool applies_to(std::uint8_t pt) const;
  // "nack pli", "ccm fir", "goog-remb": type and parameter as one string.
  std::string feedback() const { return parameter.empty() ? type : type + " " + parameter; }
  bool operator==(const RtcpFb&) const = default;
};
Result<RtcpFb, DecodeError> parse_rtcp_fb(std::string_view value);
std::string to_value(const RtcpFb& r);

// a=group:<semantics> *(SP <identification-tag>)  (RFC 5888 §5)
struct Group {
  std::string semantics;          // "BUNDLE", "LS", "FID"
  std::vector<std::string> mids;  // identification tags, in order
  bool operator==(const Group&) const = default;
};
Result<Group, DecodeError> parse_group(std::string_view value);
std::string to_value(const Group& g);

// a=mid:<identification-tag>  (RFC 5888 §4): a token
std::optional<DecodeError> validate_mid(std::string_view value);

// a=ssrc:<ssrc-id> <attribute>[:<value>]  (RFC 5576 §4.1)
struct Ssrc {
  std::uint32_t ssrc = 0;
  std::string attribute;               // "cname", "msid", "label"
  std::optional<std::string> value;    // after the first ':'
  bool operator==(const Ssrc&) const = default;
};
Result<Ssrc, DecodeError> parse_ssrc(std::string_view value);
std::string to_value(const Ssrc& s);

enum class Direction : std::uint8_t { sendrecv, sendonly, recvonly, inactive };
const char* to_string(Direction d);
std::optional<Direction> direction_from(std::string_view attribute_name);
inline bool sends(Direction d) { return d == Direction::sendrecv || d == Direction::sendonly; }
inline bool receives(Direction d) { return d == Direction::sendrecv || d == Direction::recvonly; }
Direction make_direction(bool send, bool recv);
// The other side's view: sendonly <-> recvonly.
Direction reverse(Direction d);

// a=extmap:<id>[/<direction>] <URI> [<extension attributes>]  (RFC 8285 §8)
struct Extmap {
  std::uint16_t id = 0;                  // 1..14 (one-byte), 1..255 (two-byte), 4096..4351 (negotiation)
  std::optional<Direction> direction;
  std::string uri;
  std::string attributes;                // verbatim, empty when none
  bool operator==(const Extmap&) const = default;
};
Result<Extmap, DecodeError> parse_extmap(std::string_view value);
std::string to_value(const Extmap& e);

// a=ptime / a=maxptime: milliseconds, an integer or a decimal ("20", "0.5"), non-zero.
Result<double, DecodeError> parse_ptime(std::string_view value);

}  // namespace confab::sdp
