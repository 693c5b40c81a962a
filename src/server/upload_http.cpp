// One HTTPS connection of the upload server: TLS handshake, then requests
// in turn (keep-alive): PUT to a signed slot URL stores the file, GET and
// HEAD serve it, OPTIONS answers CORS preflights for web clients. Anything
// unknown is a bare 404 that tells nothing about what exists.
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "core/text.hpp"
#include "http/range.hpp"
#include "http/response.hpp"
#include "http/target.hpp"
#include "server/upload_service_impl.hpp"
#include "xmpp/upload_slot.hpp"

// GCC 12 takes asio's coroutine frames (allocated by asio::aligned_new,
// freed by its matching operator delete) for a mismatched new/delete pair;
// a false positive clang and later GCCs do not report.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace confab::server {

using asio::awaitable;
using asio::use_awaitable;

namespace {

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Web clients (Converse.js and the like) upload from another origin.
void add_cors(std::vector<http::Header>& h) {
  h.push_back({"Access-Control-Allow-Origin", "*"});
  h.push_back({"Access-Control-Allow-Methods", "GET, HEAD, PUT, OPTIONS"});
  h.push_back({"Access-Control-Allow-Headers", "Content-Type"});
}

// The media type, lowercased, without parameters or spaces.
std::string media_type(std::string_view t) {
  t = t.substr(0, t.find(';'));
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
  return ascii_lower(t);
}

// Pictures, sound and video are shown in place; everything else (HTML,
// SVG, scripts...) is a download, so an upload cannot act as a page of
// this origin.
std::string content_disposition(const StoredUpload& u) {
  const std::string type = media_type(u.content_type);
  const bool inline_ok = (type.rfind("image/", 0) == 0 && type != "image/svg+xml") || type.rfind("audio/", 0) == 0 ||
                         type.rfind("video/", 0) == 0 || type == "text/plain";
  std::string ascii;
  for (char c : u.filename) {
    const auto b = static_cast<unsigned char>(c);
    ascii.push_back(b < 0x20 || b >= 0x7f || c == '"' || c == '\\' ? '_' : c);
  }
  return std::string(inline_ok ? "inline" : "attachment") + "; filename=\"" + ascii + "\"; filename*=UTF-8''" +
         http::percent_encode(u.filename);
}

// "/upload/..." from an origin-form or absolute-form target.
std::string_view path_of(std::string_view target) {
  if (!target.empty() && target.front() == '/') return target;
  const auto scheme = target.find("://");
  if (scheme == std::string_view::npos) return {};
  const auto slash = target.find('/', scheme + 3);
  return slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
}

}  // namespace

awaitable<bool> UploadService::Impl::write(UploadConnection& c, std::string_view bytes) {
  std::error_code ec;
  co_await asio::async_write(c.stream, asio::buffer(bytes.data(), bytes.size()), asio::redirect_error(use_awaitable, ec));
  if (ec) co_return false;
  counters.bytes_out += bytes.size();
  touch(c);
  co_return true;
}

awaitable<std::optional<http::RequestEvent>> UploadService::Impl::next_event(UploadConnection& c) {
  for (;;) {
    if (auto e = c.parser.poll_event()) co_return e;
    std::error_code ec;
    const std::size_t n =
        co_await c.stream.async_read_some(asio::buffer(c.buffer), asio::redirect_error(use_awaitable, ec));
    if (ec || n == 0) {
      // The peer is done (or gone): a request cut short is answered 400 if it can still hear it.
      if (auto err = c.parser.finish()) co_return http::RequestEvent{std::move(*err)};
      co_return std::nullopt;
    }
    counters.bytes_in += n;
    touch(c);
    c.parser.feed(ByteView(c.buffer.data(), n));
  }
}

awaitable<void> UploadService::Impl::serve(std::shared_ptr<UploadConnection> c) {
  std::error_code ec;
  co_await c->stream.async_handshake(asio::ssl::stream_base::server, asio::redirect_error(use_awaitable, ec));
  if (ec) {
    ++counters.tls_failures;
    co_return;
  }
  touch(*c);
  c->parser = http::RequestParser(http::RequestLimits{.max_body = settings.max_file_size});
  for (;;) {
    auto e = co_await next_event(*c);
    if (!e) break;
    if (auto* err = std::get_if<http::HttpError>(&*e)) {
      ++counters.bad_requests;
      log->debug("upload: {} from {}", err->message(), c->peer.to_string());
      co_await write(*c, http::text_response(err->status, http::reason_phrase(err->status), true));
      break;
    }
    auto* head = std::get_if<http::RequestHead>(&*e);
    if (!head) break;  // body bytes outside a request: cannot happen
    if (!co_await handle(*c, std::move(*head))) break;
  }
  if (c->closed) co_return;
  // A refused request may still be sending its body: closing now would
  // make the kernel answer it with a reset that can destroy our answer in
  // flight (RFC 9112 §9.6). Read and drop what comes for a moment first.
  c->deadline = Clock::now() + std::chrono::seconds(2);
  for (std::size_t drained = 0; !c->parser.idle() && !c->closed && drained < (8u << 20);) {
    const std::size_t n =
        co_await c->stream.async_read_some(asio::buffer(c->buffer), asio::redirect_error(use_awaitable, ec));
    if (ec || n == 0) break;
    drained += n;
  }
  if (!c->closed) co_await c->stream.async_shutdown(asio::redirect_error(use_awaitable, ec));  // close_notify
}

