#include "xmpp/xmpp_storage.hpp"

namespace confab::xmpp {

const char* to_string(Subscription s) {
  switch (s) {
    case Subscription::none: return "none";
    case Subscription::to: return "to";
    case Subscription::from: return "from";
    case Subscription::both: return "both";
  }
  return "none";
}

std::optional<Subscription> subscription_from_string(std::string_view s) {
  if (s == "none") return Subscription::none;
  if (s == "to") return Subscription::to;
  if (s == "from") return Subscription::from;
  if (s == "both") return Subscription::both;
  return std::nullopt;
}

}  // namespace confab::xmpp
