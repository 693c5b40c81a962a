// Room archives (XEP-0313 §5) in the stores: the same rules in SQLite and in
// memory (each scenario runs on both), what SQLite keeps across a reopen,
// and the 6 -> 7 migration of a database made before room archives.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>

#include "store/sqlite_schema.hpp"
#include "store/sqlite_xmpp_store.hpp"
#include "xmpp/memory_muc_store.hpp"
#include "xmpp/xml_stream_parser.hpp"

using namespace confab;
using namespace confab::store;
using confab::xmpp::ArchivedMessage;
using confab::xmpp::ArchiveQuery;
using confab::xmpp::Jid;
using confab::xmpp::MucRoomRecord;

namespace {

const std::string service = "conference.example.com";

std::chrono::system_clock::time_point at(int minute) {
  return std::chrono::system_clock::time_point(std::chrono::seconds(1704067200 + 60 * minute));
}

ArchivedMessage said(int n, const std::string& nick = "firstwitch") {
  ArchivedMessage m;
  m.id = "id" + std::to_string(n);
  m.stamp = at(n);
  m.with = Jid::parse("coven@" + service + "/" + nick).value();
  m.stanza = xmpp::parse_element("<message xmlns='jabber:client' type='groupchat' from='coven@" + service + "/" + nick +
                                 "'><body>m" + std::to_string(n) + "</body></message>")
                 .value();
  return m;
}

MucRoomRecord room(const std::string& id) {
  MucRoomRecord r;
  r.id = id;
  r.config.persistent = true;
  return r;
}

std::vector<std::string> ids(const xmpp::ArchivePage& p) {
  std::vector<std::string> out;
  for (const auto& m : p.messages) out.push_back(m.id);
  return out;
}

std::filesystem::path fresh_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / (name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

class MucArchiveStores : public ::testing::TestWithParam<bool> {  // true: SQLite
 protected:
  void SetUp() override {
    dir_ = fresh_dir("confab_muc_archive_test_" + std::to_string(reinterpret_cast<std::uintptr_t>(this)));
    if (GetParam()) sqlite_ = SqliteXmppStore::open({.path = dir_ / "confab.db"}).value();
    else memory_ = std::make_unique<xmpp::MemoryMucStore>();
    ASSERT_TRUE(store().save_muc_room(service, room("coven"), 10));
    ASSERT_TRUE(store().save_muc_room(service, room("other"), 10));
  }
  void TearDown() override {
    sqlite_.reset();
    std::filesystem::remove_all(dir_);
  }
  xmpp::MucStore& store() { return GetParam() ? static_cast<xmpp::MucStore&>(*sqlite_) : *memory_; }
  xmpp::ArchivePage query(const ArchiveQuery& q, const std::string& r = "coven") {
    return store().query_muc_archive(service, r, q).value();
  }

  std::filesystem::path dir_;
  std::unique_ptr<SqliteXmppStore> sqlite_;
  std::unique_ptr<xmpp::MemoryMucStore> memory_;
};

}  // namespace

TEST_P(MucArchiveStores, PagesFiltersAndRoomsApart) {
  for (int i = 1; i <= 5; ++i) ASSERT_TRUE(store().archive_muc_message(service, "coven", said(i, i % 2 ? "a" : "b"), 100));
  ASSERT_TRUE(store().archive_muc_message(service, "other", said(9), 100));

  ArchiveQuery q;
  q.max = 2;
  auto first = query(q);
  EXPECT_EQ(ids(first), (std::vector<std::string>{"id1", "id2"}));
  EXPECT_EQ(first.count, 5u);
  EXPECT_FALSE(first.complete);
  q.after = "id2";
  EXPECT_EQ(ids(query(q)), (std::vector<std::string>{"id3", "id4"}));
  q.after.reset();
  q.before = "";
  auto last = query(q);
  EXPECT_EQ(ids(last), (std::vector<std::string>{"id4", "id5"}));
  EXPECT_EQ(last.first_index, 3u);

  ArchiveQuery with;
  with.with = Jid::parse("coven@" + service + "/b").value();
  EXPECT_EQ(ids(query(with)), (std::vector<std::string>{"id2", "id4"}));
  EXPECT_EQ(query(with).messages[0].with.str(), "coven@" + service + "/b");
  with.with = Jid::parse("coven@" + service).value();
  EXPECT_EQ(query(with).count, 5u);
  with.with = Jid::parse("alice@example.com").value();
  EXPECT_EQ(query(with).count, 0u);

  ArchiveQuery when;
  when.start = at(2);
  when.end = at(3);
  EXPECT_EQ(ids(query(when)), (std::vector<std::string>{"id2", "id3"}));

  ArchiveQuery unknown;
  unknown.after = "id9";  // another room's
  auto r = store().query_muc_archive(service, "coven", unknown);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, xmpp::StorageError::Kind::not_found);
  EXPECT_EQ(ids(query({}, "other")), (std::vector<std::string>{"id9"}));
}

