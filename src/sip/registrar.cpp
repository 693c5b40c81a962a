#include "sip/registrar.hpp"

#include <algorithm>
#include <cctype>

#include "core/text.hpp"
#include "sip/header_values.hpp"

namespace confab::sip {

namespace {

// +sip.instance is a quoted string ("<urn:uuid:...>"); the binding keeps it bare.
std::string strip_quotes(std::string_view v) {
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  return std::string(v);
}

}  // namespace

std::optional<std::string> address_of_record(const Uri& uri) {
  if (!uri.is_sip() || uri.user.empty()) return std::nullopt;
  return ascii_lower(uri.user) + "@" + ascii_lower(uri.host);
}

Registrar::Registrar(RegistrarConfig config, Ha1Lookup lookup, LocationService& locations)
    : config_(std::move(config)), lookup_(std::move(lookup)), locations_(locations) {
  for (auto& d : config_.domains) {
    d = ascii_lower(d);
    DigestServerConfig dc;
    dc.realm = d;
    dc.secret = config_.nonce_secret;
    dc.algorithms = config_.algorithms;
    auth_.emplace(d, std::make_unique<DigestAuthenticator>(dc));
  }
}

std::optional<AuthFailure> Registrar::poll_auth_failure() {
  if (failures_.empty()) return std::nullopt;
  AuthFailure f = std::move(failures_.front());
  failures_.pop_front();
  return f;
}

bool Registrar::serves(std::string_view domain) const { return auth_.count(ascii_lower(domain)) != 0; }

std::map<std::string, DigestCounters> Registrar::digest_counters() const {
  std::map<std::string, DigestCounters> out;
  for (const auto& [d, a] : auth_) out.emplace(d, a->counters());
  return out;
}

Message Registrar::reply(const Message& request, std::uint16_t status, Rng& rng, std::string_view reason) {
  Message r = make_response(request, status, reason, rng.random_hex(8));
  r.append(HeaderId::server, "confab");
  return r;
}

Message Registrar::handle_register(Instant now, const Message& req, const RequestSource& source, Rng& rng) {
  ++counters_.requests;
  auto bad = [&](std::string_view why) {
    ++counters_.bad_requests;
    return reply(req, 400, rng, why);
  };
  auto ruri = req.uri();
  auto to = req.to();
  auto call_id = req.call_id();
  auto cseq = req.cseq();
  if (!ruri || !to || !call_id || !cseq) return bad("Bad Request: missing or malformed Request-URI/To/Call-ID/CSeq");

  // §10.3 step 1: only our domains.
  if (!ruri->is_sip() || !serves(ruri->host)) {
    ++counters_.other_domain;
    return reply(req, 404, rng, "Domain Not Served Here");
  }
  // Step 2: extensions we do not support.
  for (auto option : req.tokens(HeaderId::require)) {
    std::string o = ascii_lower(option);
    if (o != "path" && o != "outbound") {
      Message r = reply(req, 420, rng);
      r.append(HeaderId::unsupported, option);
      ++counters_.bad_requests;
      return r;
    }
  }
  auto aor = address_of_record(to->uri);
  if (!aor) return bad("Bad Request: To has no user part");
  const std::string domain = ascii_lower(to->uri.host);
  if (!serves(domain)) {
    ++counters_.other_domain;
    return reply(req, 404, rng, "Domain Not Served Here");
  }

  // Steps 3-4: who is this, and may they register this AOR?
  if (config_.require_authentication) {
    DigestAuthenticator& auth = *auth_.at(domain);
    auto credentials = req.value(HeaderId::authorization);
    if (!credentials) {
      ++counters_.challenged;
      Message r = reply(req, 401, rng);
      for (const auto& c : auth.challenge_values(now, rng)) r.append(HeaderId::www_authenticate, c);
      return r;
    }
    DigestCheck check = auth.check(now, *credentials, "REGISTER", lookup_);
    if (check.password_was_right()) {
      ++counters_.challenged;
      Message r = reply(req, 401, rng);
      for (const auto& c : auth.challenge_values(now, rng, true)) r.append(HeaderId::www_authenticate, c);
      return r;
    }
    if (check.outcome == DigestOutcome::malformed) return bad("Bad Request: malformed Authorization");
    if (check.outcome == DigestOutcome::bad_nonce) {
      // Not ours (e.g. from before a secret change): a fresh challenge.
      ++counters_.challenged;
      Message r = reply(req, 401, rng);
      for (const auto& c : auth.challenge_values(now, rng)) r.append(HeaderId::www_authenticate, c);
      return r;
    }
    auto failed = [&](std::string reason) {
      ++counters_.auth_failed;
      if (failures_.size() < max_pending_failures)
        failures_.push_back({std::string(check.username), *aor, source, std::move(reason)});
    };
    if (!check.ok()) {
      // Wrong password and unknown user look alike on purpose (to the client).
      failed(check.outcome == DigestOutcome::replay ? "replayed nonce count" : "wrong password or unknown user");
      return reply(req, 403, rng);
    }
    if (ascii_lower(check.username) + "@" + domain != *aor) {
      failed("authenticated, but not as the owner of the address");
      return reply(req, 403, rng, "Forbidden: you may only register your own address");
    }
  }

  // Steps 5-7: the bindings.
  auto contacts = req.contact();
  const bool supports_outbound = [&] {
    for (auto t : req.tokens(HeaderId::supported))
      if (ascii_lower(t) == "outbound") return true;
    return false;
  }();
  std::vector<std::string> path;
  for (auto v : req.values(HeaderId::path)) path.emplace_back(v);
  const std::optional<std::uint32_t> header_expires = req.expires();

  if (contacts && contacts->star) {
    if (contacts->contacts.size() > 0 || header_expires != 0u) return bad("Bad Request: '*' needs Expires: 0 alone");
    locations_.remove_if(*aor, [&](const Binding& b) { return !(b.call_id == *call_id && b.cseq >= cseq->number); });
  } else if (contacts) {
    for (const NameAddr& c : contacts->contacts) {
      std::uint32_t expires = contact_expires(c).value_or(header_expires.value_or(config_.default_expires));
      if (expires != 0 && expires < config_.min_expires) {
        ++counters_.too_brief;
        Message r = reply(req, 423, rng);
        r.append(HeaderId::min_expires, std::to_string(config_.min_expires));
        return r;
      }
      expires = std::min(expires, config_.max_expires);
      Binding b;
      b.contact_uri = std::string(c.uri.text);
      b.call_id = std::string(*call_id);
      b.cseq = cseq->number;
      b.expires_at = now + std::chrono::seconds(expires);
      b.q = contact_q(c).value_or(1000);
      b.transport = source.transport;
      b.source = source.remote;
      b.local = source.local;
      b.flow = source.flow;
      b.path = path;
      if (const Param* inst = c.param("+sip.instance"); inst && supports_outbound) b.instance_id = strip_quotes(inst->value);
      if (const Param* reg = c.param("reg-id"); reg && !b.instance_id.empty()) {
        try {
          b.reg_id = static_cast<std::uint32_t>(std::stoul(std::string(reg->value)));
        } catch (...) {
          return bad("Bad Request: reg-id is not a number");
        }
      }
      // RFC 5626 §6: an outbound binding is identified by instance and
      // reg-id; a plain one by its Contact URI (§10.3 step 7 comparison).
      auto same = [&](const Binding& e) {
        if (b.is_outbound() || e.is_outbound()) return e.instance_id == b.instance_id && e.reg_id == b.reg_id;
        auto eu = parse_uri(e.contact_uri);
        return eu && equivalent(*eu, c.uri);
      };
      if (const auto* existing = locations_.bindings(*aor)) {
        for (const auto& e : *existing)
          if (same(e) && e.call_id == b.call_id && e.cseq >= b.cseq) {
            ++counters_.bad_requests;
            return reply(req, 500, rng, "Server Internal Error: CSeq out of order");
          }
      }
      if (expires == 0) {
        locations_.remove_if(*aor, same);
      } else if (!locations_.upsert(*aor, std::move(b), same)) {
        ++counters_.full;
        return reply(req, 403, rng, "Forbidden: too many registered devices");
      }
    }
  }

  // Step 8: 200 with every current binding.
  ++counters_.ok;
  Message r = reply(req, 200, rng);
  bool outbound_used = false;
  for (const Binding& b : locations_.lookup(*aor, now)) {
    std::string v = "<" + b.contact_uri + ">;expires=" + std::to_string(b.seconds_left(now));
    if (b.is_outbound()) {
      v += ";+sip.instance=\"" + b.instance_id + "\";reg-id=" + std::to_string(*b.reg_id);
      outbound_used |= b.flow == source.flow;
    }
    r.append(HeaderId::contact, v);
  }
  for (const auto& p : path) r.append(HeaderId::path, p);
  if (outbound_used) r.append(HeaderId::require, "outbound");
  r.append(HeaderId::supported, "path, outbound");
  return r;
}

}  // namespace confab::sip
