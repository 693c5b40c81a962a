// The SQLite account store: accounts, credentials lookups, errors as
// values, file mode, WAL, schema versions, and two connections at once.
#include "store/sqlite_account_store.hpp"
#include "store/sqlite_schema.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

using namespace confab;
using namespace confab::store;

namespace {

class SqliteStore : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("confab_store_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path db_path() const { return dir_ / "confab.db"; }
  std::unique_ptr<SqliteAccountStore> open(bool create = true) {
    auto s = SqliteAccountStore::open({.path = db_path(), .create = create});
    EXPECT_TRUE(s) << s.error().message;
    return s ? std::move(s.value()) : nullptr;
  }
  StoredCredentials credentials(const AccountName& n, std::string_view password) {
    return derive_credentials(n, password, {}, rng_).value();
  }
  static AccountName name(std::string_view s) { return AccountName::parse(s).value(); }

  std::filesystem::path dir_;
  SeededRng rng_{42};
};

}  // namespace

TEST_F(SqliteStore, AnAddedUserIsListedAndFound) {
  auto store = open();
  auto alice = name("alice@example.org");
  ASSERT_TRUE(store->add_user(alice, credentials(alice, "secret")));
  ASSERT_TRUE(store->add_user(name("bob@example.org"), credentials(name("bob@example.org"), "pw")));
  ASSERT_TRUE(store->add_user(name("carol@a.example"), credentials(name("carol@a.example"), "pw")));
  auto all = store->list_users();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].name.str(), "carol@a.example");  // by domain, then localpart
  EXPECT_EQ((*all)[1].name.str(), "alice@example.org");
  EXPECT_EQ((*all)[2].name.str(), "bob@example.org");
  EXPECT_GT((*all)[1].created, 1'600'000'000);
  auto found = store->find_user(alice);
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->name, alice);
  EXPECT_FALSE(*store->find_user(name("nobody@example.org")));
}

TEST_F(SqliteStore, AddingAnExistingUserIsAnAlreadyExistsError) {
  auto store = open();
  auto alice = name("alice@example.org");
  ASSERT_TRUE(store->add_user(alice, credentials(alice, "secret")));
  auto again = store->add_user(name("ALICE@example.org"), credentials(alice, "other"));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind, StoreError::Kind::already_exists);
  EXPECT_EQ(again.error().message, "user alice@example.org already exists");
}

TEST_F(SqliteStore, LookupsReturnTheStoredHa1AndScramKeys) {
  auto store = open();
  auto alice = name("alice@example.org");
  auto c = credentials(alice, "secret");
  ASSERT_TRUE(store->add_user(alice, c));
  EXPECT_EQ(*store->digest_ha1(alice, "example.org", DigestAlgorithm::md5), c.ha1_md5);
  EXPECT_EQ(*store->digest_ha1(alice, "example.org", DigestAlgorithm::sha256), c.ha1_sha256);
  EXPECT_EQ(*store->scram(alice, ScramMechanism::sha1), c.scram_sha1);
  EXPECT_EQ(*store->scram(alice, ScramMechanism::sha256), c.scram_sha256);
}

TEST_F(SqliteStore, AnUnknownUserOrRealmIsNulloptNotAnError) {
  auto store = open();
  auto alice = name("alice@example.org");
  ASSERT_TRUE(store->add_user(alice, credentials(alice, "secret")));
  auto other_realm = store->digest_ha1(alice, "other.example", DigestAlgorithm::md5);
  ASSERT_TRUE(other_realm);
  EXPECT_FALSE(*other_realm);
  auto nobody = store->scram(name("nobody@example.org"), ScramMechanism::sha256);
  ASSERT_TRUE(nobody);
  EXPECT_FALSE(*nobody);
}

