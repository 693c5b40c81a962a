// parse(): lines, their order (RFC 8866 §9), each line's grammar, the
// attribute registry, and the whole-description checks (c= somewhere,
// unique mids, groups naming existing mids).
#include <algorithm>

#include "sdp/fields.hpp"
#include "sdp/lex.hpp"
#include "sdp/registry.hpp"
#include "sdp/session.hpp"

namespace confab::sdp {
namespace {

using C = DecodeErrorCode;

struct Line {
  char type = 0;
  std::string_view value;
  std::size_t offset = 0;   // of the line
  std::size_t number = 0;   // 1-based
};

DecodeError fail(C code, const Line& l, std::size_t at, std::string detail, std::string attribute = {}) {
  return DecodeError{code, at, l.number, l.type, std::move(attribute), std::move(detail)};
}

DecodeError rebase(DecodeError e, const Line& l, std::size_t value_offset, std::string attribute = {}) {
  e.offset += value_offset;
  e.line = l.number;
  e.type = l.type;
  if (e.attribute.empty()) e.attribute = std::move(attribute);
  return e;
}

// Session-level order: v o s i u e p c b (t r z)+ k a m...
int session_stage(char t) {
  switch (t) {
    case 'v': return 0;
    case 'o': return 1;
    case 's': return 2;
    case 'i': return 3;
    case 'u': return 4;
    case 'e': return 5;
    case 'p': return 6;
    case 'c': return 7;
    case 'b': return 8;
    case 't': case 'r': case 'z': return 9;
    case 'k': return 10;
    case 'a': return 11;
    case 'm': return 12;
    default: return -1;
  }
}

// Media-level order: m i c b k a
int media_stage(char t) {
  switch (t) {
    case 'm': return 0;
    case 'i': return 1;
    case 'c': return 2;
    case 'b': return 3;
    case 'k': return 4;
    case 'a': return 5;
    default: return -1;
  }
}

const char* line_name(int session_stage_index) {
  static constexpr const char* names[] = {"v=", "o=", "s=", "i=", "u=", "e=", "p=", "c=", "b=", "t=", "k=", "a=", "m="};
  return names[session_stage_index];
}

// Per-level bookkeeping for the attribute checks that span lines.
struct LevelState {
  std::vector<std::string> once_seen;
  bool direction_seen = false;
  std::vector<std::uint8_t> rtpmap_pts;
  std::vector<std::uint32_t> crypto_tags;
};

std::optional<DecodeError> add_attribute(const Line& l, AttributeList& list, LevelState& st, bool session_level) {
  const std::size_t colon = l.value.find(':');
  Attribute a;
  a.name = std::string(l.value.substr(0, colon));
  const std::size_t value_at = l.offset + 2 + (colon == std::string_view::npos ? l.value.size() : colon + 1);
  if (!lex::is_token(a.name)) return fail(C::bad_attribute, l, l.offset + 2, "attribute name is not a token", a.name);
  if (colon != std::string_view::npos) {
    a.value = std::string(l.value.substr(colon + 1));
    if (a.value->empty()) return fail(C::bad_attribute, l, value_at, "empty value after ':'", a.name);
  }
  if (auto e = validate_attribute(a, session_level)) return rebase(std::move(*e), l, value_at, a.name);
  const registry::Entry* entry = registry::find(a.name);
  if (entry && entry->once) {
    if (std::find(st.once_seen.begin(), st.once_seen.end(), a.name) != st.once_seen.end())
      return fail(C::duplicate_attribute, l, l.offset, "allowed once per " + std::string(session_level ? "session" : "media section"), a.name);
    st.once_seen.push_back(a.name);
  }
  if (direction_from(a.name)) {
    if (st.direction_seen) return fail(C::duplicate_attribute, l, l.offset, "a second direction attribute at this level", a.name);
    st.direction_seen = true;
  }
  if (a.name == "rtpmap") {
    const std::uint8_t pt = parse_rtpmap(*a.value)->payload_type;
    if (std::find(st.rtpmap_pts.begin(), st.rtpmap_pts.end(), pt) != st.rtpmap_pts.end())
      return fail(C::duplicate_attribute, l, value_at, "payload type " + std::to_string(pt) + " mapped twice", a.name);
    st.rtpmap_pts.push_back(pt);
  }
  if (a.name == "crypto") {
    const std::uint32_t tag = parse_crypto(*a.value)->tag;
    if (std::find(st.crypto_tags.begin(), st.crypto_tags.end(), tag) != st.crypto_tags.end())
      return fail(C::duplicate_attribute, l, value_at, "crypto tag " + std::to_string(tag) + " used twice (RFC 4568 §9.1)", a.name);
    st.crypto_tags.push_back(tag);
  }
  list.attributes.push_back(std::move(a));
  return std::nullopt;
}

bool text_ok(std::string_view v) { return !v.empty(); }

struct Parser {
  explicit Parser(const Limits& l) : limits(l) { sd.times.clear(); }
  const Limits& limits;
  SessionDescription sd;
  int stage = -1;                 // session stage of the last session-level line
  bool zone_in_time = false;      // the current time description has its z=
  bool in_media = false;
  int mstage = 0;                 // media stage of the last line in the current section
  LevelState session_attrs;
  LevelState media_attrs;
  std::vector<Line> m_lines;      // where each m= was, for later errors
  struct Tagged {
    Line line;
    std::size_t section;  // media index, or SIZE_MAX for session level
  };
  std::vector<Tagged> mid_lines, group_lines;

