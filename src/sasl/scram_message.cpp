// SCRAM message grammar (RFC 5802 §7), one parser per message on top of a
// comma splitter that remembers each field's offset for the error.
#include "sasl/scram_message.hpp"

#include <vector>

#include "core/text.hpp"
#include "sasl/base64.hpp"
#include "sasl/nonce.hpp"
#include "sasl/saslname.hpp"
#include "sasl/utf8.hpp"

namespace confab::sasl {
namespace {

using Code = ScramDecodeErrorCode;

struct Field {
  std::size_t offset;
  std::string_view text;
};

std::vector<Field> split(std::string_view s) {
  std::vector<Field> out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = s.find(',', start);
    if (comma == std::string_view::npos) {
      out.push_back({start, s.substr(start)});
      return out;
    }
    out.push_back({start, s.substr(start, comma - start)});
    start = comma + 1;
  }
}

Unexpected<ScramDecodeError> error(Code code, std::size_t offset, std::string attribute, std::string detail) {
  return unexpected(ScramDecodeError{code, offset, std::move(attribute), std::move(detail)});
}

bool is_alpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// The attribute `name` ("r") with its "=": the value, or nullopt if the
// field is some other attribute.
std::optional<std::string_view> value_of(const Field& f, char name) {
  if (f.text.size() < 2 || f.text[0] != name || f.text[1] != '=') return std::nullopt;
  return f.text.substr(2);
}

std::string missing(char name, const Field* f) {
  std::string d = std::string("expected ") + name + "=";
  if (f != nullptr && !f->text.empty() && is_alpha(f->text[0])) d += std::string(", found ") + f->text[0] + "=";
  return d;
}

std::optional<ScramDecodeError> check_extensions(const std::vector<Field>& fields, std::size_t from,
                                                 std::size_t to) {
  // Letters RFC 5802 gives a meaning: reusing one as an extension would be
  // read differently by different implementations.
  static constexpr std::string_view defined = "acemnprsvi";
  for (std::size_t i = from; i < to; ++i) {
    const Field& f = fields[i];
    if (f.text.size() < 3 || !is_alpha(f.text[0]) || f.text[1] != '=')
      return ScramDecodeError{Code::bad_extension, f.offset, {}, "expected ALPHA \"=\" value"};
    const std::string attr(1, f.text[0]);
    if (defined.find(f.text[0]) != std::string_view::npos)
      return ScramDecodeError{Code::bad_extension, f.offset, attr, "attribute not allowed here"};
    const std::string_view v = f.text.substr(2);
    if (v.find('\0') != std::string_view::npos || !is_valid_utf8(v))
      return ScramDecodeError{Code::bad_extension, f.offset + 2, attr, "value is not UTF-8 without NUL"};
  }
  return std::nullopt;
}

Result<std::string, ScramDecodeError> nonce_at(const std::vector<Field>& fields, std::size_t i) {
  const Field* f = i < fields.size() ? &fields[i] : nullptr;
  const std::size_t at = f != nullptr ? f->offset : (fields.back().offset + fields.back().text.size());
  if (f == nullptr) return error(Code::missing_attribute, at, "r", missing('r', f));
  const auto v = value_of(*f, 'r');
  if (!v) return error(Code::missing_attribute, at, "r", missing('r', f));
  if (!is_nonce(*v)) return error(Code::bad_nonce, at + 2, "r", v->empty() ? "empty" : "character outside %x21-7E or ','");
  return std::string(*v);
}

Result<Bytes, ScramDecodeError> base64_at(const std::vector<Field>& fields, std::size_t i, char name) {
  const Field* f = i < fields.size() ? &fields[i] : nullptr;
  const std::size_t at = f != nullptr ? f->offset : (fields.back().offset + fields.back().text.size());
  const std::string attr(1, name);
  if (f == nullptr) return error(Code::missing_attribute, at, attr, missing(name, f));
  const auto v = value_of(*f, name);
  if (!v) return error(Code::missing_attribute, at, attr, missing(name, f));
  if (v->empty()) return error(Code::bad_base64, at + 2, attr, "empty");
  auto decoded = base64_decode(*v);
  if (!decoded) return error(Code::bad_base64, at + 2, attr, "not canonical base64");
  return std::move(*decoded);
}

bool is_cb_name(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!is_alpha(c) && !is_digit(c) && c != '.' && c != '-') return false;
  return true;
}

}  // namespace