TEST_F(SqliteStore, ChangingThePasswordReplacesEveryCredential) {
  auto store = open();
  auto alice = name("alice@example.org");
  ASSERT_TRUE(store->add_user(alice, credentials(alice, "secret")));
  auto fresh = credentials(alice, "new secret");
  ASSERT_TRUE(store->set_password(alice, fresh));
  EXPECT_EQ(*store->digest_ha1(alice, "example.org", DigestAlgorithm::md5), fresh.ha1_md5);
  EXPECT_EQ(*store->scram(alice, ScramMechanism::sha256), fresh.scram_sha256);
  auto missing = store->set_password(name("bob@example.org"), fresh);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, StoreError::Kind::not_found);
  EXPECT_EQ(missing.error().message, "user bob@example.org does not exist");
}

TEST_F(SqliteStore, DeletingAUserRemovesItsCredentialsToo) {
  auto store = open();
  auto alice = name("alice@example.org");
  ASSERT_TRUE(store->add_user(alice, credentials(alice, "secret")));
  ASSERT_TRUE(store->delete_user(alice));
  EXPECT_FALSE(*store->find_user(alice));
  EXPECT_FALSE(*store->scram(alice, ScramMechanism::sha1));
  // Re-adding works: nothing was left behind under the old id.
  ASSERT_TRUE(store->add_user(alice, credentials(alice, "again")));
  auto again = store->delete_user(name("bob@example.org"));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind, StoreError::Kind::not_found);
}

TEST_F(SqliteStore, TheFileIsPrivateInWalModeAndHoldsNoClearPassword) {
  {
    auto store = open();
    auto alice = name("alice@example.org");
    ASSERT_TRUE(store->add_user(alice, credentials(alice, "CorrectHorseBatteryStaple")));
    struct stat st {};
    ASSERT_EQ(::stat(db_path().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    ASSERT_EQ(::stat((db_path().string() + "-wal").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
  }
  for (auto suffix : {"", "-wal"}) {
    std::ifstream in(db_path().string() + suffix, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    EXPECT_EQ(bytes.find("CorrectHorseBatteryStaple"), std::string::npos);
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path().c_str(), &db), SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, nullptr);
  ASSERT_EQ(sqlite3_step(s), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)), "wal");
  sqlite3_finalize(s);
  sqlite3_close(db);
}

TEST_F(SqliteStore, WithoutCreateAMissingFileIsAClearError) {
  auto s = SqliteAccountStore::open({.path = db_path(), .create = false});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().kind, StoreError::Kind::unavailable);
  EXPECT_TRUE(s.error().message.starts_with("cannot open " + db_path().string() + ": no such file or directory"))
      << s.error().message;
}

// Opens the store where the directory grants no write access, and returns
// the error message ("" if it opened). Root ignores permissions, so as root
// the attempt runs in a child that has dropped to `nobody`.
static std::string open_in_unwritable_dir(const std::filesystem::path& dir, const std::filesystem::path& db) {
  namespace fs = std::filesystem;
  auto attempt = [&] {
    auto s = SqliteAccountStore::open({.path = db});
    return s ? std::string() : s.error().message;
  };
  if (::geteuid() != 0) {
    fs::permissions(dir, fs::perms::owner_read | fs::perms::owner_exec);
    std::string message = attempt();
    fs::permissions(dir, fs::perms::owner_all);
    return message;
  }
  // nobody may reach the directory (world r-x) but not write in it.
  fs::permissions(dir, fs::perms::owner_all | fs::perms::others_read | fs::perms::others_exec);
  for (fs::path p = dir.parent_path(); !p.empty() && p != p.root_path(); p = p.parent_path())
    fs::permissions(p, fs::perms::others_exec, fs::perm_options::add);
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) return "pipe failed";
  pid_t child = ::fork();
  if (child == 0) {
    ::close(pipe_fds[0]);
    std::string message = (::setgid(65534) == 0 && ::setuid(65534) == 0) ? attempt() : "setuid failed";
    [[maybe_unused]] auto w = ::write(pipe_fds[1], message.data(), message.size());
    ::_exit(0);
  }
  ::close(pipe_fds[1]);
  std::string message;
  char buf[512];
  for (ssize_t n; (n = ::read(pipe_fds[0], buf, sizeof buf)) > 0;) message.append(buf, static_cast<std::size_t>(n));
  ::close(pipe_fds[0]);
  ::waitpid(child, nullptr, 0);
  return message;
}

