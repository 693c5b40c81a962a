// Names on the wire: labels, compression pointers, and the checks that keep
// a hostile packet from looping the reader or growing a name without bound.
#include "mdns/name.hpp"

#include <algorithm>

#include "core/text.hpp"

namespace confab::mdns {

namespace {

std::string lower_key(const std::vector<std::string>& labels, std::size_t from) {
  std::string key;
  for (std::size_t i = from; i < labels.size(); ++i) {
    // The length byte keeps "a.b" and "a\.b" apart.
    key.push_back(static_cast<char>(labels[i].size()));
    key += ascii_lower(labels[i]);
  }
  return key;
}

bool label_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

}  // namespace

Name Name::parse(std::string_view dotted) {
  Name n;
  std::string label;
  bool escaped = false;
  for (char c : dotted) {
    if (escaped) {
      label.push_back(c);
      escaped = false;
    } else if (c == '\\') {
      escaped = true;
    } else if (c == '.') {
      if (!label.empty()) n.labels.push_back(std::move(label));
      label.clear();
    } else {
      label.push_back(c);
    }
  }
  if (!label.empty()) n.labels.push_back(std::move(label));
  return n;
}

std::string Name::to_string() const {
  if (labels.empty()) return ".";
  std::string out;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i) out.push_back('.');
    for (char c : labels[i]) {
      if (c == '.' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
  }
  return out;
}

Name Name::service_instance(std::string_view instance, const Name& service_type) {
  Name n;
  n.labels.emplace_back(instance);
  n.labels.insert(n.labels.end(), service_type.labels.begin(), service_type.labels.end());
  return n;
}

std::size_t Name::wire_size() const {
  std::size_t n = 1;
  for (const auto& l : labels) n += 1 + l.size();
  return n;
}

bool Name::is_valid() const {
  for (const auto& l : labels)
    if (l.empty() || l.size() > max_label_size) return false;
  return wire_size() <= max_name_wire_size;
}

bool Name::ends_with(const Name& suffix) const {
  if (suffix.labels.size() > labels.size()) return false;
  const std::size_t skip = labels.size() - suffix.labels.size();
  for (std::size_t i = 0; i < suffix.labels.size(); ++i)
    if (!label_equal(labels[skip + i], suffix.labels[i])) return false;
  return true;
}

Name Name::parent(std::size_t n) const {
  if (n >= labels.size()) return {};
  return Name(std::vector<std::string>(labels.begin() + static_cast<std::ptrdiff_t>(n), labels.end()));
}

bool Name::operator==(const Name& other) const {
  if (labels.size() != other.labels.size()) return false;
  for (std::size_t i = 0; i < labels.size(); ++i)
    if (!label_equal(labels[i], other.labels[i])) return false;
  return true;
}

bool Name::operator<(const Name& other) const {
  // Label by label, lower-cased: "alice..." before "bob..." (a display order too).
  const std::size_t n = std::min(labels.size(), other.labels.size());
  for (std::size_t i = 0; i < n; ++i) {
    const auto a = ascii_lower(labels[i]);
    const auto b = ascii_lower(other.labels[i]);
    if (a != b) return a < b;
  }
  return labels.size() < other.labels.size();
}

Result<Name, DecodeError> read_name(ByteView message, std::size_t& pos) {
  Name name;
  std::size_t cur = pos;
  std::size_t run_start = pos;  // where the labels being read began; pointers must go below it
  std::size_t wire = 1;
  bool jumped = false;
  auto fail = [&](DecodeErrorCode code, std::size_t at, std::string detail) {
    return unexpected(DecodeError{code, at, Section::header, 0, std::move(detail)});
  };
  for (;;) {
    if (cur >= message.size()) return fail(DecodeErrorCode::truncated_name, cur, "label length past the end");
    const std::uint8_t len = message[cur];
    if (len == 0) {
      ++cur;
      break;
    }
    const std::uint8_t kind = len & 0xC0;
    if (kind == 0xC0) {
      if (cur + 1 >= message.size()) return fail(DecodeErrorCode::truncated_name, cur, "pointer cut short");
      const std::size_t target = (std::size_t{len & 0x3Fu} << 8) | message[cur + 1];
      if (target >= run_start)
        return fail(DecodeErrorCode::bad_pointer, cur,
                    "pointer to byte " + std::to_string(target) + " does not point before byte " +
                        std::to_string(run_start));
      if (!jumped) pos = cur + 2;
      jumped = true;
      run_start = target;
      cur = target;
      continue;
    }
    if (kind != 0) return fail(DecodeErrorCode::bad_label_type, cur, "label type bits " + std::to_string(kind >> 6));
    if (cur + 1 + len > message.size()) return fail(DecodeErrorCode::truncated_name, cur, "label runs past the end");
    wire += 1u + len;
    if (wire > max_name_wire_size) return fail(DecodeErrorCode::name_too_long, cur, {});
    name.labels.emplace_back(reinterpret_cast<const char*>(message.data() + cur + 1), len);
    cur += 1u + len;
  }
  if (!jumped) pos = cur;
  return name;
}

void NameCompressor::write(ByteWriter& out, const Name& name, bool compress) {
  for (std::size_t i = 0; i < name.labels.size(); ++i) {
    const std::string key = lower_key(name.labels, i);
    if (compress) {
      if (auto it = offsets_.find(key); it != offsets_.end()) {
        out.u16(static_cast<std::uint16_t>(0xC000u | it->second));
        return;
      }
    }
    if (out.size() < 0x3FFF) offsets_.emplace(key, static_cast<std::uint16_t>(out.size()));
    const auto& label = name.labels[i];
    out.u8(static_cast<std::uint8_t>(label.size()));
    out.bytes(as_bytes(label));
  }
  out.u8(0);
}

}  // namespace confab::mdns
