#include "client/upload_put.hpp"

#include <charconv>
#include <cstdio>
#include <memory>

#include "http/response_parser.hpp"
#include "net/resolve.hpp"

namespace confab::client {

std::optional<HttpsUrl> parse_https_url(const std::string& url) {
  constexpr std::string_view scheme = "https://";
  if (url.rfind(scheme, 0) != 0) return std::nullopt;
  std::string_view rest = std::string_view(url).substr(scheme.size());
  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  HttpsUrl out;
  out.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;
  std::string_view host = authority;
  if (authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = authority.substr(0, close + 1);
    authority.remove_prefix(close + 1);
  } else {
    const auto colon = authority.rfind(':');
    host = authority.substr(0, colon);
    authority = colon == std::string_view::npos ? std::string_view() : authority.substr(colon);
  }
  if (!authority.empty()) {
    if (authority.front() != ':') return std::nullopt;
    unsigned port = 0;
    auto [p, ec] = std::from_chars(authority.data() + 1, authority.data() + authority.size(), port);
    if (ec != std::errc() || p != authority.data() + authority.size() || port == 0 || port > 65535) return std::nullopt;
    out.port = static_cast<std::uint16_t>(port);
  }
  if (host.empty()) return std::nullopt;
  for (char c : out.target)
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f) return std::nullopt;
  out.host = std::string(host);
  return out;
}

namespace {

// Reads until the parser gives a final head (and its body, for the error
// text) or `timeout` passes.
struct Answer {
  int status = 0;
  std::string body;
  bool interim = false;  // 100 Continue
};

std::optional<Answer> read_answer(net::StreamClient& s, http::ResponseParser& parser, Duration timeout,
                                  bool stop_at_continue, std::string& error) {
  const Instant give_up = Clock::now() + timeout;
  Answer a;
  bool have_head = false;
  for (;;) {
    while (auto e = parser.poll_event()) {
      if (auto* h = std::get_if<http::ResponseHead>(&*e)) {
        if (h->status < 200) {
          if (stop_at_continue && h->status == 100) return Answer{100, {}, true};
          continue;
        }
        a.status = h->status;
        have_head = true;
      } else if (auto* b = std::get_if<http::BodyChunk>(&*e)) {
        if (a.body.size() < 4096) a.body.append(as_chars(b->bytes).substr(0, 4096 - a.body.size()));
      } else if (std::holds_alternative<http::MessageComplete>(*e)) {
        return a;
      } else if (auto* err = std::get_if<http::HttpError>(&*e)) {
        error = "a malformed HTTP response: " + err->message();
        return std::nullopt;
      }
    }
    const auto left = std::chrono::duration_cast<Duration>(give_up - Clock::now());
    if (left.count() <= 0) {
      if (have_head) return a;
      error = "no HTTP response";
      return std::nullopt;
    }
    auto bytes = s.read_some(std::min<Duration>(left, std::chrono::milliseconds(200)));
    if (!bytes) {
      if (auto e = parser.finish(); e && std::holds_alternative<http::MessageComplete>(*e)) return a;
      if (have_head) return a;
      error = bytes.error();
      return std::nullopt;
    }
    parser.feed(ByteView(*bytes));
  }
}

}  // namespace

PutResult https_put(const PutRequest& rq, const std::function<void(std::uint64_t, std::uint64_t)>& progress) {
  PutResult out;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(rq.file.c_str(), "rb"), &std::fclose);
  if (!file) {
    out.error = "cannot open " + rq.file;
    return out;
  }
  std::string host = rq.url.host;
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  const std::string connect_to =
      rq.connect_to.empty() ? (rq.url.host + ":" + std::to_string(rq.url.port)) : rq.connect_to;
  auto address = net::resolve(connect_to, rq.url.port);
  if (!address) {
    out.unreachable = true;
    out.error = address.error();
    return out;
  }
  const auto timeout = std::chrono::seconds(rq.timeout);
  auto stream = net::StreamClient::connect(*address, timeout, net::TlsClientOptions{host, rq.ca_file, rq.verify});
  if (!stream) {
    out.unreachable = true;
    out.error = "HTTPS to " + address->to_string() + ": " + stream.error();
    return out;
  }
  auto& s = **stream;
  out.tls_version = s.tls_version();
  std::string head = "PUT " + rq.url.target + " HTTP/1.1\r\n";
  head += "Host: " + rq.url.host + (rq.url.port == 443 ? "" : ":" + std::to_string(rq.url.port)) + "\r\n";
  head += "User-Agent: confab/0.1.0\r\n";
  head += "Content-Length: " + std::to_string(rq.size) + "\r\n";
  head += "Content-Type: " + rq.content_type + "\r\n";
  for (const auto& [name, value] : rq.headers) head += name + ": " + value + "\r\n";
  if (rq.size > 0) head += "Expect: 100-continue\r\n";
  head += "Connection: close\r\n\r\n";
  if (auto w = s.write_all(as_bytes(head), timeout); !w) {
    out.error = w.error();
    return out;
  }
  http::ResponseParser parser;
  std::string error;
  if (rq.size > 0) {
    // RFC 9110 §10.1.1: wait a little for 100 (or a refusal), then send anyway.
    auto early = read_answer(s, parser, std::chrono::seconds(3), true, error);
    if (early && !early->interim) {
      out.status = early->status;
      out.error = "HTTP " + std::to_string(early->status) + (early->body.empty() ? "" : ": " + early->body);
      while (!out.error.empty() && (out.error.back() == '\n' || out.error.back() == '\r')) out.error.pop_back();
      return out;
    }
  }
  std::vector<std::uint8_t> buf(64 * 1024);
  std::uint64_t sent = 0;
  if (progress) progress(0, rq.size);
  while (sent < rq.size) {
    const std::size_t n = std::fread(buf.data(), 1, buf.size(), file.get());
    if (n == 0) {
      out.error = "the file got shorter while it was being sent";
      return out;
    }
    if (auto w = s.write_all(ByteView(buf.data(), n), timeout); !w) {
      // The server may have refused mid-way and closed: its answer says why.
      if (auto a = read_answer(s, parser, std::chrono::seconds(2), false, error); a && a->status >= 400) {
        out.status = a->status;
        out.error = "HTTP " + std::to_string(a->status);
      } else {
        out.error = "sending the file: " + w.error();
      }
      return out;
    }
    sent += n;
    if (progress) progress(sent, rq.size);
  }
  auto answer = read_answer(s, parser, timeout, false, error);
  s.close();
  if (!answer) {
    out.error = error;
    return out;
  }
  out.status = answer->status;
  if (answer->status < 200 || answer->status >= 300) {
    std::string body = answer->body;
    while (!body.empty() && (body.back() == '\n' || body.back() == '\r')) body.pop_back();
    out.error = "HTTP " + std::to_string(answer->status) + (body.empty() ? "" : ": " + body);
  }
  return out;
}

}  // namespace confab::client
