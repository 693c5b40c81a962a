#pragma once
// The four SCRAM messages (RFC 5802 §5.1, §7) as typed structs, with
// strict parsers for each and formatters for what confab sends. Pure: no
// keys, no state. Every parse error names the attribute and byte offset.
//
//   client-first  gs2-header [m=] n=user,r=cnonce[,ext]
//   server-first  [m=] r=cnonce+snonce,s=salt,i=4096[,ext]
//   client-final  c=base64(gs2-header + cb-data),r=nonce[,ext],p=proof
//   server-final  v=signature[,ext]  or  e=error[,ext]
//
// Attributes are split on ',', which no attribute value may contain
// (names escape it as "=2C"). Optional extensions (ALPHA "=" value) are
// accepted and ignored where the grammar allows them, except that they may
// not reuse a letter RFC 5802 defines; "m=" (a mandatory extension) fails
// with its own code so the server can answer extensions-not-supported.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace confab::sasl {

enum class ScramDecodeErrorCode : std::uint8_t {
  empty,                     // no bytes
  bad_gs2_header,            // not "n" / "y" / "p=name", then "," [a=authzid] ","
  bad_channel_binding_name,  // p= with an empty name or one outside ALPHA / DIGIT / "." / "-"
  bad_authzid,               // a= that is not a saslname
  bad_username,              // n= that is not a saslname
  mandatory_extension,       // m=: this implementation supports none
  missing_attribute,         // the attribute the grammar wants next is not there
  bad_nonce,                 // r= empty or with characters outside printable
  bad_base64,                // c=, p=, s= or v= that is not strict base64, or empty
  bad_iteration_count,       // i= not a positive decimal fitting 32 bits
  bad_extension,             // not ALPHA "=" 1*value-char, or a letter RFC 5802 defines
  bad_server_error,          // e= with an empty or non-UTF-8 value
};
std::string_view to_string(ScramDecodeErrorCode c);

struct ScramDecodeError {
  ScramDecodeErrorCode code = ScramDecodeErrorCode::empty;
  std::size_t offset = 0;  // where in the message it went wrong
  std::string attribute;   // "n", "r", "gs2-header", ...; empty if none
  std::string detail;      // what exactly, e.g. "'=' not followed by 2C or 3D"

  // "SCRAM decode error at byte 4 (n): bad username: ..."
  std::string message() const;
};

enum class Gs2Flag : std::uint8_t {
  n,  // the client does not support channel binding
  y,  // it does, but thinks the server does not (no -PLUS was offered)
  p,  // it binds, with the type in cb_name
};

struct Gs2Header {
  Gs2Flag flag = Gs2Flag::n;
  std::string cb_name;  // for p
  std::string authzid;  // unescaped; empty when none
};

struct ClientFirst {
  Gs2Header gs2;
  std::string gs2_text;  // the header verbatim, both commas included: c= must repeat it
  std::string username;  // unescaped, not yet SASLprep'd
  std::string nonce;
  std::string bare;      // client-first-message-bare verbatim: the start of AuthMessage
};

struct ServerFirst {
  std::string nonce;  // client nonce + server nonce
  Bytes salt;
  std::uint32_t iterations = 0;
};

struct ClientFinal {
  Bytes channel_binding;      // c=, decoded
  std::string nonce;
  Bytes proof;                // p=, decoded
  std::string without_proof;  // verbatim: the end of AuthMessage
};

struct ServerFinal {
  std::optional<std::string> error;  // e= value as sent; nullopt when v= is there
  Bytes verifier;                    // v=, decoded
};

Result<ClientFirst, ScramDecodeError> parse_client_first(std::string_view message);
Result<ServerFirst, ScramDecodeError> parse_server_first(std::string_view message);
Result<ClientFinal, ScramDecodeError> parse_client_final(std::string_view message);
Result<ServerFinal, ScramDecodeError> parse_server_final(std::string_view message);

std::string format_gs2_header(const Gs2Header& h);                               // "n,,", "p=tls-exporter,a=x,"
std::string format_client_first_bare(std::string_view username, std::string_view nonce);
std::string format_server_first(std::string_view nonce, ByteView salt, std::uint32_t iterations);
// "c=" base64(gs2 header + cb data) ",r=" nonce
std::string format_client_final_without_proof(std::string_view gs2_text, ByteView cb_data, std::string_view nonce);
std::string format_proof(ByteView proof);                                        // ",p=..." to append
std::string format_server_final(ByteView server_signature);                      // "v=..."
std::string format_server_error(std::string_view error_value);                   // "e=..."

// AuthMessage = client-first-message-bare "," server-first-message ","
//               client-final-message-without-proof
std::string auth_message(std::string_view client_first_bare, std::string_view server_first,
                         std::string_view client_final_without_proof);

}  // namespace confab::sasl
