// Whole messages: the 12-byte header, then each section in order. Every
// count is checked against the bytes actually present, so a header that
// announces 65535 records costs nothing before the packet runs out.
#include "mdns/message.hpp"

#include "mdns/rdata.hpp"

namespace confab::mdns {

namespace {

constexpr std::uint16_t top_bit = 0x8000;

DecodeError in(DecodeError e, Section s, std::size_t index) {
  e.section = s;
  e.index = index;
  return e;
}

Result<Record, DecodeError> read_record(ByteView bytes, std::size_t& pos) {
  auto name = read_name(bytes, pos);
  if (!name) return unexpected(name.error());
  if (bytes.size() - pos < 10)
    return unexpected(DecodeError{DecodeErrorCode::truncated_record, pos, Section::header, 0,
                                  "type, class, TTL and length need 10 bytes"});
  ByteReader r(bytes.subspan(pos, 10));
  Record rec;
  rec.name = std::move(*name);
  rec.rtype = *r.u16();
  const std::uint16_t cls = *r.u16();
  rec.cache_flush = (cls & top_bit) != 0;
  rec.rclass = cls & 0x7FFF;
  rec.ttl = *r.u32();
  const std::uint16_t length = *r.u16();
  pos += 10;
  if (bytes.size() - pos < length)
    return unexpected(DecodeError{DecodeErrorCode::truncated_record, pos, Section::header, 0,
                                  "RDATA of " + std::to_string(length) + " bytes runs past the end"});
  auto data = detail::read_rdata(bytes, rec.rtype, pos, length);
  if (!data) return unexpected(data.error());
  rec.data = std::move(*data);
  pos += length;
  return rec;
}

void write_record(ByteWriter& out, NameCompressor& names, const Record& r) {
  names.write(out, r.name);
  out.u16(r.rtype);
  out.u16(static_cast<std::uint16_t>(r.rclass | (r.cache_flush ? top_bit : 0)));
  out.u32(r.ttl);
  const std::size_t length_at = out.size();
  out.u16(0);
  detail::write_rdata(out, names, r.data);
  out.patch_u16(length_at, static_cast<std::uint16_t>(out.size() - length_at - 2));
}

}  // namespace

Result<Message, DecodeError> parse(ByteView bytes) {
  if (bytes.size() < 12)
    return unexpected(DecodeError{DecodeErrorCode::truncated_header, 0, Section::header, 0,
                                  std::to_string(bytes.size()) + " bytes"});
  ByteReader h(bytes.first(12));
  Message m;
  m.id = *h.u16();
  m.flags = *h.u16();
  const std::uint16_t counts[4] = {*h.u16(), *h.u16(), *h.u16(), *h.u16()};
  std::size_t pos = 12;
  for (std::size_t i = 0; i < counts[0]; ++i) {
    auto name = read_name(bytes, pos);
    if (!name) return unexpected(in(name.error(), Section::question, i));
    if (bytes.size() - pos < 4)
      return unexpected(DecodeError{DecodeErrorCode::truncated_question, pos, Section::question, i,
                                    "type and class need 4 bytes"});
    ByteReader r(bytes.subspan(pos, 4));
    Question q;
    q.name = std::move(*name);
    q.qtype = *r.u16();
    const std::uint16_t cls = *r.u16();
    q.unicast_response = (cls & top_bit) != 0;
    q.qclass = cls & 0x7FFF;
    pos += 4;
    m.questions.push_back(std::move(q));
  }
  const Section sections[3] = {Section::answer, Section::authority, Section::additional};
  std::vector<Record>* lists[3] = {&m.answers, &m.authorities, &m.additionals};
  for (int s = 0; s < 3; ++s) {
    for (std::size_t i = 0; i < counts[s + 1]; ++i) {
      auto rec = read_record(bytes, pos);
      if (!rec) return unexpected(in(rec.error(), sections[s], i));
      lists[s]->push_back(std::move(*rec));
    }
  }
  if (pos != bytes.size())
    return unexpected(DecodeError{DecodeErrorCode::trailing_bytes, pos, Section::header, 0,
                                  std::to_string(bytes.size() - pos) + " bytes"});
  return m;
}

Bytes serialize(const Message& m) {
  Bytes out;
  out.reserve(512);
  ByteWriter w(out);
  NameCompressor names;
  w.u16(m.id);
  w.u16(m.flags);
  w.u16(static_cast<std::uint16_t>(m.questions.size()));
  w.u16(static_cast<std::uint16_t>(m.answers.size()));
  w.u16(static_cast<std::uint16_t>(m.authorities.size()));
  w.u16(static_cast<std::uint16_t>(m.additionals.size()));
  for (const auto& q : m.questions) {
    names.write(w, q.name);
    w.u16(q.qtype);
    w.u16(static_cast<std::uint16_t>(q.qclass | (q.unicast_response ? top_bit : 0)));
  }
  for (const auto* list : {&m.answers, &m.authorities, &m.additionals})
    for (const auto& r : *list) write_record(w, names, r);
  return out;
}

bool is_encodable(const Message& m) {
  auto record_ok = [](const Record& r) {
    if (!r.name.is_valid()) return false;
    if (const auto* t = std::get_if<TxtRecord>(&r.data))
      for (const auto& s : t->strings)
        if (s.size() > 255) return false;
    if (const auto* p = std::get_if<PtrRecord>(&r.data); p && !p->target.is_valid()) return false;
    if (const auto* s = std::get_if<SrvRecord>(&r.data); s && !s->target.is_valid()) return false;
    if (const auto* n = std::get_if<NsecRecord>(&r.data); n && !n->next.is_valid()) return false;
    if (const auto* o = std::get_if<OpaqueRecord>(&r.data); o && o->data.size() > 0xFFFF) return false;
    return true;
  };
  if (m.questions.size() > 0xFFFF || m.answers.size() > 0xFFFF) return false;
  for (const auto& q : m.questions)
    if (!q.name.is_valid()) return false;
  for (const auto* list : {&m.answers, &m.authorities, &m.additionals})
    for (const auto& r : *list)
      if (!record_ok(r)) return false;
  return true;
}

}  // namespace confab::mdns
