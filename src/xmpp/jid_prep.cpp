// Preparing JID parts: Nodeprep, Resourceprep and IDNA through libidn, with
// an ASCII fast path that gives the same answers (see jid_prep.hpp).
#include "xmpp/jid_prep.hpp"

#include <idn-free.h>
#include <idna.h>
#include <stringprep.h>

#include <cstdio>
#include <memory>
#include <optional>

#include "core/address.hpp"
#include "core/text.hpp"
#include "xmpp/utf8.hpp"

namespace confab::xmpp::detail {
namespace {

// Raw input beyond this is refused before libidn sees it: preparation can
// shrink a part (characters mapped to nothing) but not by this much in
// anything a real client sends, and it bounds the work per part.
constexpr std::size_t max_input_bytes = 4 * max_part_bytes;

struct IdnFree {
  void operator()(char* p) const { idn_free(p); }
};
using IdnString = std::unique_ptr<char, IdnFree>;

std::string code_point_name(char32_t cp) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(cp));
  return buf;
}

std::string prohibited(char32_t cp) { return "prohibited character " + code_point_name(cp); }

bool is_ascii(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

// libidn takes NUL-terminated strings and assumes valid UTF-8: check both
// first, so bad input gets a precise answer instead of a garbled one.
std::optional<std::string> check_utf8(std::string_view s) {
  for (std::size_t at = 0; at < s.size();) {
    Utf8Char c = decode_utf8(s, at);
    if (c.length == 0) return "invalid UTF-8 at byte " + std::to_string(at);
    if (c.code_point == 0) return prohibited(0);
    at += c.length;
  }
  return std::nullopt;
}

std::optional<std::string> check_size(std::string_view prepared) {
  if (prepared.empty()) return std::string("empty after preparation");
  if (prepared.size() > max_part_bytes)
    return "over " + std::to_string(max_part_bytes) + " bytes (" + std::to_string(prepared.size()) + ")";
  return std::nullopt;
}

int run_profile(const std::string& in, const char* profile, IdnString& out) {
  char* raw = nullptr;
  // Unassigned code points are refused: a JID is a stored string (RFC 3454
  // §7), and a later Unicode version could give them a meaning.
  const int rc = stringprep_profile(in.c_str(), &raw, profile, STRINGPREP_NO_UNASSIGNED);
  out.reset(raw);
  return rc;
}

// libidn says *that* a character is prohibited or unassigned, not which:
// try the characters one at a time to name the culprit.
std::string name_offender(std::string_view in, const char* profile, int rc) {
  const char* what = rc == STRINGPREP_CONTAINS_PROHIBITED ? "prohibited character " : "unassigned code point ";
  for (std::size_t at = 0; at < in.size();) {
    Utf8Char c = decode_utf8(in, at);
    if (c.length == 0) break;  // checked before
    IdnString out;
    if (run_profile(std::string(in.substr(at, c.length)), profile, out) == rc) return what + code_point_name(c.code_point);
    at += c.length;
  }
  return rc == STRINGPREP_CONTAINS_PROHIBITED ? "prohibited character" : "unassigned code point";
}

Result<std::string, std::string> run_stringprep(std::string_view in, const char* profile) {
  if (auto e = check_utf8(in)) return unexpected(*e);
  IdnString out;
  const int rc = run_profile(std::string(in), profile, out);
  switch (rc) {
    case STRINGPREP_OK:
      break;
    case STRINGPREP_CONTAINS_PROHIBITED:
    case STRINGPREP_CONTAINS_UNASSIGNED:
      return unexpected(name_offender(in, profile, rc));
    case STRINGPREP_BIDI_BOTH_L_AND_RAL:
    case STRINGPREP_BIDI_LEADTRAIL_NOT_RAL:
    case STRINGPREP_BIDI_CONTAINS_PROHIBITED:
      return unexpected(std::string("bidirectional rule violated (") +
                        stringprep_strerror(static_cast<Stringprep_rc>(rc)) + ")");
    default:
      return unexpected(std::string(profile) + " failed: " + stringprep_strerror(static_cast<Stringprep_rc>(rc)));
  }
  std::string prepared(out.get());
  if (auto e = check_size(prepared)) return unexpected(*e);
  return prepared;
}

bool nodeprep_prohibits_ascii(unsigned char c) {
  // C.1.1 (space), C.2.1 (controls), and Nodeprep's own table (RFC 6122 A.5).
  return c <= 0x20 || c == 0x7f || std::string_view("\"&'/:<>@").find(static_cast<char>(c)) != std::string_view::npos;
}

bool is_ldh(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }

// Labels of an ASCII, lowercased DNS name: 1..63 octets of letters, digits
// and hyphens, no hyphen first or last (RFC 1123 §2.1, STD3 rules).
std::optional<std::string> check_ldh_labels(std::string_view name) {
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = name.find('.', start);
    const std::string_view label = name.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty()) return std::string("empty label");
    if (label.size() > 63) return "label over 63 bytes (" + std::to_string(label.size()) + ")";
    for (char c : label)
      if (!is_ldh(c)) return "character " + code_point_name(static_cast<unsigned char>(c)) +
                             " not allowed in a domain name (letters, digits, hyphens)";
    if (label.front() == '-' || label.back() == '-') return std::string("label starts or ends with a hyphen");
    if (dot == std::string_view::npos) return std::nullopt;
    start = dot + 1;
  }
}