std::string_view to_string(ScramDecodeErrorCode c) {
  switch (c) {
    case Code::empty: return "empty message";
    case Code::bad_gs2_header: return "bad GS2 header";
    case Code::bad_channel_binding_name: return "bad channel-binding name";
    case Code::bad_authzid: return "bad authzid";
    case Code::bad_username: return "bad username";
    case Code::mandatory_extension: return "mandatory extension not supported";
    case Code::missing_attribute: return "missing attribute";
    case Code::bad_nonce: return "bad nonce";
    case Code::bad_base64: return "bad base64";
    case Code::bad_iteration_count: return "bad iteration count";
    case Code::bad_extension: return "bad extension";
    case Code::bad_server_error: return "bad server error";
  }
  return "unknown decode error";
}

std::string ScramDecodeError::message() const {
  return decode_error_line("SCRAM", offset, attribute, to_string(code), detail);
}

Result<ClientFirst, ScramDecodeError> parse_client_first(std::string_view m) {
  if (m.empty()) return error(Code::empty, 0, {}, {});
  const auto fields = split(m);
  ClientFirst out;
  // gs2-cbind-flag
  const Field& flag = fields[0];
  if (flag.text == "n") {
    out.gs2.flag = Gs2Flag::n;
  } else if (flag.text == "y") {
    out.gs2.flag = Gs2Flag::y;
  } else if (auto name = value_of(flag, 'p')) {
    if (!is_cb_name(*name)) return error(Code::bad_channel_binding_name, 2, "gs2-header", "empty or not 1*(ALPHA / DIGIT / \".\" / \"-\")");
    out.gs2.flag = Gs2Flag::p;
    out.gs2.cb_name = std::string(*name);
  } else {
    return error(Code::bad_gs2_header, 0, "gs2-header", "the flag is not n, y or p=");
  }
  if (fields.size() < 3) return error(Code::bad_gs2_header, m.size(), "gs2-header", "ends before its second ','");
  // [ authzid ]
  const Field& a = fields[1];
  if (!a.text.empty()) {
    const auto v = value_of(a, 'a');
    if (!v) return error(Code::bad_gs2_header, a.offset, "gs2-header", "expected a= or ','");
    auto authzid = unescape_saslname(*v);
    if (!authzid) return error(Code::bad_authzid, a.offset + 2, "a", "not a saslname (empty, not UTF-8, NUL, or '=' not =2C/=3D)");
    out.gs2.authzid = std::move(*authzid);
  }
  const std::size_t bare_at = fields[2].offset;
  out.gs2_text = std::string(m.substr(0, bare_at));
  out.bare = std::string(m.substr(bare_at));
  // [reserved-mext ","] username
  const Field& n = fields[2];
  if (value_of(n, 'm')) return error(Code::mandatory_extension, n.offset, "m", {});
  const auto user = value_of(n, 'n');
  if (!user) return error(Code::missing_attribute, n.offset, "n", missing('n', &n));
  auto username = unescape_saslname(*user);
  if (!username) return error(Code::bad_username, n.offset + 2, "n", "not a saslname (empty, not UTF-8, NUL, or '=' not =2C/=3D)");
  out.username = std::move(*username);
  auto nonce = nonce_at(fields, 3);
  if (!nonce) return unexpected(nonce.error());
  out.nonce = std::move(*nonce);
  if (auto e = check_extensions(fields, 4, fields.size())) return unexpected(std::move(*e));
  return out;
}