  std::optional<DecodeError> session_line(const Line& l) {
    const int s = session_stage(l.type);
    static constexpr char required[] = {'v', 'o', 's'};
    for (int r = 0; r < 3 && r < s; ++r) {
      if (stage < r) return fail(C::missing_line, l, l.offset, std::string(1, required[r]) + "= must come before " + l.type + "=");
    }
    if (s >= 10 && sd.times.empty()) return fail(C::missing_line, l, l.offset, std::string("t= must come before ") + l.type + "=");
    if (s < stage) return fail(C::out_of_order, l, l.offset, std::string(1, l.type) + "= must come before " + line_name(stage));
    const bool once = l.type == 'v' || l.type == 'o' || l.type == 's' || l.type == 'i' || l.type == 'u' || l.type == 'c' || l.type == 'k';
    if (s == stage && once) return fail(C::duplicate_line, l, l.offset, std::string(1, l.type) + "= is allowed once");
    const std::size_t vat = l.offset + 2;
    switch (l.type) {
      case 'v':
        if (l.value != "0") return fail(C::bad_version, l, vat, "only version 0 exists");
        break;
      case 'o':
        if (auto e = fields::origin(l.value, sd.origin)) return rebase(std::move(*e), l, vat);
        break;
      case 's': sd.name = std::string(l.value); break;  // empty tolerated: RFC 3264 §10 sends "s="
      case 'i':
        if (!text_ok(l.value)) return fail(C::bad_text, l, vat, "empty session information");
        sd.information = std::string(l.value);
        break;
      case 'u':
        if (!text_ok(l.value)) return fail(C::bad_text, l, vat, "empty URI");
        sd.uri = std::string(l.value);
        break;
      case 'e':
        if (!text_ok(l.value)) return fail(C::bad_text, l, vat, "empty email address");
        sd.emails.emplace_back(l.value);
        break;
      case 'p':
        if (!text_ok(l.value)) return fail(C::bad_text, l, vat, "empty phone number");
        sd.phones.emplace_back(l.value);
        break;
      case 'c': {
        Connection c;
        if (auto e = fields::connection(l.value, c)) return rebase(std::move(*e), l, vat);
        sd.connection = std::move(c);
        break;
      }
      case 'b': {
        Bandwidth b;
        if (auto e = fields::bandwidth(l.value, b)) return rebase(std::move(*e), l, vat);
        sd.bandwidths.push_back(std::move(b));
        break;
      }
      case 't': {
        Timing t;
        if (auto e = fields::timing(l.value, t)) return rebase(std::move(*e), l, vat);
        sd.times.push_back(std::move(t));
        zone_in_time = false;
        break;
      }
      case 'r': {
        if (stage != 9) return fail(C::out_of_order, l, l.offset, "r= must follow a t= line");
        if (zone_in_time) return fail(C::out_of_order, l, l.offset, "r= after this time description's z=");
        Repeat r;
        if (auto e = fields::repeat(l.value, r)) return rebase(std::move(*e), l, vat);
        sd.times.back().repeats.push_back(std::move(r));
        break;
      }
      case 'z': {
        if (stage != 9) return fail(C::out_of_order, l, l.offset, "z= must follow a t= or r= line");
        if (zone_in_time) return fail(C::duplicate_line, l, l.offset, "one z= per time description");
        if (auto e = fields::zone(l.value, sd.times.back().zones)) return rebase(std::move(*e), l, vat);
        zone_in_time = true;
        break;
      }
      case 'k':
        if (!text_ok(l.value)) return fail(C::bad_text, l, vat, "empty key");
        sd.key = std::string(l.value);
        break;
      case 'a':
        if (auto e = add_attribute(l, sd, session_attrs, true)) return e;
        if (sd.attributes.back().name == "group") group_lines.push_back({l, SIZE_MAX});
        break;
      default: break;
    }
    stage = s;
    return std::nullopt;
  }

