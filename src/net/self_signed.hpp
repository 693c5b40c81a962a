#pragma once
// A self-signed certificate for first start: confabd offers TLS (SIP 5061,
// XMPP 5223, ...) even before an operator installs a real certificate.
#include <filesystem>
#include <string>

#include "core/result.hpp"
#include "net/flow_service.hpp"  // TlsFiles

namespace confab::net {

// Returns `dir`/<name>.crt and .key, creating them (EC P-256, SAN = the
// name, 10 years, key file mode 0600) when either is missing.
Result<TlsFiles, std::string> ensure_self_signed(const std::filesystem::path& dir, const std::string& name);

}  // namespace confab::net
