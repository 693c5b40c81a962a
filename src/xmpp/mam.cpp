// XEP-0313 user archives: what is archived (the extension's hooks) and the
// IQ routes on the account's bare JID (queries, metadata, preferences).
#include "xmpp/mam.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <unordered_map>

#include "xmpp/im_namespaces.hpp"
#include "xmpp/mam_query.hpp"
#include "xmpp/namespaces.hpp"

namespace confab::xmpp {

namespace {

// §5.1.1: one-to-one chat and normal messages with a body; XEP-0334's
// no-store / no-permanent-store keep a message out.
bool archivable(const Element& m) {
  const auto type = m.attribute("type").value_or("normal");
  if (type != "chat" && type != "normal") return false;
  if (!m.child("body")) return false;
  if (m.child("no-store", ns::hints) || m.child("no-permanent-store", ns::hints)) return false;
  // Never an archive result or a carbon a client forged as a message.
  if (m.child("result", ns::mam) || m.child("sent", ns::carbons) || m.child("received", ns::carbons)) return false;
  return true;
}

Element stanza_id(const Jid& archive, const std::string& id) {
  Element e("stanza-id", std::string(ns::sid));
  e.set_attribute("by", archive.str());
  e.set_attribute("id", id);
  return e;
}

class Mam final : public RouterExtension {
 public:
  Mam(Router& router, XmppStore& store, Rng& rng, MamConfig config)
      : router_(router), store_(store), rng_(rng), config_(std::move(config)) {
    // No clock of our own (the I/O layer owns it): without one, stamps are the epoch.
    if (!config_.wall_clock) config_.wall_clock = [](Instant) { return std::chrono::system_clock::time_point{}; };
  }

  std::optional<Element> message_sent(Instant now, const Jid& account, const Element& message) override {
    if (!archivable(message)) return std::nullopt;
    auto to = Jid::parse(message.attribute("to").value_or(""));
    if (!to) return std::nullopt;
    // A message to oneself is archived once, as received.
    if (to->bare() == account) return std::nullopt;
    auto id = archive(now, account, *to, true, message);
    if (!id) return std::nullopt;
    return stanza_id(account, *id);
  }

  void message_accepted(Instant now, const Jid& account, Element& message) override {
    // XEP-0359 §5: a <stanza-id/> claiming to be by this archive was not
    // put there by us.
    std::erase_if(message.children, [&](const Node& n) {
      const Element* e = n.element();
      return e && e->is("stanza-id", ns::sid) && e->attribute("by") == account.str();
    });
    if (!archivable(message)) return;
    auto from = Jid::parse(message.attribute("from").value_or(""));
    if (!from) return;
    if (auto id = archive(now, account, *from, false, message)) message.add_child(stanza_id(account, *id));
  }

  void account_disco_info(const Jid&, const Jid&, Element& query) override {
    for (std::string_view f : {ns::mam, ns::mam_extended}) {
      Element feature("feature", std::string(ns::disco_info));
      feature.set_attribute("var", std::string(f));
      query.add_child(std::move(feature));
    }
  }

  IqOutcome query(const IqRequest& r) {
    if (r.iq.attribute("type") == "get") return std::optional<Element>(mam::query_form());
    auto parsed = mam::parse_query(r.payload, config_.default_page, config_.max_page);
    if (auto* error = std::get_if<StanzaError>(&parsed)) return *error;
    auto& q = std::get<mam::ParsedQuery>(parsed);
    const Jid account = r.from.bare();
    auto page = store_.query_archive(account, q.query);
    if (!page) {
      if (page.error().kind == StorageError::Kind::not_found)
        return StanzaError(Condition::item_not_found, page.error().message);
      return StanzaError(Condition::internal_server_error, ErrorType::wait);
    }
    // §4.2: the results first, each its own message, then the IQ result.
    const std::string from(r.iq.attribute("to").value_or(""));
    auto send = [&](const ArchivedMessage& m) { router_.route_local(mam::result_message(m, q.queryid, r.from.str(), from)); };
    if (q.flip) std::for_each(page->messages.rbegin(), page->messages.rend(), send);
    else std::for_each(page->messages.begin(), page->messages.end(), send);
    return std::optional<Element>(mam::fin(*page, !q.query.before.has_value()));
  }

