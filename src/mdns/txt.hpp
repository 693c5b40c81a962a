#pragma once
// DNS-SD TXT record contents (RFC 6763 §6): "key=value" strings, keys
// case-insensitive printable ASCII without '=', the first occurrence of a
// key wins (§6.4), "key" alone is a boolean attribute present without a value.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mdns/record.hpp"

namespace confab::mdns {

struct TxtEntry {
  std::string key;
  std::optional<std::string> value;  // nullopt: "key" with no '='
  bool operator==(const TxtEntry&) const = default;
};

class TxtAttributes {
 public:
  TxtAttributes() = default;
  static TxtAttributes from_record(const TxtRecord& r);
  TxtRecord to_record() const;

  // Replaces the key's value (or adds it); an empty key or one with '=' is ignored.
  void set(std::string_view key, std::string_view value);
  std::optional<std::string> get(std::string_view key) const;
  bool has(std::string_view key) const;
  const std::vector<TxtEntry>& entries() const { return entries_; }
  bool operator==(const TxtAttributes&) const = default;

 private:
  std::vector<TxtEntry> entries_;
};

}  // namespace confab::mdns