  std::optional<DecodeError> media_start(const Line& l) {
    if (sd.media.size() >= limits.max_media)
      return fail(C::too_many_media, l, l.offset, "more than " + std::to_string(limits.max_media) + " media sections");
    MediaDescription m;
    if (auto e = fields::media(l.value, m)) return rebase(std::move(*e), l, l.offset + 2);
    sd.media.push_back(std::move(m));
    m_lines.push_back(l);
    media_attrs = {};
    in_media = true;
    mstage = 0;
    stage = 12;
    return std::nullopt;
  }

  std::optional<DecodeError> media_line(const Line& l) {
    const int s = media_stage(l.type);
    if (s < 0) return fail(C::out_of_order, l, l.offset, std::string(1, l.type) + "= is not allowed in a media section");
    if (s < mstage) return fail(C::out_of_order, l, l.offset, std::string(1, l.type) + "= out of order in a media section (m i c b k a)");
    if (s == mstage && (l.type == 'i' || l.type == 'k')) return fail(C::duplicate_line, l, l.offset, std::string(1, l.type) + "= is allowed once per media section");
    MediaDescription& m = sd.media.back();
    const std::size_t vat = l.offset + 2;
    switch (l.type) {
      case 'i':
        if (!text_ok(l.value)) return fail(C::bad_text, l, vat, "empty media title");
        m.title = std::string(l.value);
        break;
      case 'c': {
        Connection c;
        if (auto e = fields::connection(l.value, c)) return rebase(std::move(*e), l, vat);
        m.connections.push_back(std::move(c));
        break;
      }
      case 'b': {
        Bandwidth b;
        if (auto e = fields::bandwidth(l.value, b)) return rebase(std::move(*e), l, vat);
        m.bandwidths.push_back(std::move(b));
        break;
      }
      case 'k':
        if (!text_ok(l.value)) return fail(C::bad_text, l, vat, "empty key");
        m.key = std::string(l.value);
        break;
      case 'a':
        if (auto e = add_attribute(l, m, media_attrs, false)) return e;
        if (m.attributes.back().name == "mid") mid_lines.push_back({l, sd.media.size() - 1});
        break;
      default: break;
    }
    mstage = s;
    return std::nullopt;
  }

  std::optional<DecodeError> line(const Line& l) {
    if (l.type == 'm') return session_stage_check_then_media(l);
    return in_media ? media_line(l) : session_line(l);
  }

  std::optional<DecodeError> session_stage_check_then_media(const Line& l) {
    if (!in_media) {
      if (stage < 2) return fail(C::missing_line, l, l.offset, "v=, o= and s= must come before m=");
      if (sd.times.empty()) return fail(C::missing_line, l, l.offset, "t= must come before m=");
    }
    return media_start(l);
  }

