// RDATA codecs: fixed sizes checked exactly, names that must end where the
// RDATA ends, TXT strings that must fill it, NSEC bitmaps in ascending
// windows (RFC 4034 §4.1.2).
#include "mdns/rdata.hpp"

#include <algorithm>

namespace confab::mdns::detail {

namespace {

DecodeError bad(std::size_t at, std::string detail) {
  return DecodeError{DecodeErrorCode::bad_rdata, at, Section::header, 0, std::move(detail)};
}

// RFC 4034 §4.1.2 wants windows in ascending order, each 1-32 bytes long.
// python-zeroconf (0.47) writes an empty window before the real one
// ("00 00 00 01 40" for just A): empty windows are skipped and a repeated
// window is merged, so its packets are understood; windows going
// backwards, longer than 32 bytes or cut short are still errors.
Result<std::vector<std::uint16_t>, DecodeError> read_type_bitmaps(ByteView message, std::size_t pos, std::size_t end) {
  std::vector<std::uint16_t> types;
  int last_window = -1;
  while (pos < end) {
    if (end - pos < 2) return unexpected(bad(pos, "NSEC bitmap window header cut short"));
    const std::uint8_t window = message[pos];
    const std::uint8_t len = message[pos + 1];
    if (len == 0) {
      pos += 2;
      continue;
    }
    if (static_cast<int>(window) < last_window) return unexpected(bad(pos, "NSEC bitmap windows out of order"));
    if (len > 32) return unexpected(bad(pos + 1, "NSEC bitmap length " + std::to_string(len)));
    if (end - pos - 2 < len) return unexpected(bad(pos, "NSEC bitmap runs past its RDATA"));
    for (std::size_t i = 0; i < len; ++i)
      for (int bit = 0; bit < 8; ++bit)
        if (message[pos + 2 + i] & (0x80 >> bit))
          types.push_back(static_cast<std::uint16_t>(window * 256 + i * 8 + static_cast<std::size_t>(bit)));
    last_window = window;
    pos += 2u + len;
  }
  std::sort(types.begin(), types.end());
  types.erase(std::unique(types.begin(), types.end()), types.end());
  return types;
}

}  // namespace

Result<RData, DecodeError> read_rdata(ByteView message, std::uint16_t rtype, std::size_t start, std::size_t length) {
  const std::size_t end = start + length;
  auto name_filling = [&](std::size_t at, const char* what) -> Result<Name, DecodeError> {
    std::size_t pos = at;
    auto n = read_name(message.first(end), pos);
    if (!n) {
      auto e = n.error();
      e.detail = std::string(what) + ": " + (e.detail.empty() ? to_string(e.code) : e.detail);
      return unexpected(std::move(e));
    }
    if (pos != end) return unexpected(bad(at, std::string(what) + " does not end where the RDATA does"));
    return n;
  };
  switch (rtype) {
    case type::a: {
      if (length != 4) return unexpected(bad(start, "A record of " + std::to_string(length) + " bytes (must be 4)"));
      ARecord r;
      std::copy_n(message.begin() + static_cast<std::ptrdiff_t>(start), 4, r.address.begin());
      return RData{r};
    }
    case type::aaaa: {
      if (length != 16)
        return unexpected(bad(start, "AAAA record of " + std::to_string(length) + " bytes (must be 16)"));
      AaaaRecord r;
      std::copy_n(message.begin() + static_cast<std::ptrdiff_t>(start), 16, r.address.begin());
      return RData{r};
    }
    case type::ptr: {
      auto n = name_filling(start, "PTR target");
      if (!n) return unexpected(n.error());
      return RData{PtrRecord{std::move(*n)}};
    }
    case type::srv: {
      if (length < 7) return unexpected(bad(start, "SRV record of " + std::to_string(length) + " bytes"));
      ByteReader r(message.subspan(start, 6));
      SrvRecord srv;
      srv.priority = *r.u16();
      srv.weight = *r.u16();
      srv.port = *r.u16();
      auto n = name_filling(start + 6, "SRV target");
      if (!n) return unexpected(n.error());
      srv.target = std::move(*n);
      return RData{std::move(srv)};
    }
    case type::txt: {
      TxtRecord txt;
      std::size_t pos = start;
      while (pos < end) {
        const std::size_t len = message[pos];
        if (pos + 1 + len > end) return unexpected(bad(pos, "TXT string runs past its RDATA"));
        txt.strings.emplace_back(reinterpret_cast<const char*>(message.data() + pos + 1), len);
        pos += 1 + len;
      }
      return RData{std::move(txt)};
    }
    case type::nsec: {
      std::size_t pos = start;
      auto next = read_name(message.first(end), pos);
      if (!next) {
        auto e = next.error();
        e.detail = "NSEC next name: " + (e.detail.empty() ? std::string(to_string(e.code)) : e.detail);
        return unexpected(std::move(e));
      }
      auto types = read_type_bitmaps(message, pos, end);
      if (!types) return unexpected(types.error());
      return RData{NsecRecord{std::move(*next), std::move(*types)}};
    }
    default:
      return RData{OpaqueRecord{Bytes(message.begin() + static_cast<std::ptrdiff_t>(start),
                                      message.begin() + static_cast<std::ptrdiff_t>(end))}};
  }
}

void write_rdata(ByteWriter& out, NameCompressor& names, const RData& data) {
  struct Visitor {
    ByteWriter& out;
    NameCompressor& names;
    void operator()(const ARecord& r) { out.bytes(r.address); }
    void operator()(const AaaaRecord& r) { out.bytes(r.address); }
    void operator()(const PtrRecord& r) { names.write(out, r.target); }
    void operator()(const SrvRecord& r) {
      out.u16(r.priority);
      out.u16(r.weight);
      out.u16(r.port);
      names.write(out, r.target);
    }
    void operator()(const TxtRecord& r) {
      // Written as given: TxtAttributes::to_record() makes an empty record
      // one empty string (RFC 6763 §6.1); a parsed empty RDATA stays empty.
      for (const auto& s : r.strings) {
        out.u8(static_cast<std::uint8_t>(s.size()));
        out.bytes(as_bytes(s));
      }
    }
    void operator()(const NsecRecord& r) {
      names.write(out, r.next);
      std::vector<std::uint16_t> types = r.types;
      std::sort(types.begin(), types.end());
      types.erase(std::unique(types.begin(), types.end()), types.end());
      for (std::size_t i = 0; i < types.size();) {
        const unsigned window = types[i] >> 8;
        std::uint8_t bitmap[32] = {};
        std::size_t used = 0;
        for (; i < types.size() && (types[i] >> 8) == window; ++i) {
          const unsigned low = types[i] & 0xFFu;
          bitmap[low / 8] = static_cast<std::uint8_t>(bitmap[low / 8] | (0x80u >> (low % 8)));
          used = low / 8 + 1;
        }
        out.u8(static_cast<std::uint8_t>(window));
        out.u8(static_cast<std::uint8_t>(used));
        out.bytes(ByteView(bitmap, used));
      }
    }
    void operator()(const OpaqueRecord& r) { out.bytes(r.data); }
  };
  std::visit(Visitor{out, names}, data);
}

}  // namespace confab::mdns::detail
