#pragma once
// A client's TCP connection that can turn into TLS (at once, or later with
// STARTTLS), for the CLI's XMPP commands: blocking calls with deadlines and
// a file descriptor to poll(2) beside stdin. TLS 1.2+, the peer's
// certificate checked against the system's CAs (or a given CA file) and the
// expected name, SNI sent.
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "core/address.hpp"
#include "core/bytes.hpp"
#include "core/result.hpp"
#include "core/time.hpp"

namespace confab::net {

struct TlsClientOptions {
  std::string server_name;           // SNI and the name the certificate must carry
  std::filesystem::path ca_file;     // trust only this PEM (e.g. confabd's self-signed one); empty: system CAs
  bool verify = true;                // false: accept any certificate (say so to the user)
};

class StreamClient {
 public:
  // Connects within `timeout`; with `tls`, runs the TLS handshake too.
  static Result<std::unique_ptr<StreamClient>, std::string> connect(const SocketAddress& server, Duration timeout,
                                                                    const std::optional<TlsClientOptions>& tls);
  ~StreamClient();
  StreamClient(const StreamClient&) = delete;
  StreamClient& operator=(const StreamClient&) = delete;

  // STARTTLS: a TLS client handshake on the open connection.
  Result<std::monostate, std::string> start_tls(const TlsClientOptions& options, Duration timeout);
  bool is_tls() const;
  std::string tls_version() const;  // "TLSv1.3"; empty before TLS
  // RFC 9266 tls-exporter (32 bytes), empty when the channel cannot be bound
  // (not TLS, or TLS 1.2 without the extended master secret).
  Bytes tls_exporter() const;

  Result<std::monostate, std::string> write_all(ByteView bytes, Duration timeout);
  // Reads what is there, waiting up to `timeout` for something: the bytes
  // (empty when the wait ran out), or an error; end of stream is an error
  // "connection closed".
  Result<Bytes, std::string> read_some(Duration timeout);
  // True when read_some() would return at once without touching the socket
  // (TLS has decrypted bytes buffered): poll() cannot see those.
  bool has_buffered() const;
  int native_handle() const;
  void close();

 private:
  StreamClient() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace confab::net
