// XEP-0363's XMPP side: disco, slot requests, their refusals.
#include "xmpp/upload_component.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "xmpp/data_form.hpp"
#include "xmpp/delay.hpp"
#include "xmpp/im_namespaces.hpp"
#include "xmpp/namespaces.hpp"

namespace confab::xmpp {

namespace {

Element el(std::string_view name, std::string_view ns_name) { return Element(std::string(name), std::string(ns_name)); }

std::optional<std::uint64_t> parse_size(std::string_view s) {
  std::uint64_t v = 0;
  if (s.empty() || s.size() > 19) return std::nullopt;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::int64_t unix_seconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace

std::optional<std::string> validate(const UploadConfig& c) {
  if (c.domain.empty()) return "no upload domain";
  if (c.base_url.rfind("https://", 0) != 0 && c.base_url.rfind("http://", 0) != 0)
    return "the base URL must start with https:// (or http://)";
  if (c.base_url.back() == '/') return "the base URL must not end with /";
  if (c.max_file_size == 0) return "max_file_size must be at least 1";
  if (c.slot_lifetime.count() < 1) return "the slot lifetime must be at least 1 second";
  if (c.slots_per_minute < 0 || (c.slots_per_minute > 0 && c.slot_burst < 1)) return "a rate needs a burst of at least 1";
  return std::nullopt;
}

UploadComponent::UploadComponent(UploadConfig config, Bytes secret, const UploadQuota& quota, Rng& rng,
                                 UploadWallClock wall_clock)
    : config_(std::move(config)), secret_(std::move(secret)), quota_(quota), rng_(rng),
      wall_clock_(std::move(wall_clock)) {}

void UploadComponent::handle_stanza(Instant now, const Element& stanza) {
  auto from = Jid::parse(stanza.attribute("from").value_or(""));
  auto to = Jid::parse(stanza.attribute("to").value_or(""));
  if (!from || !to || to->domain() != config_.domain) return;
  if (stanza.name == "iq") return handle_iq(now, stanza, *from);
  // Nothing to say to messages; presence is ignored (§8.5-like: a service
  // without presence).
  if (stanza.name == "message" && stanza.attribute("type") != "error")
    error(stanza, StanzaError(Condition::service_unavailable));
}

void UploadComponent::handle_iq(Instant now, const Element& iq, const Jid& from) {
  const auto type = iq.attribute("type").value_or("");
  if (type != "get" && type != "set") return;  // results and errors: we never ask anything
  const auto children = iq.elements();
  if (!iq.attribute("id") || children.size() != 1)
    return error(iq, StanzaError(Condition::bad_request, "an IQ request has an id and one child"));
  const Element& payload = *children.front();
  const bool get = type == "get";
  const bool to_service = Jid::parse(iq.attribute("to").value_or(""))->local().empty();
  if (!to_service) return error(iq, StanzaError(Condition::service_unavailable));
  if (payload.is("request", upload_ns)) {
    if (!get) return error(iq, StanzaError(Condition::bad_request, "a slot request is an IQ get"));
    return request_slot(now, iq, payload, from);
  }
  if (get && payload.is("query", ns::disco_info)) {
    if (payload.attribute("node")) return error(iq, StanzaError(Condition::item_not_found));
    return reply(iq, disco_info());
  }
  if (get && payload.is("query", ns::disco_items)) {
    if (payload.attribute("node")) return error(iq, StanzaError(Condition::item_not_found));
    return reply(iq, el("query", ns::disco_items));
  }
  if (get && payload.is("ping", ns::ping)) return reply(iq, std::nullopt);
  const bool known = payload.ns == ns::disco_info || payload.ns == ns::disco_items || payload.ns == ns::ping;
  error(iq, StanzaError(known ? Condition::feature_not_implemented : Condition::service_unavailable));
}

Element UploadComponent::disco_info() const {
  // §2: identity store/file, the feature, and the limit as an XEP-0128 form.
  Element q = el("query", ns::disco_info);
  Element identity = el("identity", ns::disco_info);
  identity.set_attribute("category", "store");
  identity.set_attribute("type", "file");
  identity.set_attribute("name", config_.name);
  q.add_child(std::move(identity));
  for (std::string_view f : {ns::disco_info, ns::disco_items, ns::ping, upload_ns}) {
    Element feature = el("feature", ns::disco_info);
    feature.set_attribute("var", std::string(f));
    q.add_child(std::move(feature));
  }
  DataForm form;
  form.type = "result";
  form.fields.push_back({"FORM_TYPE", "hidden", "", {std::string(upload_ns)}, {}});
  form.fields.push_back({"max-file-size", "", "", {std::to_string(config_.max_file_size)}, {}});
  q.add_child(to_element(form));
  return q;
}

void UploadComponent::request_slot(Instant now, const Element& iq, const Element& request, const Jid& from) {
  ++counters_.requests;
  const std::string owner = from.bare_str();
  auto bad = [&](std::string why) {
    ++counters_.bad_requests;
    error(iq, StanzaError(Condition::bad_request, std::move(why)));
  };
  const auto filename = request.attribute("filename");
  const auto size_text = request.attribute("size");
  if (!filename || !size_text) return bad("a slot request has a filename and a size");
  if (auto why = check_upload_filename(*filename)) return bad(*why);
  const auto size = parse_size(*size_text);
  if (!size) return bad("the size is not a number of bytes");
  const std::string content_type(request.attribute("content-type").value_or(""));
  if (!content_type.empty() && !valid_content_type(content_type)) return bad("the content-type is not a MIME type");

  if (*size > config_.max_file_size) {
    ++counters_.too_large;
    StanzaError e(Condition::not_acceptable, ErrorType::modify,
                  "File too large. The maximum file size is " + std::to_string(config_.max_file_size) + " bytes");
    Element too_large = el("file-too-large", upload_ns);
    too_large.add_child(el("max-file-size", upload_ns)).add_text(std::to_string(config_.max_file_size));
    e.application = std::move(too_large);
    return error(iq, std::move(e));
  }
  if (auto next = rate_limit(owner, now)) {
    ++counters_.rate_limited;
    StanzaError e(Condition::resource_constraint, ErrorType::wait,
                  "Too many upload requests: at most " + std::to_string(static_cast<long long>(config_.slots_per_minute)) +
                      " a minute");
    Element retry = el("retry", upload_ns);
    if (wall_clock_) {
      // Rounded up: a client retrying at the stamp gets its slot.
      auto at = wall_clock_(*next) + std::chrono::seconds(1);
      retry.set_attribute("stamp", datetime_stamp(std::chrono::floor<std::chrono::seconds>(at)));
    }
    e.application = std::move(retry);
    return error(iq, std::move(e));
  }
  const std::uint64_t used = quota_.stored_bytes(owner) + reserved_bytes(owner, now);
  if (config_.quota_per_user > 0 && used + *size > config_.quota_per_user) {
    ++counters_.quota_exceeded;
    return error(iq, StanzaError(Condition::resource_constraint, ErrorType::wait,
                                 "Quota exceeded: " + std::to_string(used) + " of " +
                                     std::to_string(config_.quota_per_user) + " bytes are in use"));
  }
  if (config_.max_total_size > 0 && quota_.total_stored_bytes() + *size > config_.max_total_size) {
    ++counters_.quota_exceeded;
    return error(iq, StanzaError(Condition::resource_constraint, ErrorType::wait, "The upload store is full"));
  }

  UploadSlot slot;
  slot.id = new_slot_id(rng_);
  slot.filename = std::string(*filename);
  slot.size = *size;
  slot.content_type = content_type;
  const auto wall_now = wall_clock_ ? wall_clock_(now) : std::chrono::system_clock::time_point{};
  slot.expires = unix_seconds(wall_now) + config_.slot_lifetime.count();
  slot.owner = owner;
  reserved_[owner].push_back({now + config_.slot_lifetime, slot.id, slot.size});
  ++counters_.slots_issued;

  Element result = el("slot", upload_ns);
  Element& put = result.add_child(el("put", upload_ns));
  put.set_attribute("url", slot_put_url(config_.base_url, slot, secret_));
  Element& get = result.add_child(el("get", upload_ns));
  get.set_attribute("url", slot_get_url(config_.base_url, slot));
  reply(iq, std::move(result));
}

std::uint64_t UploadComponent::reserved_bytes(const std::string& owner, Instant now) {
  auto it = reserved_.find(owner);
  if (it == reserved_.end()) return 0;
  auto& list = it->second;
  std::erase_if(list, [&](const Reservation& r) { return r.expires <= now || quota_.is_stored(r.slot_id); });
  std::uint64_t sum = 0;
  for (const auto& r : list) sum += r.size;
  if (list.empty()) reserved_.erase(it);
  return sum;
}

std::optional<Instant> UploadComponent::rate_limit(const std::string& owner, Instant now) {
  if (config_.slots_per_minute <= 0) return std::nullopt;
  const double per_second = config_.slots_per_minute / 60.0;
  if (buckets_.size() >= config_.max_tracked_users && !buckets_.contains(owner)) {
    // Full of users: forget the ones whose buckets have refilled anyway.
    std::erase_if(buckets_, [&](const auto& kv) {
      return std::chrono::duration<double>(now - kv.second.last).count() * per_second >= config_.slot_burst;
    });
    if (buckets_.size() >= config_.max_tracked_users) return now + std::chrono::seconds(60);
  }
  auto [it, fresh] = buckets_.try_emplace(owner, Bucket{config_.slot_burst, now});
  Bucket& b = it->second;
  if (!fresh) {
    b.tokens = std::min(config_.slot_burst, b.tokens + std::chrono::duration<double>(now - b.last).count() * per_second);
    b.last = now;
  }
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return std::nullopt;
  }
  const double wait = (1 - b.tokens) / per_second;
  return now + std::chrono::duration_cast<Duration>(std::chrono::duration<double>(wait));
}

std::optional<Element> UploadComponent::poll_stanza() {
  if (out_.empty()) return std::nullopt;
  Element e = std::move(out_.front());
  out_.pop_front();
  return e;
}

void UploadComponent::reply(const Element& iq, std::optional<Element> payload) {
  Element r = el("iq", ns::client);
  r.set_attribute("from", std::string(iq.attribute("to").value_or("")));
  r.set_attribute("to", std::string(iq.attribute("from").value_or("")));
  r.set_attribute("id", std::string(iq.attribute("id").value_or("")));
  r.set_attribute("type", "result");
  if (payload) r.add_child(std::move(*payload));
  out_.push_back(std::move(r));
}

void UploadComponent::error(const Element& stanza, StanzaError e) {
  if (auto r = error_reply(stanza, e)) out_.push_back(std::move(*r));
}

}  // namespace confab::xmpp