// True to go on with the next request on this connection.
awaitable<bool> UploadService::Impl::handle(UploadConnection& c, http::RequestHead head) {
  if (head.method == "PUT") co_return co_await handle_put(c, head);
  if (head.content_length > 0) {  // a body nobody here wants: answer, and close rather than read it
    ++counters.bad_requests;
    co_await write(c, http::text_response(400, "unexpected request body", true));
    co_return false;
  }
  // The empty MessageComplete that follows a head without a body.
  if (auto done = co_await next_event(c); !done || !std::holds_alternative<http::MessageComplete>(*done)) co_return false;
  if (head.method == "GET" || head.method == "HEAD") co_return co_await handle_get(c, head);
  if (head.method == "OPTIONS") {
    http::Response r{204, {}, 0, !head.keep_alive};
    add_cors(r.headers);
    r.headers.push_back({"Access-Control-Max-Age", "86400"});
    co_return co_await write(c, http::serialize_head(r)) && head.keep_alive;
  }
  std::vector<http::Header> allow{{"Allow", "GET, HEAD, PUT, OPTIONS"}};
  co_return co_await write(c, http::text_response(405, "Method Not Allowed", !head.keep_alive, allow)) &&
      head.keep_alive;
}

awaitable<bool> UploadService::Impl::handle_put(UploadConnection& c, const http::RequestHead& head) {
  // Refusals before the body is read close the connection: the body may follow.
  auto refuse = [&](int status, std::string_view text) -> awaitable<bool> {
    ++counters.puts_refused;
    log->info("upload: PUT refused ({}) from {}: {}", status, c.peer.to_string(), text);
    std::vector<http::Header> h;
    add_cors(h);
    co_await write(c, http::text_response(status, text, true, h));
    co_return false;
  };
  auto target = http::parse_origin_form(path_of(head.target));
  if (!target || !xmpp::slot_path(*target)) {
    ++counters.not_found;
    co_return co_await refuse(404, "Not Found");
  }
  auto signed_slot = xmpp::slot_from_put_target(*target);
  if (!signed_slot) co_return co_await refuse(403, "Forbidden: " + signed_slot.error());
  const xmpp::UploadSlot& slot = signed_slot->slot;
  if (!xmpp::verify_slot_signature(slot, secret, signed_slot->signature))
    co_return co_await refuse(403, "Forbidden: the upload URL is not one this server signed");
  if (unix_now() > slot.expires) co_return co_await refuse(403, "Forbidden: the upload slot has expired");
  if (head.content_length > slot.size) co_return co_await refuse(413, "Content Too Large: more than the slot's size");
  if (head.content_length < slot.size) co_return co_await refuse(400, "Bad Request: less than the slot's size");
  const std::string sent_type(head.header("Content-Type").value_or(""));
  if (!slot.content_type.empty() && !sent_type.empty() && media_type(sent_type) != media_type(slot.content_type))
    co_return co_await refuse(415, "Unsupported Media Type: not the content-type of the slot");
  StoredUpload meta;
  meta.id = slot.id;
  meta.filename = slot.filename;
  meta.owner = slot.owner;
  meta.size = slot.size;
  meta.content_type = !slot.content_type.empty()                                ? slot.content_type
                      : (!sent_type.empty() && xmpp::valid_content_type(sent_type)) ? sent_type
                                                                                  : "application/octet-stream";
  auto pending = store->begin(std::move(meta));
  if (!pending) {
    if (pending.error().first == UploadStore::BeginError::io) {
      ++counters.puts_failed;
      log->error("upload: {}", pending.error().second);
      co_await write(c, http::text_response(500, "Internal Server Error", true));
      co_return false;
    }
    co_return co_await refuse(409, "Conflict: this slot was used already");
  }
  if (head.expect_continue && !co_await write(c, http::continue_response())) co_return false;
  for (;;) {
    auto e = co_await next_event(c);
    if (!e) co_return false;  // gone; the pending upload removes its part
    if (auto* chunk = std::get_if<http::BodyChunk>(&*e)) {
      std::string why;
      if (!(*pending)->write(chunk->bytes, why)) {
        ++counters.puts_failed;
        log->error("upload: {} ({})", why, slot.id);
        const bool full = errno == ENOSPC || errno == EDQUOT;
        co_await write(c, http::text_response(full ? 507 : 500, full ? "Insufficient Storage" : "Internal Server Error", true));
        co_return false;
      }
      continue;
    }
    if (auto* err = std::get_if<http::HttpError>(&*e)) {
      ++counters.puts_refused;
      log->info("upload: PUT of {} failed from {}: {}", slot.id, c.peer.to_string(), err->message());
      co_await write(c, http::text_response(err->status, http::reason_phrase(err->status), true));
      co_return false;
    }
    break;  // MessageComplete
  }
  auto stored = (*pending)->commit(unix_now());
  if (!stored) {
    ++counters.puts_failed;
    log->error("upload: storing {} failed: {}", slot.id, stored.error());
    co_await write(c, http::text_response(500, "Internal Server Error", true));
    co_return false;
  }
  ++counters.puts_stored;
  log->info("upload: stored {}/{} ({} bytes, {}) for {}", stored->id, printable(stored->filename), stored->size,
            stored->content_type, stored->owner);
  http::Response r{201, {}, 0, !head.keep_alive};
  add_cors(r.headers);
  co_return co_await write(c, http::serialize_head(r)) && head.keep_alive;
}

