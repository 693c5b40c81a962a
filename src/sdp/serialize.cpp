// serialize(): canonical SDP text, lines in RFC 8866 §5 order, CRLF.
#include "sdp/fields.hpp"
#include "sdp/session.hpp"

namespace confab::sdp {
namespace {

void line(std::string& out, char type, std::string_view value) {
  out += type;
  out += '=';
  out.append(value);
  out += "\r\n";
}

void attributes(std::string& out, const AttributeList& list) {
  for (const Attribute& a : list.attributes) {
    out += "a=";
    out += a.name;
    if (a.value) (out += ':') += *a.value;
    out += "\r\n";
  }
}

void bandwidths(std::string& out, const std::vector<Bandwidth>& bs) {
  for (const Bandwidth& b : bs) line(out, 'b', b.type + ":" + std::to_string(b.value));
}

}  // namespace

std::string serialize(const SessionDescription& sd) {
  std::string out;
  out.reserve(512 + 256 * sd.media.size());
  line(out, 'v', std::to_string(sd.version));
  const Origin& o = sd.origin;
  line(out, 'o', o.username + " " + o.session_id + " " + std::to_string(o.session_version) + " " + o.nettype + " " +
                     o.addrtype + " " + o.address);
  line(out, 's', sd.name);
  if (sd.information) line(out, 'i', *sd.information);
  if (sd.uri) line(out, 'u', *sd.uri);
  for (const auto& e : sd.emails) line(out, 'e', e);
  for (const auto& p : sd.phones) line(out, 'p', p);
  if (sd.connection) line(out, 'c', fields::to_text(*sd.connection));
  bandwidths(out, sd.bandwidths);
  for (const Timing& t : sd.times) {
    line(out, 't', std::to_string(t.start) + " " + std::to_string(t.stop));
    for (const Repeat& r : t.repeats) {
      std::string v = fields::to_text(r.interval) + " " + fields::to_text(r.duration);
      for (const TypedTime& off : r.offsets) v += " " + fields::to_text(off);
      line(out, 'r', v);
    }
    if (!t.zones.empty()) {
      std::string v;
      for (const ZoneAdjustment& z : t.zones) {
        if (!v.empty()) v += ' ';
        v += std::to_string(z.time) + " " + (z.negative ? "-" : "") + fields::to_text(z.offset);
      }
      line(out, 'z', v);
    }
  }
  if (sd.key) line(out, 'k', *sd.key);
  attributes(out, sd);
  for (const MediaDescription& m : sd.media) {
    std::string v = m.media + " " + std::to_string(m.port);
    if (m.port_count) v += "/" + std::to_string(*m.port_count);
    v += " " + m.proto;
    for (const auto& f : m.formats) v += " " + f;
    line(out, 'm', v);
    if (m.title) line(out, 'i', *m.title);
    for (const Connection& c : m.connections) line(out, 'c', fields::to_text(c));
    bandwidths(out, m.bandwidths);
    if (m.key) line(out, 'k', *m.key);
    attributes(out, m);
  }
  return out;
}

}  // namespace confab::sdp
