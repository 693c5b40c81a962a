#pragma once
// The session description (RFC 8866 §5): every line type as a typed field,
// attributes in wire order with typed accessors for the ones calls use.
// parse() is strict about the grammar (§9) and the known attributes'
// values; serialize() writes canonical SDP (CRLF, one SP between fields)
// and parse(serialize(x)) == x for every x that parse() returned.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "sdp/attributes.hpp"
#include "sdp/crypto.hpp"
#include "sdp/decode_error.hpp"
#include "sdp/ice.hpp"

namespace confab::sdp {

// o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>
struct Origin {
  std::string username = "-";
  std::string session_id = "0";           // 1*DIGIT, kept as written (may exceed 64 bits)
  std::uint64_t session_version = 0;
  std::string nettype = "IN";
  std::string addrtype = "IP4";
  std::string address = "127.0.0.1";
  bool operator==(const Origin&) const = default;
};

// c=<nettype> <addrtype> <connection-address>; for multicast IP4
// "224.2.1.1/127/3" (TTL, number of addresses), IP6 "ff15::101/3".
struct Connection {
  std::string nettype = "IN";
  std::string addrtype = "IP4";
  std::string address;
  std::optional<std::uint8_t> ttl;           // IP4 multicast only
  std::optional<std::uint32_t> address_count;
  bool operator==(const Connection&) const = default;
};

// b=<bwtype>:<bandwidth>: AS, CT (kbit/s), TIAS (bit/s, RFC 3890), RS, RR...
struct Bandwidth {
  std::string type;
  std::uint64_t value = 0;
  bool operator==(const Bandwidth&) const = default;
};

// typed-time = 1*DIGIT [d / h / m / s] (RFC 8866 §5.10)
struct TypedTime {
  std::uint64_t value = 0;
  char unit = 0;  // 0 (seconds, no unit written), 'd', 'h', 'm' or 's'
  std::uint64_t seconds() const;
  bool operator==(const TypedTime&) const = default;
};

// r=<repeat interval> <active duration> <offsets from start-time>
struct Repeat {
  TypedTime interval;
  TypedTime duration;
  std::vector<TypedTime> offsets;  // at least one
  bool operator==(const Repeat&) const = default;
};

// One adjustment of z=<adjustment time> <offset> ...
struct ZoneAdjustment {
  std::uint64_t time = 0;
  bool negative = false;
  TypedTime offset;
  bool operator==(const ZoneAdjustment&) const = default;
};

// A time description: t= with its r= lines and the z= line after them.
struct Timing {
  std::uint64_t start = 0;  // NTP seconds; 0 0 is "unbounded" (every SIP call)
  std::uint64_t stop = 0;
  std::vector<Repeat> repeats;
  std::vector<ZoneAdjustment> zones;  // the z= line after this time description's r= lines
  bool operator==(const Timing&) const = default;
};

// a=<name>[:<value>]. Property attributes ("a=rtcp-mux") have no value.
struct Attribute {
  std::string name;
  std::optional<std::string> value;
  bool operator==(const Attribute&) const = default;
};

// Attribute lists with lookups by name (case-sensitive, as RFC 8866 §5.13
// registers them) and typed accessors. Invalid values are skipped by the
// typed accessors; parse() has already rejected them for parsed input.
struct AttributeList {
  std::vector<Attribute> attributes;

  const Attribute* find(std::string_view name) const;
  bool has(std::string_view name) const { return find(name) != nullptr; }
  std::vector<std::string_view> values(std::string_view name) const;
  void add(std::string name, std::optional<std::string> value = std::nullopt);
  std::size_t remove(std::string_view name);

  std::optional<Direction> direction() const;  // at this level only
  void set_direction(Direction d);             // replaces any direction attribute
  std::optional<std::string> ice_ufrag() const;
  std::optional<std::string> ice_pwd() const;
  std::vector<std::string> ice_options() const;
  std::vector<Group> groups() const;
  std::optional<Group> group(std::string_view semantics) const;  // "BUNDLE"
  std::vector<Extmap> extmaps() const;
  bool operator==(const AttributeList&) const = default;
};

// m=<media> <port>[/<number of ports>] <proto> <fmt> ... and its lines.
struct MediaDescription : AttributeList {
  std::string media = "audio";        // audio, video, text, application, message, or another token
  std::uint16_t port = 0;             // 0: rejected / removed (RFC 3264 §6, §8.2)
  std::optional<std::uint16_t> port_count;
  std::string proto = "RTP/AVP";      // RTP/AVP, RTP/SAVP, RTP/AVPF, RTP/SAVPF, UDP/TLS/RTP/SAVPF, udp...
  std::vector<std::string> formats;   // payload types for RTP protos ("0", "96"), tokens otherwise
  std::optional<std::string> title;   // i=
  std::vector<Connection> connections;  // c= (more than one only for layered multicast)
  std::vector<Bandwidth> bandwidths;
  std::optional<std::string> key;     // k= (obsolete, RFC 8866 §5.12; parsed, never used)

