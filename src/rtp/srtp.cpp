// libsrtp2 behind a small C++ face: contexts own their srtp_t, errors carry
// libsrtp's status by name.
#include "rtp/srtp.hpp"

#include <srtp2/srtp.h>

#include <array>
#include <climits>
#include <cstring>
#include <mutex>

namespace confab::rtp {
namespace {

// libsrtp keeps process-wide state (its crypto kernel: cipher and auth
// types, debug modules) that srtp_init() sets up and that every context
// uses. It is the one global here and it is the library's: initialise it
// exactly once, whoever creates the first context, and never shut it down
// (another context may be alive on another thread).
srtp_err_status_t ensure_initialised() {
  static std::once_flag once;
  static srtp_err_status_t status = srtp_err_status_ok;
  std::call_once(once, [] { status = srtp_init(); });
  return status;
}

Unexpected<SrtpError> fail(int status, std::string operation, std::string detail = {}) {
  return unexpected(SrtpError{status, std::move(operation), std::move(detail)});
}

struct ProfileInfo {
  std::string_view sdes;
  std::uint16_t dtls_id;
  std::size_t key_salt;
};
ProfileInfo info(SrtpProfile p) {
  switch (p) {
    case SrtpProfile::aes_cm_128_hmac_sha1_80: return {"AES_CM_128_HMAC_SHA1_80", 0x0001, 30};
    case SrtpProfile::aes_cm_128_hmac_sha1_32: return {"AES_CM_128_HMAC_SHA1_32", 0x0002, 30};
    case SrtpProfile::aead_aes_128_gcm: return {"AEAD_AES_128_GCM", 0x0007, 28};
  }
  return {"", 0, 0};
}

}  // namespace

std::string_view sdes_name(SrtpProfile p) { return info(p).sdes; }
std::uint16_t dtls_srtp_profile_id(SrtpProfile p) { return info(p).dtls_id; }
std::size_t master_key_salt_length(SrtpProfile p) { return info(p).key_salt; }

std::optional<SrtpProfile> srtp_profile_from_sdes_name(std::string_view name) {
  for (auto p : {SrtpProfile::aes_cm_128_hmac_sha1_80, SrtpProfile::aes_cm_128_hmac_sha1_32,
                 SrtpProfile::aead_aes_128_gcm}) {
    if (info(p).sdes == name) return p;
  }
  return std::nullopt;
}

std::string_view srtp_status_name(int status) {
  static constexpr std::array<std::string_view, 28> names = {
      "srtp_err_status_ok",          "srtp_err_status_fail",          "srtp_err_status_bad_param",
      "srtp_err_status_alloc_fail",  "srtp_err_status_dealloc_fail",  "srtp_err_status_init_fail",
      "srtp_err_status_terminus",    "srtp_err_status_auth_fail",     "srtp_err_status_cipher_fail",
      "srtp_err_status_replay_fail", "srtp_err_status_replay_old",    "srtp_err_status_algo_fail",
      "srtp_err_status_no_such_op",  "srtp_err_status_no_ctx",        "srtp_err_status_cant_check",
      "srtp_err_status_key_expired", "srtp_err_status_socket_err",    "srtp_err_status_signal_err",
      "srtp_err_status_nonce_bad",   "srtp_err_status_read_fail",     "srtp_err_status_write_fail",
      "srtp_err_status_parse_err",   "srtp_err_status_encode_err",    "srtp_err_status_semaphore_err",
      "srtp_err_status_pfkey_err",   "srtp_err_status_bad_mki",       "srtp_err_status_pkt_idx_old",
      "srtp_err_status_pkt_idx_adv"};
  if (status < 0 || static_cast<std::size_t>(status) >= names.size()) return "srtp_err_status_unknown";
  return names[static_cast<std::size_t>(status)];
}

bool SrtpError::is_replay() const {
  return status == srtp_err_status_replay_fail || status == srtp_err_status_replay_old;
}
bool SrtpError::is_auth_failure() const { return status == srtp_err_status_auth_fail; }

std::string SrtpError::message() const {
  std::string out = operation + ": ";
  if (status != 0) {
    out += srtp_status_name(status);
    switch (status) {
      case srtp_err_status_auth_fail: out += " (authentication failure)"; break;
      case srtp_err_status_replay_fail: out += " (replayed packet)"; break;
      case srtp_err_status_replay_old: out += " (packet older than the replay window)"; break;
      default: break;
    }
  }
  if (!detail.empty()) out += (status != 0 ? ": " : "") + detail;
  return out;
}

void SrtpContext::Deleter::operator()(srtp_ctx_t_* ctx) const {
  if (ctx != nullptr) srtp_dealloc(ctx);
}

SrtpContext::SrtpContext(SrtpProfile profile, SrtpDirection direction, srtp_ctx_t_* ctx)
    : profile_(profile), direction_(direction), ctx_(ctx) {}
SrtpContext::SrtpContext(SrtpContext&&) noexcept = default;
SrtpContext& SrtpContext::operator=(SrtpContext&&) noexcept = default;
SrtpContext::~SrtpContext() = default;

Result<SrtpContext, SrtpError> SrtpContext::create(SrtpProfile profile, SrtpDirection direction,
                                                   ByteView master_key_salt, const SrtpOptions& options) {
  if (master_key_salt.size() != master_key_salt_length(profile)) {
    return fail(0, "key length",
                std::string(sdes_name(profile)) + " needs " + std::to_string(master_key_salt_length(profile)) +
                    " bytes of master key and salt, got " + std::to_string(master_key_salt.size()));
  }
  if (srtp_err_status_t s = ensure_initialised(); s != srtp_err_status_ok) return fail(s, "srtp_init");

  srtp_policy_t policy;
  std::memset(&policy, 0, sizeof(policy));
  switch (profile) {
    case SrtpProfile::aes_cm_128_hmac_sha1_80:
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtp);
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp);
      break;
    case SrtpProfile::aes_cm_128_hmac_sha1_32:
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&policy.rtp);
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp);
      break;
    case SrtpProfile::aead_aes_128_gcm:
      srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp);
      srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp);
      break;
  }
  policy.ssrc.type = direction == SrtpDirection::outbound ? ssrc_any_outbound : ssrc_any_inbound;
  // libsrtp reads the key through a non-const pointer but does not write it.
  Bytes key(master_key_salt.begin(), master_key_salt.end());
  policy.key = key.data();
  policy.window_size = options.replay_window < 64 ? 64 : options.replay_window;
  // Our NACK answer resends the very same packet (nack.hpp), which
  // re-protects to the very same bytes: safe, and libsrtp must allow it.
  policy.allow_repeat_tx = direction == SrtpDirection::outbound ? 1 : 0;
  policy.next = nullptr;

  srtp_t ctx = nullptr;
  const srtp_err_status_t s = srtp_create(&ctx, &policy);
  std::memset(key.data(), 0, key.size());
  if (s != srtp_err_status_ok) return fail(s, "srtp_create", std::string(sdes_name(profile)));
  return SrtpContext(profile, direction, ctx);
}

