#pragma once
// Shared by the SASL tests: an Rng that yields fixed bytes (to reproduce the
// RFCs' nonces), and an account table that answers like the store.
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "core/rng.hpp"
#include "sasl/base64.hpp"
#include "sasl/scram_keys.hpp"
#include "sasl/server_config.hpp"

namespace confab::sasl::test {

// Yields the bytes of `text`, in order; running out is a test bug.
class FixedRng final : public Rng {
 public:
  explicit FixedRng(std::string text) : text_(std::move(text)) {}
  void fill(std::span<std::uint8_t> out) override {
    if (out.size() > text_.size() - pos_) throw std::logic_error("FixedRng ran out of bytes");
    for (auto& b : out) b = static_cast<std::uint8_t>(text_[pos_++]);
  }

 private:
  std::string text_;
  std::size_t pos_ = 0;
};

inline Bytes b64(std::string_view text) {
  auto b = base64_decode(text);
  if (!b) throw std::logic_error("bad base64 in a test");
  return *b;
}

// Accounts as the store keeps them: SCRAM keys per mechanism, no password.
struct Accounts {
  std::map<std::pair<std::string, ScramMechanism>, ScramCredentials> keys;
  int lookups = 0;
  bool broken = false;  // the store fails

  void add(const std::string& user, std::string_view prepared_password, std::uint32_t iterations = 4096) {
    const Bytes salt = b64("W22ZaJ0SNY7soEsUEjb6gQ==");
    for (ScramMechanism m : {ScramMechanism::sha1, ScramMechanism::sha256})
      keys[{user, m}] = scram_credentials(m, prepared_password, salt, iterations);
  }
  void add(const std::string& user, ScramMechanism m, ScramCredentials c) { keys[{user, m}] = std::move(c); }

  CredentialsLookup lookup() {
    return [this](std::string_view user, ScramMechanism m) -> Result<std::optional<ScramCredentials>, std::string> {
      ++lookups;
      if (broken) return unexpected(std::string("database is locked"));
      auto it = keys.find({std::string(user), m});
      if (it == keys.end()) return std::optional<ScramCredentials>();
      return std::optional<ScramCredentials>(it->second);
    };
  }
};

inline ServerConfig server_config() {
  ServerConfig c;
  c.secret = Bytes(32, 0x5A);
  c.domain = "example.org";
  c.unknown_user_iterations_sha1 = 4096;
  c.unknown_user_iterations_sha256 = 4096;
  return c;
}

}  // namespace confab::sasl::test