bool has_ace_label(std::string_view lowered) {
  for (std::size_t at = 0; at < lowered.size();) {
    if (lowered.substr(at, 4) == "xn--") return true;
    const std::size_t dot = lowered.find('.', at);
    if (dot == std::string_view::npos) break;
    at = dot + 1;
  }
  return false;
}

std::string idna_problem(int rc) { return std::string("not a valid domain name (") + idna_strerror(static_cast<Idna_rc>(rc)) + ")"; }

// Internationalised names: ToASCII (which Nameprep's and checks each label,
// STD3 rules), then ToUnicode, so the canonical form holds U-labels whether
// the client wrote A-labels or U-labels (RFC 7622 §3.2.2).
Result<std::string, std::string> prepare_idn(const std::string& lowered) {
  if (auto e = check_utf8(lowered)) return unexpected(*e);
  char* raw = nullptr;
  int rc = idna_to_ascii_8z(lowered.c_str(), &raw, IDNA_USE_STD3_ASCII_RULES);
  IdnString ascii(raw);
  if (rc != IDNA_SUCCESS) return unexpected(idna_problem(rc));
  const std::string ascii_form = ascii_lower(ascii.get());
  if (auto e = check_ldh_labels(ascii_form)) return unexpected(*e);
  raw = nullptr;
  rc = idna_to_unicode_8z8z(ascii_form.c_str(), &raw, IDNA_USE_STD3_ASCII_RULES);
  IdnString unicode(raw);
  if (rc != IDNA_SUCCESS) return unexpected(idna_problem(rc));
  std::string out(unicode.get());
  // ToUnicode gives back a label it cannot decode unchanged (RFC 3490
  // §4.2: it never fails); a valid A-label always decodes to non-ASCII.
  if (has_ace_label(out)) return unexpected(std::string("not a valid domain name (bad A-label)"));
  return out;
}

}  // namespace

Result<std::string, std::string> prepare_localpart(std::string_view text) {
  if (text.empty()) return unexpected(std::string("empty"));
  if (text.size() > max_input_bytes) return unexpected("over " + std::to_string(max_part_bytes) + " bytes");
  if (!is_ascii(text)) return run_stringprep(text, "Nodeprep");
  std::string out(text);
  for (char& c : out) {
    const auto u = static_cast<unsigned char>(c);
    if (nodeprep_prohibits_ascii(u)) return unexpected(prohibited(u));
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');  // B.2 on ASCII
  }
  if (auto e = check_size(out)) return unexpected(*e);
  return out;
}

Result<std::string, std::string> prepare_resourcepart(std::string_view text) {
  if (text.empty()) return unexpected(std::string("empty"));
  if (text.size() > max_input_bytes) return unexpected("over " + std::to_string(max_part_bytes) + " bytes");
  if (!is_ascii(text)) return run_stringprep(text, "Resourceprep");
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return unexpected(prohibited(u));  // C.2.1; a space is allowed
  }
  if (auto e = check_size(text)) return unexpected(*e);
  return std::string(text);
}

Result<std::string, std::string> prepare_domainpart(std::string_view text) {
  if (text.empty()) return unexpected(std::string("empty"));
  if (text.size() > max_input_bytes) return unexpected("over " + std::to_string(max_part_bytes) + " bytes");
  // RFC 7622 §3.2: an IP literal as in URIs (RFC 3986 §3.2.2). Written in
  // its canonical text, so [2001:DB8:0::1] and [2001:db8::1] are one JID.
  if (text.front() == '[') {
    auto ip = text.back() == ']' ? IpAddress::parse(text.substr(1, text.size() - 2)) : std::nullopt;
    if (!ip || !ip->is_v6()) return unexpected(std::string("not an IPv6 address in brackets"));
    return "[" + ip->to_string() + "]";
  }
  // One trailing dot (a fully qualified name) names the same domain.
  if (text.back() == '.') text.remove_suffix(1);
  if (text.empty()) return unexpected(std::string("empty"));
  if (auto ip = IpAddress::parse(text); ip && ip->is_v4()) return ip->to_string();

  std::string lowered = ascii_lower(text);
  std::string prepared;
  if (is_ascii(lowered) && !has_ace_label(lowered)) {
    if (auto e = check_ldh_labels(lowered)) return unexpected(*e);
    prepared = std::move(lowered);
  } else {
    auto idn = prepare_idn(lowered);
    if (!idn) return idn;
    prepared = std::move(*idn);
  }
  if (auto e = check_size(prepared)) return unexpected(*e);
  return prepared;
}

}  // namespace confab::xmpp::detail
