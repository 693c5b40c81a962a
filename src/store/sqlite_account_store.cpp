#include "store/sqlite_account_store.hpp"

#include <sqlite3.h>

#include "store/sqlite_schema.hpp"

namespace confab::store {

namespace {

using sqlite::Statement;
using sqlite::Transaction;

StoreError not_found(const AccountName& name) {
  return {StoreError::Kind::not_found, "user " + name.str() + " does not exist"};
}

bool is_unique_violation(int rc) {
  return rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY;
}

constexpr std::string_view select_account =
    "SELECT localpart, domain, created, password_changed FROM accounts";

AccountInfo account_row(const Statement& s) {
  return {{s.text(0), s.text(1)}, s.integer(2), s.integer(3)};
}

}  // namespace

StoreResult<std::unique_ptr<SqliteAccountStore>> SqliteAccountStore::open(const SqliteOptions& options) {
  auto db = sqlite::Database::open(options.path, options.create, options.busy_timeout);
  if (!db) return unexpected(db.error());
  if (auto m = sqlite::migrate(*db); !m) return unexpected(m.error());
  return std::unique_ptr<SqliteAccountStore>(new SqliteAccountStore(std::move(*db)));
}

StoreResult<Done> SqliteAccountStore::write_credentials(std::int64_t account_id, const StoredCredentials& c,
                                                        std::string_view doing) {
  const std::pair<DigestAlgorithm, const std::string*> digests[] = {{DigestAlgorithm::md5, &c.ha1_md5},
                                                                     {DigestAlgorithm::sha256, &c.ha1_sha256}};
  for (auto [alg, ha1] : digests) {
    Statement s(db_, "INSERT INTO digest_credentials (account_id, realm, algorithm, ha1) VALUES (?, ?, ?, ?)");
    s.bind(1, account_id).bind(2, c.realm).bind(3, name_of(alg)).bind(4, *ha1);
    if (s.step() != SQLITE_DONE) return unexpected(db_.error(doing));
  }
  const std::pair<ScramMechanism, const ScramCredentials*> scrams[] = {{ScramMechanism::sha1, &c.scram_sha1},
                                                                       {ScramMechanism::sha256, &c.scram_sha256}};
  for (auto [mech, k] : scrams) {
    Statement s(db_,
                "INSERT INTO scram_credentials (account_id, mechanism, salt, iterations, stored_key, server_key) "
                "VALUES (?, ?, ?, ?, ?, ?)");
    s.bind(1, account_id).bind(2, name_of(mech)).bind(3, k->salt).bind(4, std::int64_t{k->iterations});
    s.bind(5, k->stored_key).bind(6, k->server_key);
    if (s.step() != SQLITE_DONE) return unexpected(db_.error(doing));
  }
  return Done{};
}

StoreResult<Done> SqliteAccountStore::add_user(const AccountName& name, const StoredCredentials& credentials) {
  std::lock_guard lock(mutex_);
  const std::string doing = "cannot add " + name.str();
  Transaction t(db_);
  if (auto r = t.begin(doing); !r) return r;
  Statement s(db_, "INSERT INTO accounts (localpart, domain) VALUES (?, ?)");
  s.bind(1, name.localpart).bind(2, name.domain);
  if (int rc = s.step(); rc != SQLITE_DONE) {
    if (is_unique_violation(rc))
      return unexpected(StoreError{StoreError::Kind::already_exists, "user " + name.str() + " already exists"});
    return unexpected(db_.error(doing));
  }
  if (auto r = write_credentials(sqlite3_last_insert_rowid(db_.handle()), credentials, doing); !r) return r;
  return t.commit(doing);
}

StoreResult<Done> SqliteAccountStore::delete_user(const AccountName& name) {
  std::lock_guard lock(mutex_);
  // ON DELETE CASCADE removes the credentials with the account.
  Statement s(db_, "DELETE FROM accounts WHERE domain = ? AND localpart = ?");
  s.bind(1, name.domain).bind(2, name.localpart);
  if (s.step() != SQLITE_DONE) return unexpected(db_.error("cannot delete " + name.str()));
  if (sqlite3_changes(db_.handle()) == 0) return unexpected(not_found(name));
  return Done{};
}

StoreResult<Done> SqliteAccountStore::set_password(const AccountName& name, const StoredCredentials& credentials) {
  std::lock_guard lock(mutex_);
  const std::string doing = "cannot change the password of " + name.str();
  Transaction t(db_);
  if (auto r = t.begin(doing); !r) return r;
  Statement touch(db_,
                  "UPDATE accounts SET password_changed = CAST(strftime('%s', 'now') AS INTEGER) "
                  "WHERE domain = ? AND localpart = ? RETURNING id");
  touch.bind(1, name.domain).bind(2, name.localpart);
  int rc = touch.step();
  if (rc == SQLITE_DONE) return unexpected(not_found(name));
  if (rc != SQLITE_ROW) return unexpected(db_.error(doing));
  const std::int64_t id = touch.integer(0);
  if (touch.step() != SQLITE_DONE) return unexpected(db_.error(doing));
  for (const char* sql : {"DELETE FROM digest_credentials WHERE account_id = ?",
                          "DELETE FROM scram_credentials WHERE account_id = ?"}) {
    Statement s(db_, sql);
    s.bind(1, id);
    if (s.step() != SQLITE_DONE) return unexpected(db_.error(doing));
  }
  if (auto r = write_credentials(id, credentials, doing); !r) return r;
  return t.commit(doing);
}

StoreResult<std::vector<AccountInfo>> SqliteAccountStore::list_users() {
  std::lock_guard lock(mutex_);
  Statement s(db_, std::string(select_account) + " ORDER BY domain, localpart");
  std::vector<AccountInfo> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) out.push_back(account_row(s));
  if (rc != SQLITE_DONE) return unexpected(db_.error("cannot list the users"));
  return out;
}

