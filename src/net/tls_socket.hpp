#pragma once
// OpenSSL directly on a non-blocking socket, for servers that hold many idle
// connections. asio's ssl::stream keeps a BIO pair and two staging buffers,
// ~70 KiB per connection whether it is busy or not; here the SSL object
// reads and writes the socket itself, and with SSL_MODE_RELEASE_BUFFERS it
// holds no record buffers while idle. Readiness comes from the caller's
// event loop: every call says what it is waiting for.
#include <openssl/ssl.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace confab::net {

// What a non-blocking call did.
enum class IoResult : std::uint8_t {
  done,        // all of it (handshake finished, or `n` bytes moved)
  want_read,   // call again once the socket is readable
  want_write,  // call again once the socket is writable
  closed,      // the peer closed (EOF, or TLS close_notify)
  failed,      // a socket or TLS error: close the connection
};

struct IoOutcome {
  IoResult result = IoResult::done;
  std::size_t bytes = 0;  // read or written, when result == done
};

struct SslDeleter {
  void operator()(SSL* s) const { SSL_free(s); }
};
using SslPtr = std::unique_ptr<SSL, SslDeleter>;

// The BIO method that sends with MSG_NOSIGNAL (OpenSSL's socket BIO uses
// write(2), which raises SIGPIPE on a reset connection). One per service.
class SocketBioMethod {
 public:
  SocketBioMethod();
  ~SocketBioMethod();
  SocketBioMethod(const SocketBioMethod&) = delete;
  SocketBioMethod& operator=(const SocketBioMethod&) = delete;
  // A server-side SSL for `fd` (not owned), or null when OpenSSL is out of memory.
  SslPtr new_server(SSL_CTX* context, int fd) const;
  // The same for the client side of a handshake (outgoing STARTTLS).
  SslPtr new_client(SSL_CTX* context, int fd) const;

 private:
  BIO_METHOD* method_ = nullptr;
};

// Makes a server context idle-friendly: record buffers released while
// nothing is pending, partial writes, a write buffer that may move.
void tune_server_context(SSL_CTX* context);

IoOutcome tls_handshake(SSL* ssl);
IoOutcome tls_read(SSL* ssl, std::uint8_t* data, std::size_t size);
IoOutcome tls_write(SSL* ssl, const std::uint8_t* data, std::size_t size);
// Sends close_notify if it can without waiting; the socket is closed next anyway.
void tls_close_notify(SSL* ssl);

IoOutcome plain_read(int fd, std::uint8_t* data, std::size_t size);
IoOutcome plain_write(int fd, const std::uint8_t* data, std::size_t size);

}  // namespace confab::net
