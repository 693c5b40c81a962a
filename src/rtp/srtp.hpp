#pragma once
// SRTP and SRTCP (RFC 3711, RFC 7714 for AES-GCM) through libsrtp2. The
// libsrtp headers stay in srtp.cpp; this header only names its context type.
//
// One SrtpContext protects (outbound) or unprotects (inbound) every SSRC of
// one direction with one master key, as SDES (RFC 4568) and DTLS-SRTP
// (RFC 5764) key a two-party call. A context is not thread-safe: one
// media thread uses it.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/bytes.hpp"
#include "core/result.hpp"

struct srtp_ctx_t_;  // libsrtp2's session (srtp_t is a pointer to it)

namespace confab::rtp {

enum class SrtpProfile : std::uint8_t {
  aes_cm_128_hmac_sha1_80,  // RFC 3711 default; SRTCP also HMAC-SHA1-80
  aes_cm_128_hmac_sha1_32,  // 32-bit RTP tag (RFC 4568 §6.2.2); SRTCP keeps 80 bits
  aead_aes_128_gcm,         // RFC 7714, 16-byte tag
};
// RFC 4568 suite names ("AES_CM_128_HMAC_SHA1_80", "AEAD_AES_128_GCM").
std::string_view sdes_name(SrtpProfile p);
std::optional<SrtpProfile> srtp_profile_from_sdes_name(std::string_view name);
// RFC 5764 / RFC 7714 DTLS-SRTP protection profile IDs (0x0001, 0x0002, 0x0007).
std::uint16_t dtls_srtp_profile_id(SrtpProfile p);
// Master key + master salt length: 30 bytes for AES-CM, 28 for AES-GCM.
std::size_t master_key_salt_length(SrtpProfile p);

enum class SrtpDirection : std::uint8_t { outbound, inbound };

struct SrtpError {
  int status = 0;          // libsrtp2's srtp_err_status_t; 0 for our own checks
  std::string operation;   // "srtp_unprotect", "key length"...
  std::string detail;

  bool is_replay() const;        // srtp_err_status_replay_fail / replay_old: drop quietly
  bool is_auth_failure() const;  // srtp_err_status_auth_fail: forged or corrupted, count it
  // "srtp_unprotect: srtp_err_status_auth_fail (authentication failure)"
  std::string message() const;
};
// "srtp_err_status_replay_fail" for 9, and so on.
std::string_view srtp_status_name(int status);

struct SrtpOptions {
  // Inbound: how far back (in packets) a late or retransmitted packet is
  // still accepted. libsrtp's default is 128; NACK'd video needs more.
  std::size_t replay_window = 1024;
};

class SrtpContext {
 public:
  static Result<SrtpContext, SrtpError> create(SrtpProfile profile, SrtpDirection direction, ByteView master_key_salt,
                                               const SrtpOptions& options = {});
  SrtpContext(SrtpContext&&) noexcept;
  SrtpContext& operator=(SrtpContext&&) noexcept;
  ~SrtpContext();

  // In place: `packet` holds RTP/RTCP and becomes SRTP/SRTCP (it grows by the
  // tag, and for SRTCP the index), or the reverse. On error the packet
  // keeps its length but, after a failed unprotect, not necessarily its
  // bytes (AEAD decrypts in place): drop it. The value is the new length.
  Result<std::size_t, SrtpError> protect_rtp(Bytes& packet);
  Result<std::size_t, SrtpError> unprotect_rtp(Bytes& packet);
  Result<std::size_t, SrtpError> protect_rtcp(Bytes& packet);
  Result<std::size_t, SrtpError> unprotect_rtcp(Bytes& packet);

  SrtpProfile profile() const { return profile_; }
  SrtpDirection direction() const { return direction_; }

 private:
  struct Deleter {
    void operator()(srtp_ctx_t_* ctx) const;
  };
  SrtpContext(SrtpProfile profile, SrtpDirection direction, srtp_ctx_t_* ctx);
  Result<std::size_t, SrtpError> run(Bytes& packet, bool rtcp, bool protect);

  SrtpProfile profile_;
  SrtpDirection direction_;
  std::unique_ptr<srtp_ctx_t_, Deleter> ctx_;
};

// Both directions of one call: our key protects what we send, the peer's
// unprotects what we receive.
class SrtpSession {
 public:
  static Result<SrtpSession, SrtpError> create(SrtpProfile profile, ByteView local_key_salt, ByteView remote_key_salt,
                                               const SrtpOptions& options = {});

  Result<std::size_t, SrtpError> protect_rtp(Bytes& packet) { return outbound_.protect_rtp(packet); }
  Result<std::size_t, SrtpError> protect_rtcp(Bytes& packet) { return outbound_.protect_rtcp(packet); }
  Result<std::size_t, SrtpError> unprotect_rtp(Bytes& packet) { return inbound_.unprotect_rtp(packet); }
  Result<std::size_t, SrtpError> unprotect_rtcp(Bytes& packet) { return inbound_.unprotect_rtcp(packet); }

 private:
  SrtpSession(SrtpContext outbound, SrtpContext inbound)
      : outbound_(std::move(outbound)), inbound_(std::move(inbound)) {}
  SrtpContext outbound_;
  SrtpContext inbound_;
};

}  // namespace confab::rtp
