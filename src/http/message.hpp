#pragma once
// What an HTTP/1.1 message head is once parsed (RFC 9110 §6, RFC 9112 §2):
// a request line or status line, header fields in the order they came,
// and what the framing fields (Content-Length, Connection, Expect) say.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace confab::http {

// A field as it arrived: the name's case kept, the value without the
// optional whitespace around it (RFC 9112 §5.1).
struct Header {
  std::string name;
  std::string value;
};

// ASCII case-insensitive equality: field names, methods' tokens in lists.
bool iequals(std::string_view a, std::string_view b);

// The first field named `name` (case-insensitive), or nullopt.
std::optional<std::string_view> find_header(const std::vector<Header>& headers, std::string_view name);

struct RequestHead {
  std::string method;  // case-sensitive token: "GET", "PUT"
  std::string target;  // as sent: "/upload/x/y?v=1" (origin-form), "*", or an absolute URI
  int minor_version = 1;  // HTTP/1.<minor>: 0 or 1
  std::vector<Header> headers;
  std::uint64_t content_length = 0;  // 0 when absent: a request without one has no body (§6.3)
  bool keep_alive = true;            // persistent after this exchange (§9.3)
  bool expect_continue = false;      // "Expect: 100-continue" (RFC 9110 §10.1.1)

  std::optional<std::string_view> header(std::string_view name) const { return find_header(headers, name); }
};

struct ResponseHead {
  int status = 0;
  std::string reason;
  int minor_version = 1;
  std::vector<Header> headers;
  std::optional<std::uint64_t> content_length;  // nullopt: chunked or until close
  bool chunked = false;
  bool keep_alive = true;

  std::optional<std::string_view> header(std::string_view name) const { return find_header(headers, name); }
};

}  // namespace confab::http