TEST_P(MucArchiveStores, TrimmedToTheLimitKeptBySavesGoneWithTheRoom) {
  for (int i = 1; i <= 5; ++i) ASSERT_TRUE(store().archive_muc_message(service, "coven", said(i), 3));
  EXPECT_EQ(ids(query({})), (std::vector<std::string>{"id3", "id4", "id5"}));
  // A room saved whole again (a resave after a failed write) keeps its archive.
  ASSERT_TRUE(store().save_muc_room(service, room("coven"), 10));
  EXPECT_EQ(query({}).count, 3u);
  // A room not stored archives nothing.
  ASSERT_TRUE(store().archive_muc_message(service, "nowhere", said(6), 3));
  EXPECT_EQ(query({}, "nowhere").count, 0u);
  ASSERT_TRUE(store().delete_muc_room(service, "coven").value());
  EXPECT_EQ(query({}).count, 0u);
  EXPECT_EQ(store().muc_rooms(service).value().size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Backends, MucArchiveStores, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Sqlite" : "Memory"; });

TEST(SqliteMucArchive, SurvivesAReopen) {
  const auto dir = fresh_dir("confab_muc_archive_reopen");
  {
    auto s = SqliteXmppStore::open({.path = dir / "confab.db"}).value();
    ASSERT_TRUE(s->save_muc_room(service, room("coven"), 10));
    for (int i = 1; i <= 3; ++i) ASSERT_TRUE(s->archive_muc_message(service, "coven", said(i), 2));
  }
  auto s = SqliteXmppStore::open({.path = dir / "confab.db"}).value();
  // The size cache starts empty after a reopen: trimming counts again.
  ASSERT_TRUE(s->archive_muc_message(service, "coven", said(4), 2));
  auto page = s->query_muc_archive(service, "coven", {}).value();
  EXPECT_EQ(ids(page), (std::vector<std::string>{"id3", "id4"}));
  EXPECT_EQ(page.messages[0].stamp, at(3));
  EXPECT_EQ(page.messages[0].stanza.child_text("body").value_or(""), "m3");
  std::filesystem::remove_all(dir);
}

TEST(SqliteMucArchive, ADatabaseOfVersion6IsMigratedWithItsRoomsKept) {
  const auto dir = fresh_dir("confab_muc_archive_migrate");
  const auto path = dir / "confab.db";
  {
    auto s = SqliteXmppStore::open({.path = path}).value();
    ASSERT_TRUE(s->save_muc_room(service, room("coven"), 10));
  }
  // Back to what version 6 was: no muc_archive.
  ASSERT_EQ(sqlite::latest_schema_version(), 7);
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "DROP TABLE muc_archive; PRAGMA user_version = 6;", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  auto s = SqliteXmppStore::open({.path = path}).value();
  ASSERT_EQ(s->muc_rooms(service).value().size(), 1u);  // the room as it was
  ASSERT_TRUE(s->archive_muc_message(service, "coven", said(1), 10));
  EXPECT_EQ(ids(s->query_muc_archive(service, "coven", {}).value()), (std::vector<std::string>{"id1"}));
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, nullptr), SQLITE_OK);
    ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
    EXPECT_EQ(sqlite3_column_int(st, 0), 7);
    sqlite3_finalize(st);
    sqlite3_close(db);
  }
  std::filesystem::remove_all(dir);
}