TEST_F(SqliteStore, AnUnwritableDirectoryIsAClearError) {
  EXPECT_EQ(open_in_unwritable_dir(dir_, db_path()), "cannot open " + db_path().string() + ": permission denied");
}

TEST_F(SqliteStore, AFileThatIsNotADatabaseIsRefused) {
  std::ofstream(db_path()) << std::string(4096, 'x');
  auto s = SqliteAccountStore::open({.path = db_path()});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message, "cannot open " + db_path().string() + ": file is not a database");
}

TEST_F(SqliteStore, ADatabaseFromANewerConfabIsRefused) {
  open().reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path().c_str(), &db), SQLITE_OK);
  sqlite3_exec(db, "PRAGMA user_version = 99", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  auto s = SqliteAccountStore::open({.path = db_path()});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message,
            db_path().string() + " has schema version 99, newer than this confab understands (" +
                std::to_string(sqlite::latest_schema_version()) + "); upgrade confab");
}

TEST_F(SqliteStore, TwoConnectionsSeeEachOthersWrites) {
  auto daemon = open();
  auto cli = open(false);
  auto alice = name("alice@example.org");
  ASSERT_TRUE(cli->add_user(alice, credentials(alice, "secret")));
  EXPECT_TRUE(*daemon->find_user(alice));
  ASSERT_TRUE(daemon->delete_user(alice));
  EXPECT_TRUE(cli->list_users()->empty());
}

TEST_F(SqliteStore, AWriterWaitsForAnotherWritersLockInsteadOfFailing) {
  auto store = open();
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(db_path().c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  auto alice = name("alice@example.org");
  auto c = credentials(alice, "secret");
  // The lock is released from another thread while add_user waits for it.
  std::thread release([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr);
  });
  auto added = store->add_user(alice, c);
  release.join();
  sqlite3_close(other);
  EXPECT_TRUE(added) << added.error().message;
}

TEST_F(SqliteStore, ALockHeldPastTheBusyTimeoutIsAClearError) {
  auto store = SqliteAccountStore::open({.path = db_path(), .busy_timeout = std::chrono::milliseconds(50)});
  ASSERT_TRUE(store);
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(db_path().c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  auto alice = name("alice@example.org");
  auto added = (*store)->add_user(alice, credentials(alice, "secret"));
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  ASSERT_FALSE(added);
  EXPECT_EQ(added.error().kind, StoreError::Kind::unavailable);
  EXPECT_NE(added.error().message.find("locked by another process"), std::string::npos) << added.error().message;
}

// A process with two connections open (confabd: accounts and XMPP data)
// must keep its locks: when `confabd user add` in another process closes
// its connection, it may delete the WAL only if it is the last one. Opening
// the second connection used to open()/close() the file outside SQLite,
// which drops all of the process's POSIX locks on it — and the WAL, with
// every later write of the daemon, was deleted under its feet.
TEST_F(SqliteStore, AnotherProcessClosingItsConnectionLeavesOurWalAlone) {
  auto first = open();
  auto second = open();  // the daemon's second connection
  ASSERT_TRUE(first && second);
  // Another program (a fresh process, not a fork: SQLite's per-process
  // lock table must not be inherited) reads and closes.
  const std::string cmd = "/usr/bin/python3 -c \"import sqlite3; c = sqlite3.connect('" + db_path().string() +
                          "'); c.execute('SELECT COUNT(*) FROM accounts').fetchall(); c.close()\"";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  EXPECT_TRUE(std::filesystem::exists(db_path().string() + "-wal"));
  // What we write now is seen by a connection opened afterwards.
  auto alice = name("alice@example.org");
  ASSERT_TRUE(first->add_user(alice, credentials(alice, "secret")));
  auto third = open();
  auto found = third->find_user(alice);
  ASSERT_TRUE(found);
  EXPECT_TRUE(found->has_value());
}
