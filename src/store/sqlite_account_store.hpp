#pragma once
// The default account store: one SQLite file (by default
// <server.data_dir>/confab.db), WAL mode, shared safely between the running
// daemon and `confabd user` commands in other processes.
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>

#include "store/account_store.hpp"
#include "store/sqlite_db.hpp"

namespace confab::store {

struct SqliteOptions {
  std::filesystem::path path;
  bool create = true;  // false: a missing file is an error (for commands that only read or change)
  std::chrono::milliseconds busy_timeout{10'000};
};

class SqliteAccountStore final : public AccountStore {
 public:
  // Opens (creating if allowed) and migrates the schema to the latest version.
  static StoreResult<std::unique_ptr<SqliteAccountStore>> open(const SqliteOptions& options);

  StoreResult<Done> add_user(const AccountName& name, const StoredCredentials& credentials) override;
  StoreResult<Done> delete_user(const AccountName& name) override;
  StoreResult<Done> set_password(const AccountName& name, const StoredCredentials& credentials) override;
  StoreResult<std::vector<AccountInfo>> list_users() override;
  StoreResult<std::optional<AccountInfo>> find_user(const AccountName& name) override;
  StoreResult<std::optional<std::string>> digest_ha1(const AccountName& name, std::string_view realm,
                                                     DigestAlgorithm alg) override;
  StoreResult<std::optional<ScramCredentials>> scram(const AccountName& name, ScramMechanism mech) override;

 private:
  explicit SqliteAccountStore(sqlite::Database db) : db_(std::move(db)) {}
  StoreResult<Done> write_credentials(std::int64_t account_id, const StoredCredentials& c, std::string_view doing);

  // One connection; the daemon may call from several threads.
  std::mutex mutex_;
  sqlite::Database db_;
};

}  // namespace confab::store
