#include "diag/proc_net.hpp"

#include <array>
#include <charconv>
#include <cstring>

namespace confab::diag {

namespace {

std::vector<std::string_view> words(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    const std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

template <class T>
bool number(std::string_view s, int base, T& out) {
  if (s.empty()) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out, base);
  return ec == std::errc() && end == s.data() + s.size();
}

// "0100007F:1446" → 127.0.0.1:5190 (on the machine that wrote it).
bool endpoint(std::string_view s, IpFamily family, SocketAddress& out) {
  const std::size_t hex_digits = family == IpFamily::v4 ? 8 : 32;
  if (s.size() != hex_digits + 5 || s[hex_digits] != ':') return false;
  std::array<std::uint8_t, 16> bytes{};
  for (std::size_t word = 0; word < hex_digits / 8; ++word) {
    std::uint32_t v = 0;
    if (!number(s.substr(word * 8, 8), 16, v)) return false;
    std::memcpy(bytes.data() + word * 4, &v, 4);  // the kernel printed the bytes as a host-order word
  }
  if (!number(s.substr(hex_digits + 1), 16, out.port)) return false;
  out.ip = family == IpFamily::v4 ? IpAddress::v4({bytes[0], bytes[1], bytes[2], bytes[3]}) : IpAddress::v6(bytes);
  return true;
}

}  // namespace

std::string ProcNetError::message() const {
  std::string out = "/proc/net decode error at line " + std::to_string(line);
  if (!field.empty()) out += " (" + field + ")";
  return out + ": " + detail;
}

Result<std::vector<SocketRecord>, ProcNetError> parse_proc_net(std::string_view text, Proto proto,
                                                                 IpFamily family) {
  std::vector<SocketRecord> out;
  std::size_t line_no = 0;
  for (std::size_t at = 0; at < text.size();) {
    const std::size_t nl = std::min(text.find('\n', at), text.size());
    const std::string_view line = text.substr(at, nl - at);
    at = nl + 1;
    ++line_no;
    auto fail = [&](std::string field, std::string detail) {
      return unexpected(ProcNetError{line_no, std::move(field), std::move(detail)});
    };
    const auto w = words(line);
    if (line_no == 1) {
      if (w.size() < 3 || w[0] != "sl" || w[1] != "local_address")
        return fail("header", "expected \"sl local_address ...\": not a /proc/net socket table");
      continue;
    }
    if (w.empty()) continue;
    if (w.size() < 10) return fail("", std::to_string(w.size()) + " fields, a socket line has at least 10");
    auto quoted = [](std::string_view s) { return "\"" + std::string(s.substr(0, 40)) + "\""; };
    if (w[0].back() != ':') return fail("sl", quoted(w[0]) + " is not a slot number");
    SocketRecord s;
    s.proto = proto;
    if (!endpoint(w[1], family, s.local))
      return fail("local_address", quoted(w[1]) + " is not a hex address:port of this family");
    if (!endpoint(w[2], family, s.remote))
      return fail("rem_address", quoted(w[2]) + " is not a hex address:port of this family");
    if (!number(w[3], 16, s.state)) return fail("st", quoted(w[3]) + " is not a hex state");
    const auto colon = w[4].find(':');
    if (colon == std::string_view::npos || !number(w[4].substr(0, colon), 16, s.send_queue) ||
        !number(w[4].substr(colon + 1), 16, s.receive_queue))
      return fail("tx_queue:rx_queue", quoted(w[4]) + " is not two hex numbers");
    if (!number(w[7], 10, s.uid)) return fail("uid", quoted(w[7]) + " is not a number");
    if (!number(w[9], 10, s.inode)) return fail("inode", quoted(w[9]) + " is not a number");
    out.push_back(s);
  }
  if (line_no == 0) return unexpected(ProcNetError{0, "header", "empty table"});
  return out;
}

}  // namespace confab::diag
