#pragma once
// XEP-0115 entity capabilities: the verification string of a disco#info
// answer (§5.1), its hash (§5.2: SHA-1, and SHA-256 from the IANA
// registry), the <c/> an entity puts in its presence, and the cache a
// server keeps of what each 'ver' stands for (§5.4: asked once per unknown
// ver, with node#ver, of one entity that announced it; believed only if the
// answer hashes to it).
//
//   CapsCache cache({.max_entries = 1000});
//   if (auto c = caps_of(presence)) if (auto ask = cache.announce(full, *c, domain, rng)) send(*ask);
//   auto learned = cache.answer(iq_result);   // the JIDs whose features are now known
//   cache.features_of(full)                    // nullptr until then
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/result.hpp"
#include "core/rng.hpp"
#include "xmpp/jid.hpp"
#include "xmpp/xml_element.hpp"

namespace confab::xmpp {

namespace ns {
inline constexpr std::string_view caps = "http://jabber.org/protocol/caps";
}  // namespace ns

// <c xmlns='http://jabber.org/protocol/caps' hash node ver/>
struct Caps {
  std::string hash;  // "sha-1"; empty: the legacy format of caps before 1.5 (not verifiable)
  std::string node;
  std::string ver;
};

std::optional<Caps> caps_of(const Element& presence);
Element caps_element(const Caps& caps);

// §5.1's S for a disco#info <query/>; an error for what §5.4 says not to
// accept (two identities or features alike, two forms of one FORM_TYPE, a
// FORM_TYPE field that is not hidden or has several values). Forms without
// a FORM_TYPE are left out, as §5.4 says.
Result<std::string, std::string> verification_string(const Element& disco_info_query);

// base64 of the digest of `s` by the IANA hash name ("sha-1", "sha-256");
// nullopt for a hash this code does not do.
std::optional<std::string> caps_hash(std::string_view hash_name, std::string_view s);

// The <c/> for an entity whose disco#info is `query` (the server's own, in
// its stream features: §6.3).
Element caps_for(const Element& disco_info_query, std::string node);

struct CapsCacheConfig {
  std::size_t max_entries = 1000;  // vers remembered; the oldest go first
  std::size_t max_pending = 256;   // disco#info queries in flight
};

class CapsCache {
 public:
  explicit CapsCache(CapsCacheConfig config = {}) : config_(config) {}

  // `full` announced `caps`. Returns the disco#info query to send (from
  // `domain`, to `full`) when the ver is unknown and nobody is asked yet.
  std::optional<Element> announce(const Jid& full, const Caps& caps, const std::string& domain, Rng& rng);
  // An IQ result or error to the server: nullopt if it is not an answer to
  // one of our queries; else the JIDs whose features it made known (empty
  // when it did not verify).
  std::optional<std::vector<Jid>> answer(const Element& iq);
  // The sorted features of what `full` announced last; nullptr if unknown.
  const std::vector<std::string>* features_of(const Jid& full) const;
  bool wants(const Jid& full, std::string_view feature) const;
  // `full` went away (its pending query, if any, is dropped: the next to
  // announce that ver is asked).
  void forget(const Jid& full);

  std::size_t known() const { return features_.size(); }

 private:
  struct Pending {
    Jid asked;
    Caps caps;
  };
  CapsCacheConfig config_;
  std::unordered_map<Jid, std::string> ver_of_;  // what each resource announced (hash:ver)
  std::unordered_map<std::string, std::vector<std::string>> features_;  // hash:ver -> features
  std::deque<std::string> order_;  // of features_, oldest first
  std::unordered_map<std::string, Pending> pending_;  // by IQ id
};

}  // namespace confab::xmpp
