#pragma once
// The STUN messages ICE sends (RFC 8445 §7.1, §7.3, §11; RFC 7675): built
// with confab::stun's codec, attributes in a fixed order.
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "core/address.hpp"
#include "core/bytes.hpp"
#include "ice/pair.hpp"
#include "stun/message.hpp"

namespace confab::ice {

struct CheckRequest {
  std::string_view username;  // "RFRAG:LFRAG": the receiver's ufrag first
  std::uint32_t priority = 0;  // PRIORITY: a would-be prflx candidate's priority
  Role role = Role::controlling;
  std::uint64_t tie_breaker = 0;
  bool use_candidate = false;
};

// USERNAME, PRIORITY, ICE-CONTROLLING/ICE-CONTROLLED, [USE-CANDIDATE],
// MESSAGE-INTEGRITY (key: the receiver's password), FINGERPRINT.
Bytes build_check_request(const stun::TransactionId& id, const CheckRequest& r, ByteView key);
// XOR-MAPPED-ADDRESS, MESSAGE-INTEGRITY (key: our own password), FINGERPRINT.
Bytes build_check_success(const stun::TransactionId& id, const SocketAddress& mapped, ByteView key);
// ERROR-CODE, [UNKNOWN-ATTRIBUTES], [MESSAGE-INTEGRITY if `key` is not
// empty: only for requests that authenticated], FINGERPRINT.
Bytes build_error_response(const stun::TransactionId& id, std::uint16_t code, std::string_view reason, ByteView key,
                           const std::vector<std::uint16_t>& unknown = {});
// Server-reflexive gathering (§5.1.1.2): a plain Binding request with FINGERPRINT.
Bytes build_binding_request(const stun::TransactionId& id);
// A keepalive (§11): a Binding indication with FINGERPRINT.
Bytes build_binding_indication(const stun::TransactionId& id);

// "LFRAG:RFRAG" as the receiver sees it: {our ufrag, the sender's}.
std::optional<std::pair<std::string_view, std::string_view>> split_username(std::string_view username);

}  // namespace confab::ice
