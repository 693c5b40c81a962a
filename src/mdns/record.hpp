#pragma once
// Questions and resource records (RFC 1035 §4.1.2-§4.1.3) with the RDATA
// types DNS-SD needs (RFC 6763: PTR, SRV, TXT, A, AAAA; RFC 6762 §6.1:
// NSEC), and the two mDNS uses of the class field's top bit (RFC 6762
// §5.4 unicast-response in questions, §10.2 cache-flush in records).
// Types the codec does not know keep their RDATA as opaque bytes.
#include <array>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "core/bytes.hpp"
#include "mdns/name.hpp"

namespace confab::mdns {

namespace type {
inline constexpr std::uint16_t a = 1;
inline constexpr std::uint16_t cname = 5;
inline constexpr std::uint16_t ptr = 12;
inline constexpr std::uint16_t hinfo = 13;
inline constexpr std::uint16_t txt = 16;
inline constexpr std::uint16_t aaaa = 28;
inline constexpr std::uint16_t srv = 33;
inline constexpr std::uint16_t opt = 41;
inline constexpr std::uint16_t nsec = 47;
inline constexpr std::uint16_t any = 255;
}  // namespace type
// "PTR", "SRV", ... or "TYPE65" (RFC 3597 §5).
std::string type_name(std::uint16_t t);

inline constexpr std::uint16_t class_in = 1;
inline constexpr std::uint16_t class_any = 255;

struct Question {
  Name name;
  std::uint16_t qtype = type::ptr;
  std::uint16_t qclass = class_in;
  bool unicast_response = false;  // QU (RFC 6762 §5.4)

  bool operator==(const Question&) const = default;
};

struct ARecord {
  std::array<std::uint8_t, 4> address{};
  bool operator==(const ARecord&) const = default;
};
struct AaaaRecord {
  std::array<std::uint8_t, 16> address{};
  bool operator==(const AaaaRecord&) const = default;
};
struct PtrRecord {
  Name target;
  bool operator==(const PtrRecord&) const = default;
};
struct SrvRecord {
  std::uint16_t priority = 0;
  std::uint16_t weight = 0;
  std::uint16_t port = 0;
  Name target;
  bool operator==(const SrvRecord&) const = default;
};
// Character-strings, each at most 255 bytes (RFC 6763 §6: key=value items).
struct TxtRecord {
  std::vector<std::string> strings;
  bool operator==(const TxtRecord&) const = default;
};
// RFC 4034 §4; mDNS uses it to say "no other types for this name" (RFC 6762 §6.1).
struct NsecRecord {
  Name next;
  std::vector<std::uint16_t> types;  // ascending, no duplicates
  bool operator==(const NsecRecord&) const = default;
};
struct OpaqueRecord {
  Bytes data;
  bool operator==(const OpaqueRecord&) const = default;
};

using RData = std::variant<ARecord, AaaaRecord, PtrRecord, SrvRecord, TxtRecord, NsecRecord, OpaqueRecord>;

struct Record {
  Name name;
  std::uint16_t rtype = type::a;
  std::uint16_t rclass = class_in;
  bool cache_flush = false;  // RFC 6762 §10.2: the sender owns every record of this name and type
  std::uint32_t ttl = 120;
  RData data;

  // Same name, type and class (a "record set"), and same data: what known-
  // answer suppression and cache updates compare (TTL and cache-flush aside).
  bool same_record(const Record& other) const;
  bool operator==(const Record&) const = default;
};

// The RDATA in canonical uncompressed form: what the simultaneous-probe
// tiebreak compares (RFC 6762 §8.2).
Bytes canonical_rdata(const Record& r);
// The type a record's data implies (rtype is kept apart for opaque types).
std::uint16_t type_of(const RData& d);

}  // namespace confab::mdns
