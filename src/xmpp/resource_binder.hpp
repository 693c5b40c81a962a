#pragma once
// What a c2s session needs from the server to bind a resource (RFC 6120
// §7): the router implements it; the session only asks.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "xmpp/jid.hpp"

namespace confab::xmpp {

struct BindError {
  enum class Kind { conflict, not_allowed, resource_constraint } kind;
  std::string text;
};

class ResourceBinder {
 public:
  virtual ~ResourceBinder() = default;
  virtual Result<Jid, BindError> bind(std::uint64_t session, const Jid& account, std::string_view requested) = 0;
};

}  // namespace confab::xmpp
