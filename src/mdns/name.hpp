#pragma once
// Domain names (RFC 1035 §3.1) as mDNS uses them: labels of arbitrary bytes
// (DNS-SD instance names hold spaces, dots and UTF-8: RFC 6763 §4.3),
// compared ASCII-case-insensitively (RFC 6762 §16), read with compression
// pointers and written with them.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "mdns/decode_error.hpp"

namespace confab::mdns {

inline constexpr std::size_t max_label_size = 63;
inline constexpr std::size_t max_name_wire_size = 255;

struct Name {
  std::vector<std::string> labels;  // without the root label

  Name() = default;
  explicit Name(std::vector<std::string> l) : labels(std::move(l)) {}
  // "Alice\.Smith._presence._tcp.local": dots separate labels, "\." and
  // "\\" escape them (DNS-SD presentation format, RFC 6763 §4.3).
  static Name parse(std::string_view dotted);
  // The reverse of parse(); the root is ".".
  std::string to_string() const;

  // `instance` + "_presence._tcp.local": the instance label kept whole.
  static Name service_instance(std::string_view instance, const Name& service_type);

  // Bytes on the wire without compression (labels + root): at most 255.
  std::size_t wire_size() const;
  bool is_valid() const;  // every label 1..63 bytes, wire size <= 255
  bool ends_with(const Name& suffix) const;  // case-insensitively
  // The name with its first n labels removed.
  Name parent(std::size_t n = 1) const;

  // ASCII case-insensitive, like every DNS comparison.
  bool operator==(const Name& other) const;
  // Canonical order of lower-cased labels; for maps keyed by name.
  bool operator<(const Name& other) const;
};

// Reads a name at `pos` (updated to just past it: past the first pointer if
// the name is compressed). Pointers must point strictly before the run of
// labels they continue, so loops and forward references are rejected.
Result<Name, DecodeError> read_name(ByteView message, std::size_t& pos);

// Writes names into a message being built, replacing any suffix already
// written with a pointer to it (RFC 1035 §4.1.4).
class NameCompressor {
 public:
  // `compress` false writes every label (RDATA types a peer may not know).
  void write(ByteWriter& out, const Name& name, bool compress = true);

 private:
  std::map<std::string, std::uint16_t> offsets_;  // lower-cased suffix "a.b.local" → offset
};

}  // namespace confab::mdns
