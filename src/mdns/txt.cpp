#include "mdns/txt.hpp"

#include "core/text.hpp"

namespace confab::mdns {

namespace {
bool valid_key(std::string_view k) {
  if (k.empty() || k.size() > 255) return false;
  for (char c : k)
    if (c < 0x20 || c > 0x7E || c == '=') return false;
  return true;
}
}  // namespace

TxtAttributes TxtAttributes::from_record(const TxtRecord& r) {
  TxtAttributes out;
  for (const auto& s : r.strings) {
    const auto eq = s.find('=');
    std::string key = s.substr(0, eq);
    if (!valid_key(key) || out.has(key)) continue;  // §6.4: later duplicates are ignored
    out.entries_.push_back({std::move(key), eq == std::string::npos ? std::nullopt
                                                                     : std::optional<std::string>(s.substr(eq + 1))});
  }
  return out;
}

TxtRecord TxtAttributes::to_record() const {
  TxtRecord r;
  for (const auto& e : entries_) {
    std::string s = e.key;
    if (e.value) s += "=" + *e.value;
    if (s.size() > 255) s.resize(255);  // one character-string; a value this long is cut
    r.strings.push_back(std::move(s));
  }
  if (r.strings.empty()) r.strings.emplace_back();  // RFC 6763 §6.1: never zero bytes
  return r;
}

void TxtAttributes::set(std::string_view key, std::string_view value) {
  if (!valid_key(key)) return;
  for (auto& e : entries_) {
    if (ascii_lower(e.key) == ascii_lower(key)) {
      e.value = std::string(value);
      return;
    }
  }
  entries_.push_back({std::string(key), std::string(value)});
}

std::optional<std::string> TxtAttributes::get(std::string_view key) const {
  for (const auto& e : entries_)
    if (ascii_lower(e.key) == ascii_lower(key)) return e.value ? *e.value : std::string();
  return std::nullopt;
}

bool TxtAttributes::has(std::string_view key) const {
  for (const auto& e : entries_)
    if (ascii_lower(e.key) == ascii_lower(key)) return true;
  return false;
}

}  // namespace confab::mdns
