#include "store/sqlite_db.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace confab::store::sqlite {

namespace {

StoreError unavailable(std::string message) { return {StoreError::Kind::unavailable, std::move(message)}; }

// strerror() says "Permission denied"; the house style writes errors in
// lowercase after a colon, as the rest of the line is.
std::string lower_first(std::string s) {
  if (!s.empty() && s[0] >= 'A' && s[0] <= 'Z') s[0] = static_cast<char>(s[0] - 'A' + 'a');
  return s;
}

std::string errno_text(int e) { return lower_first(std::strerror(e)); }

}  // namespace

StoreResult<Database> Database::open(const std::filesystem::path& path, bool create,
                                     std::chrono::milliseconds busy_timeout) {
  const std::string where = "cannot open " + path.string() + ": ";
  // Create the file ourselves: SQLite would make it 0644 (umask permitting),
  // and it holds password hashes. Only when it is missing: opening and
  // closing an existing database file outside SQLite drops every POSIX lock
  // this process holds on it — the shared lock of a connection already open
  // (the daemon has two) — and then another process closing its connection
  // believes it is the last one and deletes the WAL under our feet.
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    int e = errno;
    if (e == ENOENT && create) {
      int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC | O_CREAT | O_EXCL, 0600);
      if (fd >= 0) ::close(fd);  // new: no connection can hold locks on it yet
      else if (errno != EEXIST) return unexpected(unavailable(where + errno_text(errno)));
    } else {
      std::string hint = (e == ENOENT && !create) ? " (no account was added yet, or server.data_dir / store.path "
                                                    "point elsewhere)"
                                                  : "";
      return unexpected(unavailable(where + errno_text(e) + hint));
    }
  }

  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_EXRESCODE,
                           nullptr);
  if (rc != SQLITE_OK) {
    std::string why = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return unexpected(unavailable(where + why));
  }
  Database d(db, path);
  sqlite3_busy_timeout(db, static_cast<int>(busy_timeout.count()));
  sqlite3_extended_result_codes(db, 1);
  // The first statement reads the header: a file that is not a database
  // fails here with "file is not a database".
  Statement mode(d, "PRAGMA journal_mode=WAL");
  if (!mode.prepared()) return unexpected(unavailable(where + sqlite3_errmsg(db)));
  rc = mode.step();
  if (rc != SQLITE_ROW) return unexpected(unavailable(where + sqlite3_errmsg(db)));
  if (auto m = mode.text(0); m != "wal")
    return unexpected(unavailable(where + "cannot switch to WAL mode (journal_mode is " + m + ")"));
  if (auto r = d.exec("PRAGMA foreign_keys=ON", "enabling foreign keys"); !r) return unexpected(r.error());
  // In WAL mode NORMAL syncs at checkpoints, not at every commit: a commit
  // survives the process being killed (the OS has it), not a power cut.
  // FULL made every archived chat message an fsync, twice per message.
  if (auto r = d.exec("PRAGMA synchronous=NORMAL", "setting synchronous=NORMAL"); !r) return unexpected(r.error());
  return d;
}

Database::Database(Database&& other) noexcept
    : db_(other.db_), path_(std::move(other.path_)), idle_statements_(std::move(other.idle_statements_)) {
  other.db_ = nullptr;
  other.idle_statements_.clear();
}

Database::~Database() {
  for (auto& [sql, stmt] : idle_statements_) sqlite3_finalize(stmt);
  // sqlite3_close_v2 defers the close until every statement is finalized.
  if (db_) sqlite3_close_v2(db_);
}

StoreResult<Done> Database::exec(const char* sql, std::string_view doing) {
  if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) return unexpected(error(doing));
  return Done{};
}

StoreResult<Done> Database::run(std::string_view sql, std::string_view doing) {
  Statement s(*this, sql);
  if (s.step() != SQLITE_DONE) return unexpected(error(doing));
  return Done{};
}

StoreError Database::error(std::string_view doing) const {
  int code = sqlite3_extended_errcode(db_);
  std::string text = std::string(doing) + " in " + path_.string() + ": ";
  if ((code & 0xff) == SQLITE_BUSY || (code & 0xff) == SQLITE_LOCKED)
    return unavailable(text + "the database stayed locked by another process for longer than store.busy_timeout");
  if (int e = sqlite3_system_errno(db_); e != 0 && ((code & 0xff) == SQLITE_IOERR || (code & 0xff) == SQLITE_CANTOPEN))
    return unavailable(text + sqlite3_errmsg(db_) + " (" + errno_text(e) + ")");
  return unavailable(text + sqlite3_errmsg(db_));
}

Statement::Statement(Database& db, std::string_view sql) : db_(db), sql_(sql) {
  if (auto it = db.idle_statements_.find(sql_); it != db.idle_statements_.end()) {
    stmt_ = it->second;
    db.idle_statements_.erase(it);  // in use: a nested Statement for the same SQL prepares its own
    return;
  }
  if (sqlite3_prepare_v3(db.handle(), sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt_,
                         nullptr) != SQLITE_OK)
    stmt_ = nullptr;
}

Statement::~Statement() {
  if (!stmt_) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  if (!db_.idle_statements_.emplace(sql_, stmt_).second) sqlite3_finalize(stmt_);
}

Statement& Statement::bind(int index, std::string_view text) {
  if (!stmt_) return *this;  // prepare failed: step() reports it
  sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  return *this;
}

Statement& Statement::bind(int index, ByteView blob) {
  if (!stmt_) return *this;  // prepare failed: step() reports it
  sqlite3_bind_blob64(stmt_, index, blob.data(), blob.size(), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bind(int index, std::int64_t value) {
  if (!stmt_) return *this;  // prepare failed: step() reports it
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

int Statement::step() { return stmt_ ? sqlite3_step(stmt_) : SQLITE_MISUSE; }

std::string Statement::text(int column) const {
  const auto* p = sqlite3_column_text(stmt_, column);
  auto n = static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column));
  return p ? std::string(reinterpret_cast<const char*>(p), n) : std::string();
}

Bytes Statement::blob(int column) const {
  const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_, column));
  auto n = static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column));
  return p ? Bytes(p, p + n) : Bytes();
}

std::int64_t Statement::integer(int column) const { return sqlite3_column_int64(stmt_, column); }

Transaction::~Transaction() {
  if (!open_) return;
  if (nested_) sqlite3_exec(db_.handle(), "ROLLBACK TO tx; RELEASE tx", nullptr, nullptr, nullptr);
  else sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

// Inside an open transaction (a batch) a transaction is a savepoint: it
// still commits or rolls back as a unit, and the batch commits it to disk.
StoreResult<Done> Transaction::begin(std::string_view doing) {
  nested_ = sqlite3_get_autocommit(db_.handle()) == 0;
  auto r = db_.run(nested_ ? "SAVEPOINT tx" : "BEGIN IMMEDIATE", doing);
  open_ = r.has_value();
  return r;
}

StoreResult<Done> Transaction::commit(std::string_view doing) {
  auto r = db_.run(nested_ ? "RELEASE tx" : "COMMIT", doing);
  if (r) open_ = false;
  return r;
}

ReadTransaction::~ReadTransaction() {
  if (own_) (void)db_.run("COMMIT", "ending a read");
}

StoreResult<Done> ReadTransaction::begin(std::string_view doing) {
  if (sqlite3_get_autocommit(db_.handle()) == 0) return Done{};
  auto r = db_.run("BEGIN", doing);
  own_ = r.has_value();
  return r;
}

}  // namespace confab::store::sqlite
