// Building requests and responses (RFC 3261 §8.1.1, §8.2.6) and writing
// messages out in canonical form (RFC 3261 §7).
#include <array>
#include <utility>

#include "sip/lex.hpp"
#include "sip/message.hpp"

namespace confab::sip {
namespace {

// RFC 3261 §21 plus the common extensions (RFC 3262, 3265, 3329, 4028, 5079...).
constexpr std::array<std::pair<std::uint16_t, std::string_view>, 52> reasons{{
    {100, "Trying"}, {180, "Ringing"}, {181, "Call Is Being Forwarded"}, {182, "Queued"},
    {183, "Session Progress"}, {199, "Early Dialog Terminated"}, {200, "OK"}, {202, "Accepted"},
    {204, "No Notification"}, {300, "Multiple Choices"}, {301, "Moved Permanently"},
    {302, "Moved Temporarily"}, {305, "Use Proxy"}, {380, "Alternative Service"}, {400, "Bad Request"},
    {401, "Unauthorized"}, {402, "Payment Required"}, {403, "Forbidden"}, {404, "Not Found"},
    {405, "Method Not Allowed"}, {406, "Not Acceptable"}, {407, "Proxy Authentication Required"},
    {408, "Request Timeout"}, {410, "Gone"}, {413, "Request Entity Too Large"},
    {414, "Request-URI Too Long"}, {415, "Unsupported Media Type"}, {416, "Unsupported URI Scheme"},
    {420, "Bad Extension"}, {421, "Extension Required"}, {422, "Session Interval Too Small"},
    {423, "Interval Too Brief"}, {480, "Temporarily Unavailable"},
    {481, "Call/Transaction Does Not Exist"}, {482, "Loop Detected"}, {483, "Too Many Hops"},
    {484, "Address Incomplete"}, {485, "Ambiguous"}, {486, "Busy Here"}, {487, "Request Terminated"},
    {488, "Not Acceptable Here"}, {489, "Bad Event"}, {491, "Request Pending"}, {493, "Undecipherable"},
    {500, "Server Internal Error"}, {501, "Not Implemented"}, {502, "Bad Gateway"},
    {503, "Service Unavailable"}, {504, "Server Time-out"}, {505, "Version Not Supported"},
    {513, "Message Too Large"}, {600, "Busy Everywhere"},
}};

void append_header(std::string& out, std::string_view name, std::string_view value) {
  out += name;
  out += ": ";
  out += value;
  out += "\r\n";
}

}  // namespace

std::string_view default_reason(std::uint16_t status) {
  for (const auto& [code, text] : reasons)
    if (code == status) return text;
  switch (status) {  // the rest of §21's 6xx
    case 603: return "Decline";
    case 604: return "Does Not Exist Anywhere";
    case 606: return "Not Acceptable";
    default: return "";
  }
}

Message make_request(std::string_view method, std::string_view request_uri) {
  Message m;
  m.kind = MessageKind::request;
  m.method = m.intern(method);
  m.request_uri = m.intern(request_uri);
  return m;
}

Message make_response(const Message& request, std::uint16_t status, std::string_view reason, std::string_view to_tag) {
  Message r = request;  // shares the request's storage: copied headers cost no bytes
  r.kind = MessageKind::response;
  r.method = {};
  r.request_uri = {};
  r.status = status;
  r.reason = reason.empty() ? default_reason(status) : r.intern(reason);
  r.version = "SIP/2.0";
  r.body = {};
  std::erase_if(r.headers, [status](const Header& h) {
    switch (h.id) {
      case HeaderId::via:
      case HeaderId::from:
      case HeaderId::to:
      case HeaderId::call_id:
      case HeaderId::cseq: return false;
      case HeaderId::timestamp: return status != 100;
      default: return true;
    }
  });
  for (Header& h : r.headers) h.name = header_name(h.id);
  if (!to_tag.empty() && status != 100) {
    auto to = r.to();
    if (to && !to->tag()) {
      std::string value(lex::trim(r.value(HeaderId::to).value_or("")));
      value += ";tag=";
      value += to_tag;
      r.set(HeaderId::to, value);
    }
  }
  r.set(HeaderId::content_length, "0");
  return r;
}

std::string serialize(const Message& m) {
  std::size_t estimate = 64 + m.body.size();
  for (const Header& h : m.headers) estimate += h.name.size() + h.value.size() + 24;
  std::string out;
  out.reserve(estimate);
  if (m.is_request()) {
    out += m.method;
    out += ' ';
    out += m.request_uri;
    out += ' ';
    out += m.version;
  } else {
    out += m.version;
    out += ' ';
    out += std::to_string(m.status);
    out += ' ';
    out += m.reason;
  }
  out += "\r\n";
  const std::string length = std::to_string(m.body.size());
  bool wrote_length = false;
  for (const Header& h : m.headers) {
    if (h.id == HeaderId::content_length) {
      if (!wrote_length) append_header(out, header_name(h.id), length);
      wrote_length = true;
      continue;
    }
    append_header(out, h.id == HeaderId::other ? h.name : header_name(h.id), h.value);
  }
  if (!wrote_length) append_header(out, "Content-Length", length);
  out += "\r\n";
  out += m.body;
  return out;
}

}  // namespace confab::sip