Result<std::size_t, SrtpError> SrtpContext::run(Bytes& packet, bool rtcp, bool protect) {
  const char* op = protect ? (rtcp ? "srtp_protect_rtcp" : "srtp_protect")
                           : (rtcp ? "srtp_unprotect_rtcp" : "srtp_unprotect");
  if ((direction_ == SrtpDirection::outbound) != protect) {
    return fail(0, op, protect ? "this context is for inbound packets" : "this context is for outbound packets");
  }
  const std::size_t original = packet.size();
  if (original + SRTP_MAX_TRAILER_LEN > static_cast<std::size_t>(INT_MAX)) return fail(0, op, "packet too large");
  if (protect) packet.resize(original + SRTP_MAX_TRAILER_LEN);  // room for the tag (and SRTCP index)
  int len = static_cast<int>(original);
  srtp_err_status_t s = srtp_err_status_ok;
  if (protect) {
    s = rtcp ? srtp_protect_rtcp(ctx_.get(), packet.data(), &len) : srtp_protect(ctx_.get(), packet.data(), &len);
  } else {
    s = rtcp ? srtp_unprotect_rtcp(ctx_.get(), packet.data(), &len) : srtp_unprotect(ctx_.get(), packet.data(), &len);
  }
  if (s != srtp_err_status_ok) {
    packet.resize(original);
    return fail(s, op);
  }
  packet.resize(static_cast<std::size_t>(len));
  return packet.size();
}

Result<std::size_t, SrtpError> SrtpContext::protect_rtp(Bytes& packet) { return run(packet, false, true); }
Result<std::size_t, SrtpError> SrtpContext::unprotect_rtp(Bytes& packet) { return run(packet, false, false); }
Result<std::size_t, SrtpError> SrtpContext::protect_rtcp(Bytes& packet) { return run(packet, true, true); }
Result<std::size_t, SrtpError> SrtpContext::unprotect_rtcp(Bytes& packet) { return run(packet, true, false); }

Result<SrtpSession, SrtpError> SrtpSession::create(SrtpProfile profile, ByteView local_key_salt,
                                                   ByteView remote_key_salt, const SrtpOptions& options) {
  auto out = SrtpContext::create(profile, SrtpDirection::outbound, local_key_salt, options);
  if (!out) return unexpected(out.error());
  auto in = SrtpContext::create(profile, SrtpDirection::inbound, remote_key_salt, options);
  if (!in) return unexpected(in.error());
  return SrtpSession(std::move(*out), std::move(*in));
}

}  // namespace confab::rtp
