#include "net/tls_socket.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <sys/socket.h>

#include <cerrno>
#include <climits>
#include <cstdint>

namespace confab::net {

namespace {

int fd_of(BIO* bio) { return static_cast<int>(reinterpret_cast<std::intptr_t>(BIO_get_data(bio))); }

bool would_block(int e) { return e == EAGAIN || e == EWOULDBLOCK || e == EINTR; }

int bio_write(BIO* bio, const char* data, int size) {
  BIO_clear_retry_flags(bio);
  ssize_t n;
  do n = ::send(fd_of(bio), data, static_cast<std::size_t>(size), MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0 && would_block(errno)) BIO_set_retry_write(bio);
  return static_cast<int>(n);
}

int bio_read(BIO* bio, char* data, int size) {
  BIO_clear_retry_flags(bio);
  ssize_t n;
  do n = ::recv(fd_of(bio), data, static_cast<std::size_t>(size), 0);
  while (n < 0 && errno == EINTR);
  if (n < 0 && would_block(errno)) BIO_set_retry_read(bio);
  return static_cast<int>(n);
}

long bio_ctrl(BIO*, int command, long, void*) {
  // Writes go straight to the socket: there is nothing to flush. Every
  // other control (kTLS queries, EOF, pending) has no meaning here.
  return command == BIO_CTRL_FLUSH ? 1 : 0;
}

int bio_create(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}

// The error after a failed call, and the error queue emptied: OpenSSL keeps
// it per thread, and a stale entry would be blamed on the next connection.
IoResult classify(SSL* ssl, int ret) {
  const int error = SSL_get_error(ssl, ret);
  const int saved_errno = errno;
  ERR_clear_error();
  switch (error) {
    case SSL_ERROR_WANT_READ: return IoResult::want_read;
    case SSL_ERROR_WANT_WRITE: return IoResult::want_write;
    case SSL_ERROR_ZERO_RETURN: return IoResult::closed;
    case SSL_ERROR_SYSCALL: return saved_errno == 0 ? IoResult::closed : IoResult::failed;
    default: return IoResult::failed;
  }
}

int clamp(std::size_t size) { return size > INT_MAX ? INT_MAX : static_cast<int>(size); }

}  // namespace

SocketBioMethod::SocketBioMethod() {
  method_ = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR, "confab socket");
  if (!method_) return;
  BIO_meth_set_write(method_, bio_write);
  BIO_meth_set_read(method_, bio_read);
  BIO_meth_set_ctrl(method_, bio_ctrl);
  BIO_meth_set_create(method_, bio_create);
}

SocketBioMethod::~SocketBioMethod() { BIO_meth_free(method_); }

SslPtr SocketBioMethod::new_server(SSL_CTX* context, int fd) const {
  if (!method_) return nullptr;
  SslPtr ssl(SSL_new(context));
  if (!ssl) return nullptr;
  BIO* bio = BIO_new(method_);
  if (!bio) return nullptr;
  BIO_set_data(bio, reinterpret_cast<void*>(static_cast<std::intptr_t>(fd)));
  SSL_set_bio(ssl.get(), bio, bio);  // the SSL owns the BIO now
  SSL_set_accept_state(ssl.get());
  return ssl;
}

SslPtr SocketBioMethod::new_client(SSL_CTX* context, int fd) const {
  SslPtr ssl = new_server(context, fd);
  if (ssl) SSL_set_connect_state(ssl.get());
  return ssl;
}

void tune_server_context(SSL_CTX* context) {
  SSL_CTX_set_mode(context,
                   SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  // Resumption still works through tickets (stateless); a server-side cache
  // would keep a session per connection in memory for no gain.
  SSL_CTX_set_session_cache_mode(context, SSL_SESS_CACHE_OFF);
  // Client-initiated renegotiation is a CPU lever for an attacker.
  SSL_CTX_set_options(context, SSL_OP_NO_RENEGOTIATION);
}

IoOutcome tls_handshake(SSL* ssl) {
  ERR_clear_error();
  const int r = SSL_do_handshake(ssl);
  if (r == 1) return {IoResult::done, 0};
  const IoResult result = classify(ssl, r);
  // A peer that goes away mid-handshake failed the handshake.
  return {result == IoResult::closed ? IoResult::failed : result, 0};
}

IoOutcome tls_read(SSL* ssl, std::uint8_t* data, std::size_t size) {
  ERR_clear_error();
  const int r = SSL_read(ssl, data, clamp(size));
  if (r > 0) return {IoResult::done, static_cast<std::size_t>(r)};
  return {classify(ssl, r), 0};
}

IoOutcome tls_write(SSL* ssl, const std::uint8_t* data, std::size_t size) {
  ERR_clear_error();
  const int r = SSL_write(ssl, data, clamp(size));
  if (r > 0) return {IoResult::done, static_cast<std::size_t>(r)};
  return {classify(ssl, r), 0};
}

void tls_close_notify(SSL* ssl) {
  ERR_clear_error();
  if (SSL_shutdown(ssl) < 0) ERR_clear_error();
}

IoOutcome plain_read(int fd, std::uint8_t* data, std::size_t size) {
  ssize_t n;
  do n = ::recv(fd, data, size, 0);
  while (n < 0 && errno == EINTR);
  if (n > 0) return {IoResult::done, static_cast<std::size_t>(n)};
  if (n == 0) return {IoResult::closed, 0};
  return {would_block(errno) ? IoResult::want_read : IoResult::failed, 0};
}

IoOutcome plain_write(int fd, const std::uint8_t* data, std::size_t size) {
  ssize_t n;
  do n = ::send(fd, data, size, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n >= 0) return {IoResult::done, static_cast<std::size_t>(n)};
  return {would_block(errno) ? IoResult::want_write : IoResult::failed, 0};
}

}  // namespace confab::net