  bool is_rtp() const;     // proto is an RTP profile (RTP/AVP, .../SAVPF, UDP/TLS/RTP/SAVPF...)
  bool is_secure() const;  // RTP/SAVP, RTP/SAVPF, UDP/TLS/RTP/SAVP(F)
  bool has_feedback() const;  // AVPF or SAVPF
  std::vector<std::uint8_t> payload_types() const;  // the formats that are numbers 0..127

  // rtpmap for `pt`, or the RFC 3551 static mapping when there is none.
  std::optional<Rtpmap> rtpmap(std::uint8_t pt) const;
  std::vector<Rtpmap> rtpmaps() const;   // the a=rtpmap lines only
  std::optional<Fmtp> fmtp(std::string_view format) const;
  std::vector<Fmtp> fmtps() const;
  std::vector<RtcpFb> rtcp_fbs() const;
  std::vector<RtcpFb> rtcp_fbs(std::uint8_t pt) const;  // including "*"
  std::optional<Rtcp> rtcp() const;
  bool rtcp_mux() const { return has("rtcp-mux"); }
  std::optional<std::string> mid() const;
  std::vector<Candidate> candidates() const;
  bool end_of_candidates() const { return has("end-of-candidates"); }
  std::vector<Crypto> cryptos() const;
  std::vector<Ssrc> ssrcs() const;
  std::optional<double> ptime() const;
  std::optional<double> maxptime() const;
  bool operator==(const MediaDescription&) const = default;
};

struct SessionDescription : AttributeList {
  std::uint32_t version = 0;              // v=0
  Origin origin;
  std::string name = "-";                 // s= ("-" or " " when there is none; RFC 3264's own examples send it empty)
  std::optional<std::string> information;  // i=
  std::optional<std::string> uri;          // u=
  std::vector<std::string> emails;         // e=
  std::vector<std::string> phones;         // p=
  std::optional<Connection> connection;    // c=
  std::vector<Bandwidth> bandwidths;       // b=
  std::vector<Timing> times = {Timing{}};  // t= r= z= (at least one)
  std::optional<std::string> key;          // k=
  std::vector<MediaDescription> media;

  // The connection a media section uses: its own c= if any, else the session's.
  const Connection* connection_for(const MediaDescription& m) const;
  // The direction of a media section: media level, else session level, else sendrecv.
  Direction direction_of(const MediaDescription& m) const;
  // ICE credentials of a media section: media level, else session level.
  std::optional<std::string> ice_ufrag_for(const MediaDescription& m) const;
  std::optional<std::string> ice_pwd_for(const MediaDescription& m) const;
  bool ice_lite() const { return has("ice-lite"); }
  bool operator==(const SessionDescription&) const = default;
};

// Bounds a hostile peer cannot push the parser past.
struct Limits {
  std::size_t max_size = 65536;   // bytes of SDP (a SIP body over UDP is smaller)
  std::size_t max_lines = 2048;
  std::size_t max_media = 32;     // m= sections
};

// Strict parse of one session description. Lines end with CRLF (LF alone
// is accepted too, RFC 8866 §5; the last line's ending may be missing);
// the order of lines is RFC 8866 §9's; known attributes are checked
// against their grammar and level (see registry.cpp). Never throws.
Result<SessionDescription, DecodeError> parse(std::string_view text, const Limits& limits = {});
inline Result<SessionDescription, DecodeError> parse(ByteView bytes, const Limits& limits = {}) {
  return parse(as_chars(bytes), limits);
}

// Canonical text: CRLF line endings, one SP between fields, lines in the
// order of RFC 8866 §5, attributes in list order.
std::string serialize(const SessionDescription& sd);

// Checks one attribute against the registry (name, level, value grammar);
// the parser calls it for every a= line. Offsets are relative to the value.
std::optional<DecodeError> validate_attribute(const Attribute& a, bool session_level);

}  // namespace confab::sdp
