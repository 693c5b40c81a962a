#include "net/stream_client.hpp"

#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "net/sockaddr.hpp"

namespace confab::net {

namespace {

std::string ssl_error_text() {
  unsigned long e = ERR_get_error();
  if (e == 0) return "TLS error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return buf;
}

int remaining_ms(Instant deadline) {
  auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::max<long long>(0, left));
}

// Waits for `events` on fd until the deadline: false when it ran out.
bool wait_for(int fd, short events, Instant deadline) {
  pollfd p{fd, events, 0};
  for (;;) {
    int r = ::poll(&p, 1, remaining_ms(deadline));
    if (r > 0) return true;
    if (r == 0) return false;
    if (errno != EINTR) return false;
  }
}

}  // namespace

struct StreamClient::Impl {
  int fd = -1;
  SSL_CTX* ctx = nullptr;
  SSL* ssl = nullptr;

  ~Impl() {
    if (ssl) SSL_free(ssl);
    if (ctx) SSL_CTX_free(ctx);
    if (fd >= 0) ::close(fd);
  }

  // Runs an OpenSSL call on the non-blocking socket until it completes,
  // waiting for whichever direction it needs, within the deadline.
  template <class Op>
  Result<int, std::string> drive(Op op, Instant deadline, const char* what) {
    for (;;) {
      int r = op();
      if (r > 0) return r;
      int err = SSL_get_error(ssl, r);
      if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
        if (!wait_for(fd, err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline))
          return unexpected(std::string(what) + ": timed out");
        continue;
      }
      if (err == SSL_ERROR_ZERO_RETURN) return unexpected(std::string("connection closed"));
      if (err == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) return unexpected(std::string("connection closed"));
      return unexpected(std::string(what) + ": " + ssl_error_text());
    }
  }
};

Result<std::unique_ptr<StreamClient>, std::string> StreamClient::connect(const SocketAddress& server,
                                                                         Duration timeout,
                                                                         const std::optional<TlsClientOptions>& tls) {
  std::unique_ptr<StreamClient> c(new StreamClient);
  c->impl_ = std::make_unique<Impl>();
  const Instant deadline = Clock::now() + timeout;
  int fd = ::socket(server.ip.is_v4() ? AF_INET : AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return unexpected(std::string("socket: ") + std::strerror(errno));
  c->impl_->fd = fd;
  sockaddr_storage ss;
  socklen_t len = to_sockaddr(server, ss);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    if (errno != EINPROGRESS) return unexpected("cannot connect to " + server.to_string() + ": " + std::strerror(errno));
    if (!wait_for(fd, POLLOUT, deadline)) return unexpected("cannot connect to " + server.to_string() + ": timed out");
    int err = 0;
    socklen_t elen = sizeof err;
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen);
    if (err != 0) return unexpected("cannot connect to " + server.to_string() + ": " + std::strerror(err));
  }
  if (tls) {
    auto r = c->start_tls(*tls, std::chrono::duration_cast<Duration>(deadline - Clock::now()));
    if (!r) return unexpected(r.error());
  }
  return c;
}

StreamClient::~StreamClient() = default;

Result<std::monostate, std::string> StreamClient::start_tls(const TlsClientOptions& options, Duration timeout) {
  Impl& s = *impl_;
  if (s.ssl) return unexpected(std::string("TLS is already on"));
  s.ctx = SSL_CTX_new(TLS_client_method());
  if (!s.ctx) return unexpected(ssl_error_text());
  SSL_CTX_set_min_proto_version(s.ctx, TLS1_2_VERSION);
  if (options.verify) {
    SSL_CTX_set_verify(s.ctx, SSL_VERIFY_PEER, nullptr);
    const int loaded = options.ca_file.empty()
                           ? SSL_CTX_set_default_verify_paths(s.ctx)
                           : SSL_CTX_load_verify_locations(s.ctx, options.ca_file.c_str(), nullptr);
    if (loaded != 1) return unexpected("cannot load CA certificates " + options.ca_file.string() + ": " + ssl_error_text());
  }
  s.ssl = SSL_new(s.ctx);
  SSL_set_fd(s.ssl, s.fd);
  if (!options.server_name.empty()) {
    // SSL_set_tlsext_host_name is a macro with an old-style cast: call what it expands to.
    SSL_ctrl(s.ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
             const_cast<char*>(options.server_name.c_str()));
    if (options.verify) SSL_set1_host(s.ssl, options.server_name.c_str());
  }
  auto r = s.drive([&] { return SSL_connect(s.ssl); }, Clock::now() + timeout, "TLS handshake");
  if (!r) {
    long v = SSL_get_verify_result(s.ssl);
    if (v != X509_V_OK)
      return unexpected("TLS handshake: the server's certificate is not trusted (" +
                        std::string(X509_verify_cert_error_string(v)) + ")");
    return unexpected(r.error());
  }
  return std::monostate{};
}

