#pragma once
// The HTTP half of `confab send-file`: one PUT of a file to an upload
// slot's URL over HTTPS (net::StreamClient: TLS 1.2+, certificate and name
// checked), with "Expect: 100-continue" so a refused slot costs no body,
// and progress reported as bytes go out.
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "net/stream_client.hpp"

namespace confab::client {

struct HttpsUrl {
  std::string host;  // as in the URL: a name, an IPv4 address or [IPv6]
  std::uint16_t port = 443;
  std::string target;  // "/path?query"
};
// "https://host[:port]/path?query"; http:// is refused (the file would travel in clear).
std::optional<HttpsUrl> parse_https_url(const std::string& url);

struct PutRequest {
  HttpsUrl url;
  std::string connect_to;  // HOST[:PORT] to connect to instead of the URL's host (the name is still checked)
  std::string file;
  std::uint64_t size = 0;
  std::string content_type;
  std::vector<std::pair<std::string, std::string>> headers;  // from the slot (Authorization, Cookie, Expires)
  std::string ca_file;
  bool verify = true;
  int timeout = 30;  // seconds without progress
};

struct PutResult {
  int status = 0;         // the HTTP status; 0 when none came
  std::string error;      // why it failed (empty on 2xx)
  bool unreachable = false;  // connecting or TLS failed: exit 3, not 4
  std::string tls_version;
};

// `progress(sent, total)` is called as bytes go out.
PutResult https_put(const PutRequest& request, const std::function<void(std::uint64_t, std::uint64_t)>& progress);

}  // namespace confab::client
