// Record identity and the canonical RDATA form the probe tiebreak compares.
#include "mdns/record.hpp"

#include "mdns/rdata.hpp"

namespace confab::mdns {

std::string type_name(std::uint16_t t) {
  switch (t) {
    case type::a: return "A";
    case type::cname: return "CNAME";
    case type::ptr: return "PTR";
    case type::hinfo: return "HINFO";
    case type::txt: return "TXT";
    case type::aaaa: return "AAAA";
    case type::srv: return "SRV";
    case type::opt: return "OPT";
    case type::nsec: return "NSEC";
    case type::any: return "ANY";
    default: return "TYPE" + std::to_string(t);
  }
}

bool Record::same_record(const Record& other) const {
  return rtype == other.rtype && rclass == other.rclass && name == other.name && data == other.data;
}

std::uint16_t type_of(const RData& d) {
  struct V {
    std::uint16_t operator()(const ARecord&) const { return type::a; }
    std::uint16_t operator()(const AaaaRecord&) const { return type::aaaa; }
    std::uint16_t operator()(const PtrRecord&) const { return type::ptr; }
    std::uint16_t operator()(const SrvRecord&) const { return type::srv; }
    std::uint16_t operator()(const TxtRecord&) const { return type::txt; }
    std::uint16_t operator()(const NsecRecord&) const { return type::nsec; }
    std::uint16_t operator()(const OpaqueRecord&) const { return 0; }
  };
  return std::visit(V{}, d);
}

namespace {

Name lower(Name n) {
  for (auto& l : n.labels)
    for (auto& c : l)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return n;
}

// §8.2 compares RDATA uncompressed; names in it lower-cased (RFC 4034 §6.2).
struct CanonicalWriter {
  ByteWriter& w;
  NameCompressor& names;
  const Record& r;
  void operator()(const PtrRecord& p) { names.write(w, lower(p.target), false); }
  void operator()(const SrvRecord& s) {
    w.u16(s.priority);
    w.u16(s.weight);
    w.u16(s.port);
    names.write(w, lower(s.target), false);
  }
  template <class T>
  void operator()(const T&) { detail::write_rdata(w, names, r.data); }
};

}  // namespace

Bytes canonical_rdata(const Record& r) {
  Bytes out;
  ByteWriter w(out);
  NameCompressor no_compression;
  std::visit(CanonicalWriter{w, no_compression, r}, r.data);
  return out;
}

}  // namespace confab::mdns