bool StreamClient::is_tls() const { return impl_->ssl != nullptr; }

std::string StreamClient::tls_version() const { return impl_->ssl ? SSL_get_version(impl_->ssl) : ""; }

Bytes StreamClient::tls_exporter() const {
  SSL* ssl = impl_->ssl;
  if (!ssl || (SSL_version(ssl) < TLS1_3_VERSION && SSL_get_extms_support(ssl) != 1)) return {};
  static constexpr char label[] = "EXPORTER-Channel-Binding";
  Bytes out(32);
  if (SSL_export_keying_material(ssl, out.data(), out.size(), label, sizeof label - 1, nullptr, 0, 0) != 1) return {};
  return out;
}

Result<std::monostate, std::string> StreamClient::write_all(ByteView bytes, Duration timeout) {
  Impl& s = *impl_;
  const Instant deadline = Clock::now() + timeout;
  std::size_t done = 0;
  while (done < bytes.size()) {
    if (s.ssl) {
      auto r = s.drive([&] { return SSL_write(s.ssl, bytes.data() + done, static_cast<int>(bytes.size() - done)); },
                       deadline, "write");
      if (!r) return unexpected(r.error());
      done += static_cast<std::size_t>(*r);
      continue;
    }
    ssize_t n = ::send(s.fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (!wait_for(s.fd, POLLOUT, deadline)) return unexpected(std::string("write: timed out"));
      continue;
    }
    return unexpected(std::string("write: ") + std::strerror(errno));
  }
  return std::monostate{};
}

Result<Bytes, std::string> StreamClient::read_some(Duration timeout) {
  Impl& s = *impl_;
  Bytes buf(16384);
  if (!has_buffered() && !wait_for(s.fd, POLLIN, Clock::now() + timeout)) return Bytes{};
  if (s.ssl) {
    int n = SSL_read(s.ssl, buf.data(), static_cast<int>(buf.size()));
    if (n > 0) {
      buf.resize(static_cast<std::size_t>(n));
      return buf;
    }
    int err = SSL_get_error(s.ssl, n);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return Bytes{};  // a partial record
    if (err == SSL_ERROR_ZERO_RETURN || (err == SSL_ERROR_SYSCALL && ERR_peek_error() == 0))
      return unexpected(std::string("connection closed"));
    return unexpected("read: " + ssl_error_text());
  }
  ssize_t n = ::recv(s.fd, buf.data(), buf.size(), 0);
  if (n > 0) {
    buf.resize(static_cast<std::size_t>(n));
    return buf;
  }
  if (n == 0) return unexpected(std::string("connection closed"));
  if (errno == EAGAIN || errno == EINTR) return Bytes{};
  return unexpected(std::string("read: ") + std::strerror(errno));
}

bool StreamClient::has_buffered() const { return impl_->ssl && SSL_pending(impl_->ssl) > 0; }

int StreamClient::native_handle() const { return impl_->fd; }

void StreamClient::close() {
  Impl& s = *impl_;
  if (s.ssl) SSL_shutdown(s.ssl);
  if (s.fd >= 0) ::shutdown(s.fd, SHUT_RDWR);
}

}  // namespace confab::net