StoreResult<std::optional<AccountInfo>> SqliteAccountStore::find_user(const AccountName& name) {
  std::lock_guard lock(mutex_);
  Statement s(db_, std::string(select_account) + " WHERE domain = ? AND localpart = ?");
  s.bind(1, name.domain).bind(2, name.localpart);
  int rc = s.step();
  if (rc == SQLITE_ROW) return std::optional(account_row(s));
  if (rc != SQLITE_DONE) return unexpected(db_.error("cannot look up " + name.str()));
  return std::optional<AccountInfo>();
}

StoreResult<std::optional<std::string>> SqliteAccountStore::digest_ha1(const AccountName& name, std::string_view realm,
                                                                       DigestAlgorithm alg) {
  std::lock_guard lock(mutex_);
  Statement s(db_,
              "SELECT d.ha1 FROM digest_credentials d JOIN accounts a ON a.id = d.account_id "
              "WHERE a.domain = ? AND a.localpart = ? AND d.realm = ? AND d.algorithm = ?");
  s.bind(1, name.domain).bind(2, name.localpart).bind(3, realm).bind(4, name_of(alg));
  int rc = s.step();
  if (rc == SQLITE_ROW) return std::optional(s.text(0));
  if (rc != SQLITE_DONE) return unexpected(db_.error("cannot look up the digest credentials of " + name.str()));
  return std::optional<std::string>();
}

StoreResult<std::optional<ScramCredentials>> SqliteAccountStore::scram(const AccountName& name, ScramMechanism mech) {
  std::lock_guard lock(mutex_);
  Statement s(db_,
              "SELECT s.salt, s.iterations, s.stored_key, s.server_key FROM scram_credentials s "
              "JOIN accounts a ON a.id = s.account_id WHERE a.domain = ? AND a.localpart = ? AND s.mechanism = ?");
  s.bind(1, name.domain).bind(2, name.localpart).bind(3, name_of(mech));
  int rc = s.step();
  if (rc == SQLITE_ROW)
    return std::optional(ScramCredentials{s.blob(0), static_cast<std::uint32_t>(s.integer(1)), s.blob(2), s.blob(3)});
  if (rc != SQLITE_DONE) return unexpected(db_.error("cannot look up the SCRAM credentials of " + name.str()));
  return std::optional<ScramCredentials>();
}

}  // namespace confab::store
