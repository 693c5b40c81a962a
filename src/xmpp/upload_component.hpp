#pragma once
// XEP-0363 HTTP File Upload (v1.1, urn:xmpp:http:upload:0) as a Component
// on its own domain (upload.example.org), sans-I/O: it answers disco#info
// (identity store/file, the max-file-size form of §2) and slot requests
// (§4) with signed PUT and GET URLs (upload_slot.hpp); the HTTP server that
// takes the PUT is elsewhere (confabd's upload service) and shares only the
// secret and the quota ledger.
//
//   UploadComponent up(config, secret, quota, rng, wall_clock);
//   if (!router.add_component(up)) ...;   // then the router drives it
//
// Refusals, as §4 shows them: a file over max_file_size is not-acceptable
// with <file-too-large><max-file-size/></file-too-large>; a user over their
// storage quota, or a full store, is resource-constraint (wait); more slot
// requests than the per-user rate allows is resource-constraint with a
// <retry stamp/> of when the next one will be granted; a malformed request
// (no filename, a path in it, a size that is not a number) is bad-request.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/bytes.hpp"
#include "core/rng.hpp"
#include "xmpp/component.hpp"
#include "xmpp/stanza_error.hpp"
#include "xmpp/upload_slot.hpp"

namespace confab::xmpp {

struct UploadConfig {
  std::string domain;                        // "upload.example.org"
  std::string name = "HTTP File Upload";     // disco identity name
  std::string base_url;                      // "https://example.org:5443": where the HTTP server is reached
  std::uint64_t max_file_size = 100ull << 20;
  std::uint64_t quota_per_user = 1ull << 30;  // bytes stored per bare JID; 0 = no limit
  std::uint64_t max_total_size = 0;           // bytes stored by everyone; 0 = no limit
  std::chrono::seconds slot_lifetime{300};    // a PUT must start within this
  double slots_per_minute = 30;               // per user, sustained; 0 = no limit
  double slot_burst = 10;                     // requests a user may make at once
  std::size_t max_tracked_users = 100000;     // bound of the rate and reservation tables
};

// Why `config` cannot run (nullopt when it can).
std::optional<std::string> validate(const UploadConfig& config);

// What the store already holds; the HTTP server's side implements it
// (thread-safe there: it is read here on the XMPP thread).
class UploadQuota {
 public:
  virtual ~UploadQuota() = default;
  virtual std::uint64_t stored_bytes(std::string_view owner) const = 0;
  virtual std::uint64_t total_stored_bytes() const = 0;
  // The slot's file is stored (its reservation can go).
  virtual bool is_stored(std::string_view slot_id) const = 0;
};

// Read from any thread (confabd's status), written on the router's.
struct UploadCounters {
  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> slots_issued{0};
  std::atomic<std::uint64_t> too_large{0};
  std::atomic<std::uint64_t> quota_exceeded{0};
  std::atomic<std::uint64_t> rate_limited{0};
  std::atomic<std::uint64_t> bad_requests{0};
};

using UploadWallClock = std::function<std::chrono::system_clock::time_point(Instant)>;

class UploadComponent final : public Component {
 public:
  // `config` must pass validate(); `quota` and `rng` must outlive this.
  UploadComponent(UploadConfig config, Bytes secret, const UploadQuota& quota, Rng& rng, UploadWallClock wall_clock);

  const std::string& domain() const override { return config_.domain; }
  std::string_view name() const override { return config_.name; }
  void handle_stanza(Instant now, const Element& stanza) override;
  void session_ended(Instant, const Jid&) override {}
  std::optional<Element> poll_stanza() override;

  const UploadCounters& counters() const { return counters_; }
  const UploadConfig& config() const { return config_; }
  // Bytes of `owner`'s slots issued and not yet stored or expired.
  std::uint64_t reserved_bytes(const std::string& owner, Instant now);

 private:
  void handle_iq(Instant now, const Element& iq, const Jid& from);
  void request_slot(Instant now, const Element& iq, const Element& request, const Jid& from);
  Element disco_info() const;
  void reply(const Element& iq, std::optional<Element> payload);
  void error(const Element& stanza, StanzaError e);
  // Spends one of `owner`'s tokens; nullopt when allowed, else when the next one comes.
  std::optional<Instant> rate_limit(const std::string& owner, Instant now);

  struct Reservation {
    Instant expires;
    std::string slot_id;
    std::uint64_t size;
  };
  struct Bucket {
    double tokens;
    Instant last;
  };

  UploadConfig config_;
  Bytes secret_;
  const UploadQuota& quota_;
  Rng& rng_;
  UploadWallClock wall_clock_;
  std::unordered_map<std::string, std::deque<Reservation>> reserved_;
  std::unordered_map<std::string, Bucket> buckets_;
  std::deque<Element> out_;
  UploadCounters counters_;
};

}  // namespace confab::xmpp