Result<ServerFirst, ScramDecodeError> parse_server_first(std::string_view m) {
  if (m.empty()) return error(Code::empty, 0, {}, {});
  const auto fields = split(m);
  if (value_of(fields[0], 'm')) return error(Code::mandatory_extension, 0, "m", {});
  ServerFirst out;
  auto nonce = nonce_at(fields, 0);
  if (!nonce) return unexpected(nonce.error());
  out.nonce = std::move(*nonce);
  auto salt = base64_at(fields, 1, 's');
  if (!salt) return unexpected(salt.error());
  out.salt = std::move(*salt);
  if (fields.size() < 3 || !value_of(fields[2], 'i')) {
    const std::size_t at = fields.size() < 3 ? m.size() : fields[2].offset;
    return error(Code::missing_attribute, at, "i", missing('i', fields.size() < 3 ? nullptr : &fields[2]));
  }
  const std::string_view i = *value_of(fields[2], 'i');
  std::uint64_t count = 0;
  bool ok = !i.empty() && i[0] != '0' && i.size() <= 10;
  for (char c : i) {
    if (!is_digit(c)) ok = false;
    if (ok) count = count * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (!ok || count > UINT32_MAX)
    return error(Code::bad_iteration_count, fields[2].offset + 2, "i", "not a positive 32-bit decimal");
  out.iterations = static_cast<std::uint32_t>(count);
  if (auto e = check_extensions(fields, 3, fields.size())) return unexpected(std::move(*e));
  return out;
}

Result<ClientFinal, ScramDecodeError> parse_client_final(std::string_view m) {
  if (m.empty()) return error(Code::empty, 0, {}, {});
  const auto fields = split(m);
  ClientFinal out;
  auto cb = base64_at(fields, 0, 'c');
  if (!cb) return unexpected(cb.error());
  out.channel_binding = std::move(*cb);
  auto nonce = nonce_at(fields, 1);
  if (!nonce) return unexpected(nonce.error());
  out.nonce = std::move(*nonce);
  // The proof is always the last attribute (extensions come before it).
  if (fields.size() < 3) return error(Code::missing_attribute, m.size(), "p", "expected p= (the proof comes last)");
  auto proof = base64_at(fields, fields.size() - 1, 'p');
  if (!proof) return unexpected(proof.error());
  out.proof = std::move(*proof);
  if (auto e = check_extensions(fields, 2, fields.size() - 1)) return unexpected(std::move(*e));
  out.without_proof = std::string(m.substr(0, fields.back().offset - 1));
  return out;
}

Result<ServerFinal, ScramDecodeError> parse_server_final(std::string_view m) {
  if (m.empty()) return error(Code::empty, 0, {}, {});
  const auto fields = split(m);
  ServerFinal out;
  if (auto e = value_of(fields[0], 'e')) {
    if (e->empty() || e->find('\0') != std::string_view::npos || !is_valid_utf8(*e))
      return error(Code::bad_server_error, 2, "e", "empty or not UTF-8 without NUL");
    out.error = std::string(*e);
  } else {
    auto v = base64_at(fields, 0, 'v');
    if (!v) return unexpected(v.error());
    out.verifier = std::move(*v);
  }
  if (auto e = check_extensions(fields, 1, fields.size())) return unexpected(std::move(*e));
  return out;
}

std::string format_gs2_header(const Gs2Header& h) {
  std::string out;
  switch (h.flag) {
    case Gs2Flag::n: out = "n"; break;
    case Gs2Flag::y: out = "y"; break;
    case Gs2Flag::p: out = "p=" + h.cb_name; break;
  }
  out += ',';
  if (!h.authzid.empty()) out += "a=" + escape_saslname(h.authzid);
  out += ',';
  return out;
}

std::string format_client_first_bare(std::string_view username, std::string_view nonce) {
  std::string out = "n=" + escape_saslname(username);
  out.append(",r=").append(nonce);
  return out;
}

std::string format_server_first(std::string_view nonce, ByteView salt, std::uint32_t iterations) {
  std::string out = "r=";
  out.append(nonce).append(",s=").append(base64_encode(salt)).append(",i=").append(std::to_string(iterations));
  return out;
}

std::string format_client_final_without_proof(std::string_view gs2_text, ByteView cb_data, std::string_view nonce) {
  Bytes input(gs2_text.begin(), gs2_text.end());
  input.insert(input.end(), cb_data.begin(), cb_data.end());
  std::string out = "c=" + base64_encode(input);
  out.append(",r=").append(nonce);
  return out;
}

std::string format_proof(ByteView proof) { return ",p=" + base64_encode(proof); }

std::string format_server_final(ByteView server_signature) { return "v=" + base64_encode(server_signature); }

std::string format_server_error(std::string_view error_value) { return "e=" + std::string(error_value); }

std::string auth_message(std::string_view client_first_bare, std::string_view server_first,
                         std::string_view client_final_without_proof) {
  std::string out;
  out.reserve(client_first_bare.size() + server_first.size() + client_final_without_proof.size() + 2);
  out.append(client_first_bare).append(",").append(server_first).append(",").append(client_final_without_proof);
  return out;
}

}  // namespace confab::sasl
