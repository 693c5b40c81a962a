#pragma once
// Where the CLI gets an account's password: the first line of
// --password-file, else $CONFAB_PASSWORD, else a prompt without echo when
// stdin is a terminal (else empty). Shared by the SIP and XMPP commands.
#include <string>

#include "core/result.hpp"

namespace confab::client {

// Errors: "cannot read FILE".
Result<std::string, std::string> read_password(const std::string& account, const std::string& password_file);

}  // namespace confab::client