  std::optional<DecodeError> finish(std::size_t end) {
    Line last{0, {}, end, 0};
    if (stage < 2) return fail(C::missing_line, last, end, stage < 0 ? "no v= line" : stage < 1 ? "no o= line" : "no s= line");
    if (sd.times.empty()) return fail(C::missing_line, last, end, "no t= line");
    if (!sd.connection) {
      for (std::size_t i = 0; i < sd.media.size(); ++i)
        if (sd.media[i].connections.empty() && sd.media[i].port != 0)
          return fail(C::missing_line, m_lines[i], m_lines[i].offset, "no c= in this media section nor at session level");
    }
    for (std::size_t i = 0; i < mid_lines.size(); ++i)
      for (std::size_t j = 0; j < i; ++j)
        if (*sd.media[mid_lines[i].section].mid() == *sd.media[mid_lines[j].section].mid())
          return fail(C::duplicate_attribute, mid_lines[i].line, mid_lines[i].line.offset, "mid is not unique in the session (RFC 5888 §4)", "mid");
    for (const Tagged& g : group_lines) {
      auto group = parse_group(g.line.value.substr(6));
      for (const std::string& id : group->mids) {
        const bool known = std::any_of(sd.media.begin(), sd.media.end(), [&](const MediaDescription& m) { return m.mid() == id; });
        if (!known) return fail(C::bad_attribute_value, g.line, g.line.offset, "group names mid '" + id.substr(0, 64) + "', which no media section has", "group");
      }
    }
    return std::nullopt;
  }
};

}  // namespace

Result<SessionDescription, DecodeError> parse(std::string_view text, const Limits& limits) {
  if (text.empty()) return unexpected(detail::error(C::empty, 0, "no bytes"));
  if (text.size() > limits.max_size)
    return unexpected(detail::error(C::too_large, 0, std::to_string(text.size()) + " bytes, the limit is " + std::to_string(limits.max_size)));
  Parser p(limits);
  std::size_t pos = 0;
  std::size_t number = 0;
  while (pos < text.size()) {
    ++number;
    const std::size_t nl = text.find('\n', pos);
    std::size_t end = nl == std::string_view::npos ? text.size() : nl;
    if (nl != std::string_view::npos && end > pos && text[end - 1] == '\r') --end;
    Line l{0, {}, pos, number};
    if (number > limits.max_lines)
      return unexpected(fail(C::too_many_lines, l, pos, "more than " + std::to_string(limits.max_lines) + " lines"));
    const std::string_view raw = text.substr(pos, end - pos);
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '\r') return unexpected(fail(C::bad_line_ending, l, pos + i, "CR not followed by LF"));
      if (raw[i] == '\0') return unexpected(fail(C::bad_line_ending, l, pos + i, "NUL byte"));
    }
    if (raw.empty()) return unexpected(fail(C::bad_line, l, pos, "empty line"));
    if (raw.size() < 2 || raw[1] != '=') {
      const bool space = raw.size() >= 2 && (raw[1] == ' ' || raw[1] == '\t');
      return unexpected(fail(C::bad_line, l, pos, space ? "whitespace before '=' (RFC 8866 §5)" : "not \"<type>=<value>\""));
    }
    if (raw[0] < 'a' || raw[0] > 'z') return unexpected(fail(C::bad_line, l, pos, "type is not a lower-case letter"));
    l.type = raw[0];
    l.value = raw.substr(2);
    if (session_stage(l.type) < 0) return unexpected(fail(C::unknown_line_type, l, pos, std::string("'") + l.type + "=' is not an SDP line type"));
    if (number == 1 && l.type != 'v') return unexpected(fail(C::missing_line, l, pos, "the first line must be v="));
    if (auto e = p.line(l)) return unexpected(std::move(*e));
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
  }
  if (auto e = p.finish(text.size())) return unexpected(std::move(*e));
  return std::move(p.sd);
}

}  // namespace confab::sdp