  IqOutcome metadata(const IqRequest& r) {
    const Jid account = r.from.bare();
    ArchiveQuery first_q, last_q;
    first_q.max = last_q.max = 1;
    last_q.before = "";
    auto first = store_.query_archive(account, first_q);
    auto last = store_.query_archive(account, last_q);
    if (!first || !last) return StanzaError(Condition::internal_server_error, ErrorType::wait);
    return std::optional<Element>(mam::metadata(*first, *last));
  }

  IqOutcome prefs(const IqRequest& r) {
    const Jid account = r.from.bare();
    if (r.iq.attribute("type") == "set") {
      auto parsed = mam::parse_prefs(r.payload);
      if (auto* error = std::get_if<StanzaError>(&parsed)) return *error;
      prefs_cache_.erase(account);
      if (!store_.set_archive_prefs(account, std::get<ArchivePrefs>(parsed)))
        return StanzaError(Condition::internal_server_error, ErrorType::wait);
    }
    auto prefs = store_.archive_prefs(account);
    if (!prefs) return StanzaError(Condition::internal_server_error, ErrorType::wait);
    return std::optional<Element>(mam::prefs_element(*prefs));
  }

 private:
  // XEP-0441: whether the user wants messages with `with` archived.
  bool wanted(const Jid& account, const Jid& with) {
    // Read once per account (every archived message asks), bounded.
    auto cached = prefs_cache_.find(account);
    if (cached == prefs_cache_.end()) {
      auto stored = store_.archive_prefs(account);
      if (!stored) return true;  // a store that cannot say is no reason to lose history
      if (prefs_cache_.size() >= max_cached_prefs) prefs_cache_.clear();
      cached = prefs_cache_.emplace(account, std::move(*stored)).first;
    }
    const ArchivePrefs* prefs = &cached->second;
    const Jid bare = with.bare();
    if (std::find(prefs->never.begin(), prefs->never.end(), bare) != prefs->never.end()) return false;
    if (std::find(prefs->always.begin(), prefs->always.end(), bare) != prefs->always.end()) return true;
    if (prefs->default_mode == "never") return false;
    if (prefs->default_mode == "roster") return bare == account || router_.in_roster(account, bare);
    return true;
  }

  std::optional<std::string> archive(Instant now, const Jid& account, const Jid& with, bool outgoing,
                                     const Element& message) {
    if (!wanted(account, with)) return std::nullopt;
    ArchivedMessage m;
    // 72 random bits (unguessable, unique in practice) after the time in
    // microseconds: ids made one after another sort together, so the
    // store's index on them grows at its end instead of everywhere.
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
        config_.wall_clock(now).time_since_epoch()).count();
    char stamp[24];
    std::snprintf(stamp, sizeof stamp, "%013llx", static_cast<unsigned long long>(micros));
    m.id = stamp + rng_.random_hex(9);
    m.stamp = std::chrono::time_point_cast<std::chrono::seconds>(config_.wall_clock(now));
    m.with = with;
    m.outgoing = outgoing;
    m.stanza = message;
    if (!store_.archive_message(account, m, config_.max_archived_messages)) return std::nullopt;
    return m.id;
  }

  Router& router_;
  XmppStore& store_;
  Rng& rng_;
  MamConfig config_;
  static constexpr std::size_t max_cached_prefs = 10000;
  std::unordered_map<Jid, ArchivePrefs> prefs_cache_;
};

}  // namespace

void register_mam(Router& router, XmppStore& store, Rng& rng, MamConfig config) {
  auto mam = std::make_shared<Mam>(router, store, rng, std::move(config));
  const std::string ns_mam(ns::mam);
  Mam* m = mam.get();  // the router keeps `mam` alive as long as the routes
  router.add_iq_handler({ns_mam, "query", IqTarget::own_account, true, true, {}},
                        [m](const IqRequest& r) { return m->query(r); });
  router.add_iq_handler({ns_mam, "metadata", IqTarget::own_account, true, false, {}},
                        [m](const IqRequest& r) { return m->metadata(r); });
  router.add_iq_handler({ns_mam, "prefs", IqTarget::own_account, true, true, {}},
                        [m](const IqRequest& r) { return m->prefs(r); });
  router.add_extension(std::move(mam));
}

}  // namespace confab::xmpp
