#pragma once
// XMPP addresses (RFC 7622): [localpart@]domainpart[/resourcepart].
//
// A Jid is always in canonical form: parse() applies the preparation of each
// part (localpart: case-folded and normalised like stringprep's Nodeprep,
// which libidn implements; domainpart: lowercase, IDNA to Unicode form
// checked, a trailing dot removed; resourcepart: Resourceprep, case kept),
// refuses what RFC 7622 forbids (empty parts, parts over 1023 bytes,
// prohibited characters), so two Jids are equal exactly when they name the
// same entity. Comparison and hashing work on the canonical text.
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace confab::xmpp {

struct JidError {
  enum class Part { whole, localpart, domainpart, resourcepart } part = Part::whole;
  std::string message;  // one line, e.g. "localpart: prohibited character U+0020"
};

class Jid {
 public:
  Jid() = default;
  // Parses and prepares any JID text; errors name the part and the problem.
  static Result<Jid, JidError> parse(std::string_view text);
  // Builds from parts (each prepared and checked as parse() would).
  static Result<Jid, JidError> from_parts(std::string_view local, std::string_view domain,
                                          std::string_view resource = {});

  const std::string& local() const { return local_; }        // empty when absent
  const std::string& domain() const { return domain_; }
  const std::string& resource() const { return resource_; }  // empty when absent

  bool is_bare() const { return resource_.empty(); }
  bool is_full() const { return !resource_.empty(); }
  bool is_domain() const { return local_.empty() && resource_.empty(); }
  bool empty() const { return domain_.empty(); }

  Jid bare() const;                               // without the resource
  Jid with_resource(std::string resource) const;  // `resource` must already be prepared (see prepare_resource)
  std::string str() const;                        // "local@domain/resource"
  std::string bare_str() const;                   // "local@domain"

  friend bool operator==(const Jid&, const Jid&) = default;
  friend auto operator<=>(const Jid&, const Jid&) = default;

 private:
  std::string local_, domain_, resource_;
};

// Resourceprep alone, for resource binding (RFC 6120 §7.7.2.2): the prepared
// resource, or why the client's requested one is not acceptable.
Result<std::string, JidError> prepare_resource(std::string_view resource);

}  // namespace confab::xmpp

template <>
struct std::hash<confab::xmpp::Jid> {
  std::size_t operator()(const confab::xmpp::Jid& j) const noexcept {
    std::size_t h = std::hash<std::string>{}(j.local());
    h ^= std::hash<std::string>{}(j.domain()) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    h ^= std::hash<std::string>{}(j.resource()) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    return h;
  }
};
