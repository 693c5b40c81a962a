#include "http/response.hpp"

#include "core/text.hpp"
#include "http/error.hpp"

namespace confab::http {

std::string HttpError::message() const { return decode_error_line("HTTP", offset, where, what, {}); }

std::string_view reason_phrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 417: return "Expectation Failed";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    case 507: return "Insufficient Storage";
    default: return "";
  }
}

namespace {

void append_clean(std::string& out, std::string_view s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    out.push_back(u < 0x20 || u == 0x7f ? ' ' : c);
  }
}

}  // namespace

std::string serialize_head(const Response& r) {
  std::string out = "HTTP/1.1 " + std::to_string(r.status) + " ";
  out += reason_phrase(r.status);
  out += "\r\n";
  for (const Header& h : r.headers) {
    append_clean(out, h.name);
    out += ": ";
    append_clean(out, h.value);
    out += "\r\n";
  }
  // RFC 9110 §8.6: none on 1xx and 204.
  if (r.status >= 200 && r.status != 204) out += "Content-Length: " + std::to_string(r.content_length) + "\r\n";
  if (r.close) out += "Connection: close\r\n";
  out += "\r\n";
  return out;
}

std::string text_response(int status, std::string_view text, bool close, std::vector<Header> extra) {
  Response r{status, std::move(extra), text.size() + 1, close};
  r.headers.push_back({"Content-Type", "text/plain; charset=utf-8"});
  r.headers.push_back({"X-Content-Type-Options", "nosniff"});
  std::string out = serialize_head(r);
  out.append(text);
  out.push_back('\n');
  return out;
}

std::string_view continue_response() { return "HTTP/1.1 100 Continue\r\n\r\n"; }

}  // namespace confab::http
