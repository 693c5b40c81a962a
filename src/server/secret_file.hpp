#pragma once
// A server secret kept in a file under the data directory (mode 0600): made
// once from the RNG, then read back at every start, so what it signs (SIP
// nonces, SCRAM's fake salts for unknown users) stays valid and consistent
// across restarts, and nobody else can mint it.
#include <filesystem>
#include <string>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "core/rng.hpp"

namespace confab::server {

// `bytes` random bytes from `path`, created if missing or short.
Result<Bytes, std::string> load_or_create_secret(const std::filesystem::path& path, std::size_t bytes, Rng& rng);

}  // namespace confab::server
