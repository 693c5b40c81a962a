#pragma once
// Channel-binding data (RFC 5056) as the TLS layer hands it over: the
// binding type's name and its bytes for this connection. confab_sasl never
// sees a TLS object; the I/O layer computes, for the connection at hand,
//   "tls-exporter"          (RFC 9266): SSL_export_keying_material() with
//                           label "EXPORTER-Channel-Binding", no context,
//                           32 bytes; only with TLS 1.3, or TLS 1.2 with
//                           extended master secret (RFC 7627);
//   "tls-server-end-point"  (RFC 5929 §4.1): the hash of the server's
//                           certificate (SHA-256 for MD5/SHA-1 signatures,
//                           else the signature's hash).
// "tls-unique" is not offered: it is undefined for TLS 1.3 (RFC 9266 §3).
#include <string>
#include <string_view>

#include "core/bytes.hpp"

namespace confab::sasl {

inline constexpr std::string_view tls_exporter = "tls-exporter";
inline constexpr std::string_view tls_server_end_point = "tls-server-end-point";

struct ChannelBinding {
  std::string type;  // cb-name: 1*(ALPHA / DIGIT / "." / "-")
  Bytes data;
};

}  // namespace confab::sasl
