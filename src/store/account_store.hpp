#pragma once
// The account store: one interface for every backend (SQLite by default,
// see sqlite_account_store.hpp; a PostgreSQL one for clusters later).
//
// It holds names and derived credentials only (password_hashes.hpp): callers
// compute StoredCredentials from a password and hand them in, so a store
// never sees a clear password. Every operation returns its error as a value;
// lookups return nullopt for an unknown account or realm, and an error only
// when the store itself failed (so a registrar can answer 500, not 403).
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/result.hpp"
#include "store/account_name.hpp"
#include "store/password_hashes.hpp"

namespace confab::store {

struct StoreError {
  enum class Kind {
    already_exists,  // add_user of an existing account
    not_found,       // delete_user / set_password of an unknown account
    unavailable,     // cannot open, locked for too long, disk full, newer schema, ...
  };
  Kind kind;
  std::string message;  // one line, e.g. "user alice@example.org already exists"
};

template <class T>
using StoreResult = Result<T, StoreError>;
using Done = std::monostate;

struct AccountInfo {
  AccountName name;
  std::int64_t created = 0;           // Unix seconds
  std::int64_t password_changed = 0;  // Unix seconds
};

class AccountStore {
 public:
  virtual ~AccountStore() = default;

  virtual StoreResult<Done> add_user(const AccountName& name, const StoredCredentials& credentials) = 0;
  virtual StoreResult<Done> delete_user(const AccountName& name) = 0;
  virtual StoreResult<Done> set_password(const AccountName& name, const StoredCredentials& credentials) = 0;
  // Sorted by domain, then localpart.
  virtual StoreResult<std::vector<AccountInfo>> list_users() = 0;
  virtual StoreResult<std::optional<AccountInfo>> find_user(const AccountName& name) = 0;

  // SIP digest: HA1 as lowercase hex, or nullopt when the account does not
  // exist or has no credentials for `realm` (HA1 is bound to its realm).
  virtual StoreResult<std::optional<std::string>> digest_ha1(const AccountName& name, std::string_view realm,
                                                             DigestAlgorithm alg) = 0;
  // XMPP SCRAM: salt, iteration count, StoredKey, ServerKey; nullopt for an
  // unknown account. (An XMPP server should then answer with a fake salt
  // derived from the name, so SCRAM does not reveal which accounts exist.)
  virtual StoreResult<std::optional<ScramCredentials>> scram(const AccountName& name, ScramMechanism mech) = 0;
};

}  // namespace confab::store
