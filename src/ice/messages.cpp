#include "ice/messages.hpp"

namespace confab::ice {

using stun::MessageBuilder;
using stun::MessageClass;
namespace attr = stun::attr;

Bytes build_check_request(const stun::TransactionId& id, const CheckRequest& r, ByteView key) {
  MessageBuilder b(MessageClass::request, stun::method::binding, id);
  b.add_string(attr::username, r.username);
  b.add_u32(attr::priority, r.priority);
  b.add_u64(r.role == Role::controlling ? attr::ice_controlling : attr::ice_controlled, r.tie_breaker);
  if (r.use_candidate) b.add_flag(attr::use_candidate);
  b.add_message_integrity(key);
  b.add_fingerprint();
  return std::move(b).finish();
}

Bytes build_check_success(const stun::TransactionId& id, const SocketAddress& mapped, ByteView key) {
  MessageBuilder b(MessageClass::success_response, stun::method::binding, id);
  b.add_xor_address(attr::xor_mapped_address, mapped);
  b.add_message_integrity(key);
  b.add_fingerprint();
  return std::move(b).finish();
}

Bytes build_error_response(const stun::TransactionId& id, std::uint16_t code, std::string_view reason, ByteView key,
                           const std::vector<std::uint16_t>& unknown) {
  MessageBuilder b(MessageClass::error_response, stun::method::binding, id);
  b.add_error_code(code, reason);
  if (!unknown.empty()) b.add_unknown_attributes(unknown);
  if (!key.empty()) b.add_message_integrity(key);
  b.add_fingerprint();
  return std::move(b).finish();
}

Bytes build_binding_request(const stun::TransactionId& id) {
  MessageBuilder b(MessageClass::request, stun::method::binding, id);
  b.add_fingerprint();
  return std::move(b).finish();
}

Bytes build_binding_indication(const stun::TransactionId& id) {
  MessageBuilder b(MessageClass::indication, stun::method::binding, id);
  b.add_fingerprint();
  return std::move(b).finish();
}

std::optional<std::pair<std::string_view, std::string_view>> split_username(std::string_view username) {
  const auto colon = username.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  return std::pair{username.substr(0, colon), username.substr(colon + 1)};
}

}  // namespace confab::ice