awaitable<bool> UploadService::Impl::handle_get(UploadConnection& c, const http::RequestHead& head) {
  const bool keep = head.keep_alive;
  auto target = http::parse_origin_form(path_of(head.target));
  auto path = target ? xmpp::slot_path(*target) : std::nullopt;
  auto file = path ? store->find(path->id) : std::nullopt;
  std::FILE* f = nullptr;
  if (file && file->filename == path->filename) f = std::fopen(store->path_of(*file).c_str(), "rbe");
  if (!f) {
    ++counters.not_found;
    if (head.method == "HEAD") co_return co_await write(c, http::serialize_head(http::Response{404, {}, 0, !keep})) && keep;
    co_return co_await write(c, http::text_response(404, "Not Found", !keep)) && keep;
  }
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> closer(f, &std::fclose);
  ++counters.gets;
  // One byte range (a resumed download, a seek in a video) or the whole file.
  http::ByteRange range{0, file->size == 0 ? 0 : file->size - 1};
  int status = 200;
  if (auto value = head.header("Range"); value && head.method == "GET") {
    auto parsed = http::parse_range(*value, file->size);
    if (std::holds_alternative<http::Unsatisfiable>(parsed)) {
      http::Response r{416, {{"Content-Range", "bytes */" + std::to_string(file->size)}}, 0, !keep};
      co_return co_await write(c, http::serialize_head(r)) && keep;
    }
    if (auto* br = std::get_if<http::ByteRange>(&parsed)) {
      range = *br;
      status = 206;
    }
  }
  const std::uint64_t length = file->size == 0 ? 0 : range.length();
  http::Response r{status, {}, length, !keep};
  r.headers = {{"Content-Type", file->content_type},
               {"Content-Disposition", content_disposition(*file)},
               {"X-Content-Type-Options", "nosniff"},
               {"Content-Security-Policy", "default-src 'none'; img-src 'self'; media-src 'self'; sandbox"},
               {"Cache-Control", "public, max-age=31536000, immutable"},
               {"Accept-Ranges", "bytes"}};
  if (status == 206)
    r.headers.push_back({"Content-Range", "bytes " + std::to_string(range.first) + "-" + std::to_string(range.last) +
                                              "/" + std::to_string(file->size)});
  add_cors(r.headers);
  if (!co_await write(c, http::serialize_head(r))) co_return false;
  if (head.method == "HEAD") co_return keep;
  if (range.first > 0 && ::fseeko(f, static_cast<off_t>(range.first), SEEK_SET) != 0) co_return false;
  std::vector<char> chunk(64 * 1024);
  std::uint64_t left = length;
  while (left > 0) {
    const std::size_t n = std::fread(chunk.data(), 1, chunk.size(), f);
    if (n == 0) co_return false;  // the file shrank under us: the length promised cannot be kept
    if (!co_await write(c, std::string_view(chunk.data(), std::min<std::uint64_t>(n, left)))) co_return false;
    left -= std::min<std::uint64_t>(n, left);
  }
  co_return keep;
}

}  // namespace confab::server
