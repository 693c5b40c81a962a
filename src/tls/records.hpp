#pragma once
// TLS 1.3 record protection (RFC 8446 §5, §7.1–7.2) for connections whose
// handshake OpenSSL has finished. Sans-I/O: bytes in, bytes out.
//
// Why: an OpenSSL connection object costs ~20 KiB even when idle (the SSL
// struct alone is 7 KiB in OpenSSL 3.0), and a chat server holds thousands
// of idle connections. Once a TLS 1.3 handshake is done, all the connection
// needs is two traffic secrets, two keys, two IVs and two sequence numbers
// (~300 bytes); the AEAD itself is still OpenSSL's, through a per-thread
// cipher context. Kernel TLS would do the same, where the kernel has it.
//
//   auto records = Tls13Records::create(suite, client_secret, server_secret);  // server side
//   auto r = records->open(wire, plaintext, reply);  // whole records taken; reply: our KeyUpdate, if asked
//   records->seal(plaintext, wire_out);
//
// What the peer may still send after the handshake is handled here: alerts
// (close_notify ends the stream, any other alert is an error) and KeyUpdate
// (§4.6.3; answered when it requests it). Anything else is an error.
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/bytes.hpp"

namespace confab::tls {

enum class Tls13Suite : std::uint8_t { aes_128_gcm_sha256, aes_256_gcm_sha384, chacha20_poly1305_sha256 };

// The suite for an IANA cipher suite number (0x1301..0x1303); CCM is not offered.
std::optional<Tls13Suite> tls13_suite(std::uint16_t iana_id);

// RFC 8446 §7.1 HKDF-Expand-Label with an empty context, for lengths up to
// the hash's (all TLS 1.3 key schedule steps after the handshake).
Bytes hkdf_expand_label(Tls13Suite suite, ByteView secret, std::string_view label, std::size_t length);

class Tls13Records {
 public:
  static constexpr std::size_t max_plaintext = 16384;               // §5.1
  static constexpr std::size_t max_ciphertext = max_plaintext + 256;  // §5.2
  static constexpr std::size_t header_size = 5;
  // Our side changes its write key after this many records (§5.5 allows
  // 2^24.5 full records with AES-GCM; far below it, and cheap).
  static constexpr std::uint64_t write_records_per_key = std::uint64_t{1} << 20;

  // `read_secret` protects what we receive, `write_secret` what we send
  // (a server reads with the client's application traffic secret).
  static std::unique_ptr<Tls13Records> create(Tls13Suite suite, ByteView read_secret, ByteView write_secret);

  enum class Status : std::uint8_t { ok, closed, failed };
  struct Opened {
    Status status = Status::ok;
    std::size_t consumed = 0;  // bytes of whole records taken from the input
    std::string error;         // when failed: what was wrong, e.g. "record 3: bad record MAC"
  };
  // Takes every whole record at the front of `wire`: application data is
  // appended to `plaintext`, and records we must send in answer (our
  // KeyUpdate) to `reply`. An unfinished record is left for the next call.
  Opened open(ByteView wire, Bytes& plaintext, Bytes& reply);

  // Protects `plaintext` as application data records appended to `wire`.
  void seal(ByteView plaintext, Bytes& wire);
  // A close_notify alert.
  void seal_close_notify(Bytes& wire);

  std::uint64_t records_read() const { return records_read_; }

 private:
  struct Direction {
    Bytes secret;
    std::array<std::uint8_t, 32> key{};
    std::array<std::uint8_t, 12> iv{};
    std::uint64_t seq = 0;
  };
  Tls13Records(Tls13Suite suite) : suite_(suite) {}
  void install(Direction& d, Bytes secret);
  void update(Direction& d);
  void seal_record(std::uint8_t type, ByteView content, Bytes& wire);
  bool handshake_message(std::uint8_t type, ByteView body, Bytes& reply, std::string& error);

  Tls13Suite suite_;
  Direction read_, write_;
  Bytes handshake_;  // an unfinished handshake message (they may span records)
  std::uint64_t records_read_ = 0;
};

}  // namespace confab::tls
