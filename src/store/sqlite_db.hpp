#pragma once
// Thin RAII over the SQLite C API for the SQLite store: one connection,
// prepared statements with bound parameters (never SQL built from input),
// and IMMEDIATE transactions that roll back unless committed.
#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/bytes.hpp"
#include "store/account_store.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace confab::store::sqlite {

class Database {
 public:
  // Opens `path` in WAL mode with a busy timeout, so several processes (the
  // daemon and `confabd user`) share it: a writer waits for another writer
  // up to `busy_timeout` instead of failing. With `create`, a missing file
  // is made first with mode 0600 (SQLite gives its -wal and -shm files the
  // same mode); without, a missing file is an error.
  static StoreResult<Database> open(const std::filesystem::path& path, bool create,
                                    std::chrono::milliseconds busy_timeout);
  Database(Database&& other) noexcept;
  Database& operator=(Database&&) = delete;
  Database(const Database&) = delete;
  ~Database();

  sqlite3* handle() const { return db_; }
  const std::filesystem::path& path() const { return path_; }

  // Runs SQL without parameters or results (DDL, pragmas, BEGIN/COMMIT).
  StoreResult<Done> exec(const char* sql, std::string_view doing);
  // The same for one statement run often (BEGIN, COMMIT, SAVEPOINT): kept
  // prepared, so it is not parsed again each time.
  StoreResult<Done> run(std::string_view sql, std::string_view doing);
  // The error for the last failed call, as one line naming what was being
  // done: "cannot add alice@example.org to confab-data/confab.db: ...".
  StoreError error(std::string_view doing) const;

 private:
  friend class Statement;
  Database(sqlite3* db, std::filesystem::path path) : db_(db), path_(std::move(path)) {}
  sqlite3* db_;
  std::filesystem::path path_;
  // Prepared statements kept for reuse, by SQL text: preparing is most of
  // the cost of a lookup (a registrar asks for HA1 on every REGISTER).
  std::unordered_map<std::string, sqlite3_stmt*> idle_statements_;
};

// Borrows the Database's prepared statement for `sql` when it has one (and
// gives it back, reset, when done), or prepares a new one.
class Statement {
 public:
  Statement(Database& db, std::string_view sql);
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  bool prepared() const { return stmt_ != nullptr; }
  // Parameters are numbered from 1, as in SQLite.
  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, ByteView blob);
  Statement& bind(int index, std::int64_t value);

  // SQLITE_ROW, SQLITE_DONE, or an error code (the Database has the message).
  int step();

  std::string text(int column) const;
  Bytes blob(int column) const;
  std::int64_t integer(int column) const;

 private:
  Database& db_;
  std::string sql_;
  sqlite3_stmt* stmt_ = nullptr;
};

// BEGIN IMMEDIATE takes the write lock at once (waiting up to the busy
// timeout), so a read-then-write never fails half way with SQLITE_BUSY.
class Transaction {
 public:
  explicit Transaction(Database& db) : db_(db) {}
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();
  StoreResult<Done> begin(std::string_view doing);
  StoreResult<Done> commit(std::string_view doing);

 private:
  Database& db_;
  bool open_ = false;
  bool nested_ = false;  // inside a batch (SqliteXmppStore::begin_batch): a savepoint
};

// A read-only transaction, so several SELECTs see one snapshot; inside an
// open transaction (a batch) that one already gives it. Ending it either way
// is the same, so the destructor commits.
class ReadTransaction {
 public:
  explicit ReadTransaction(Database& db) : db_(db) {}
  ReadTransaction(const ReadTransaction&) = delete;
  ReadTransaction& operator=(const ReadTransaction&) = delete;
  ~ReadTransaction();
  StoreResult<Done> begin(std::string_view doing);

 private:
  Database& db_;
  bool own_ = false;
};

}  // namespace confab::store::sqlite
