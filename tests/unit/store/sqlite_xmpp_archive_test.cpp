// Message archives (XEP-0313) and PEP nodes (XEP-0163) in the XMPP stores:
// the same paging and trimming rules in SQLite and in memory (each scenario
// runs on both), and what SQLite keeps across a reopen.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "core/rng.hpp"
#include "store/sqlite_account_store.hpp"
#include "store/sqlite_xmpp_store.hpp"
#include "xmpp/memory_xmpp_store.hpp"
#include "xmpp/xml_stream_parser.hpp"

using namespace confab;
using namespace confab::store;
using confab::xmpp::ArchivedMessage;
using confab::xmpp::ArchiveQuery;
using confab::xmpp::Jid;

namespace {

const Jid alice = Jid::parse("alice@example.com").value();

class Stores : public ::testing::TestWithParam<bool> {  // true: SQLite
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("confab_archive_test_" + std::to_string(::getpid()) + "_" +
            std::to_string(reinterpret_cast<std::uintptr_t>(this)));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    if (GetParam()) {
      auto accounts = SqliteAccountStore::open({.path = dir_ / "confab.db"}).value();
      auto name = AccountName::parse("alice@example.com").value();
      ASSERT_TRUE(accounts->add_user(name, derive_credentials(name, "pw", {}, rng_).value()));
      reopen();
    } else {
      auto m = std::make_unique<xmpp::MemoryXmppStore>();
      m->add_account(alice);
      store_ = std::move(m);
    }
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void reopen() {
    store_.reset();
    store_ = SqliteXmppStore::open({.path = dir_ / "confab.db"}).value();
  }

  // Messages m1..mN from bob (odd) and carol/x (even), a minute apart.
  void fill(int n, std::size_t limit = 100) {
    for (int i = 1; i <= n; ++i) {
      ArchivedMessage m;
      m.id = "id" + std::to_string(i);
      m.stamp = std::chrono::system_clock::time_point(std::chrono::minutes(28000000 + i));
      m.with = Jid::parse(i % 2 ? "bob@example.com/phone" : "carol@example.com/x").value();
      m.stanza = xmpp::parse_element("<message xmlns='jabber:client'><body>m" + std::to_string(i) + "</body></message>")
                     .value();
      ASSERT_TRUE(store_->archive_message(alice, m, limit));
    }
  }
  std::vector<std::string> page_ids(const ArchiveQuery& q, xmpp::ArchivePage* out = nullptr) {
    auto page = store_->query_archive(alice, q);
    EXPECT_TRUE(page) << (page ? "" : page.error().message);
    std::vector<std::string> ids;
    if (!page) return ids;
    for (const auto& m : page->messages) ids.push_back(m.id);
    if (out) *out = *page;
    return ids;
  }

  std::filesystem::path dir_;
  SeededRng rng_{1};
  std::unique_ptr<xmpp::XmppStore> store_;
};

using V = std::vector<std::string>;

}  // namespace

TEST_P(Stores, PagesGoForwardAndBackWithCountIndexAndComplete) {
  fill(7);
  xmpp::ArchivePage p;
  EXPECT_EQ(page_ids({.max = 3}, &p), (V{"id1", "id2", "id3"}));
  EXPECT_EQ(p.count, 7u);
  EXPECT_EQ(p.first_index, 0u);
  EXPECT_FALSE(p.complete);
  EXPECT_EQ(page_ids({.after = "id6", .max = 3}, &p), (V{"id7"}));
  EXPECT_TRUE(p.complete);
  EXPECT_EQ(p.first_index, 6u);
  EXPECT_EQ(page_ids({.before = "", .max = 3}, &p), (V{"id5", "id6", "id7"}));
  EXPECT_FALSE(p.complete);
  EXPECT_EQ(page_ids({.before = "id3", .max = 3}, &p), (V{"id1", "id2"}));
  EXPECT_TRUE(p.complete);
  EXPECT_EQ(page_ids({.max = 0}, &p), V{});
  EXPECT_EQ(p.count, 7u);
}

TEST_P(Stores, FiltersChooseTheResultSet) {
  fill(7);
  xmpp::ArchivePage p;
  EXPECT_EQ(page_ids({.with = Jid::parse("carol@example.com").value()}, &p), (V{"id2", "id4", "id6"}));
  EXPECT_EQ(p.count, 3u);
  EXPECT_EQ(page_ids({.with = Jid::parse("bob@example.com/phone").value(), .max = 2}, &p), (V{"id1", "id3"}));
  EXPECT_EQ(p.count, 4u);
  EXPECT_EQ(page_ids({.with = Jid::parse("bob@example.com/tablet").value()}), V{});
  const auto minute = [](int i) { return std::chrono::system_clock::time_point(std::chrono::minutes(28000000 + i)); };
  EXPECT_EQ(page_ids({.start = minute(3), .end = minute(5)}), (V{"id3", "id4", "id5"}));
  EXPECT_EQ(page_ids({.after_id = "id2", .before_id = "id6"}, &p), (V{"id3", "id4", "id5"}));
  EXPECT_EQ(p.count, 3u);
  EXPECT_EQ(page_ids({.after_id = "id2", .before_id = "id6", .after = "id3"}, &p), (V{"id4", "id5"}));
  EXPECT_EQ(p.first_index, 1u);
  EXPECT_EQ(page_ids({.ids = {"id7", "id2"}}), (V{"id2", "id7"}));
}

TEST_P(Stores, UnknownIdsAreNotFound) {
  fill(2);
  for (ArchiveQuery q : {ArchiveQuery{.after = "x"}, ArchiveQuery{.before = "x"}, ArchiveQuery{.after_id = "x"},
                         ArchiveQuery{.before_id = "x"}, ArchiveQuery{.ids = {"id1", "x"}}}) {
    auto r = store_->query_archive(alice, q);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, xmpp::StorageError::Kind::not_found);
  }
}

TEST_P(Stores, TheOldestMessagesGoPastTheLimit) {
  fill(9, 4);
  xmpp::ArchivePage p;
  EXPECT_EQ(page_ids({}, &p), (V{"id6", "id7", "id8", "id9"}));
  EXPECT_EQ(p.messages[0].stanza.child_text("body"), "m6");
  EXPECT_EQ(p.messages[0].with.str(), "carol@example.com/x");
  EXPECT_FALSE(store_->query_archive(alice, {.after = "id5"}));  // gone
}

TEST_P(Stores, PrefsAreKept) {
  EXPECT_EQ(store_->archive_prefs(alice).value(), xmpp::ArchivePrefs{});
  xmpp::ArchivePrefs prefs{"roster", {Jid::parse("bob@example.com").value()}, {Jid::parse("eve@example.com").value()}};
  ASSERT_TRUE(store_->set_archive_prefs(alice, prefs));
  EXPECT_EQ(store_->archive_prefs(alice).value(), prefs);
}

TEST_P(Stores, PepNodesKeepTheirNewestItems) {
  ASSERT_TRUE(store_->put_pep_node(alice, {"tune", {"open", true, 2}}));
  for (const char* id : {"a", "b", "c", "b"})
    ASSERT_TRUE(store_->put_pep_item(alice, "tune", {id, std::string("<x xmlns='urn:x'>") + id + "</x>", {}}, 2));
  auto items = store_->pep_items(alice, "tune", 10).value();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].id, "b");  // republished: the newest
  EXPECT_EQ(items[1].id, "c");
  EXPECT_EQ(store_->pep_nodes(alice).value().at(0).config, (xmpp::PepNodeConfig{"open", true, 2}));
  EXPECT_TRUE(store_->delete_pep_item(alice, "tune", "c").value());
  EXPECT_FALSE(store_->delete_pep_item(alice, "tune", "c").value());
  // A smaller max_items trims.
  ASSERT_TRUE(store_->put_pep_item(alice, "tune", {"d", "<x xmlns='urn:x'/>", {}}, 2));
  ASSERT_TRUE(store_->put_pep_node(alice, {"tune", {"open", true, 1}}));
  EXPECT_EQ(store_->pep_items(alice, "tune", 10).value().size(), 1u);
  EXPECT_TRUE(store_->delete_pep_node(alice, "tune").value());
  EXPECT_FALSE(store_->delete_pep_node(alice, "tune").value());
  EXPECT_TRUE(store_->pep_nodes(alice).value().empty());
  EXPECT_TRUE(store_->pep_items(alice, "tune", 10).value().empty());
}

INSTANTIATE_TEST_SUITE_P(SqliteAndMemory, Stores, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "Sqlite" : "Memory"; });

class SqliteArchive : public Stores {};

TEST_P(SqliteArchive, ArchivesAndNodesSurviveAReopen) {
  fill(3);
  ASSERT_TRUE(store_->put_pep_node(alice, {"mood", {}}));
  ASSERT_TRUE(store_->put_pep_item(alice, "mood", {"m", "<mood xmlns='http://jabber.org/protocol/mood'/>", {}}, 1));
  reopen();
  EXPECT_EQ(page_ids({}), (V{"id1", "id2", "id3"}));
  EXPECT_EQ(store_->pep_items(alice, "mood", 1).value().at(0).payload, "<mood xmlns='http://jabber.org/protocol/mood'/>");
}

INSTANTIATE_TEST_SUITE_P(Sqlite, SqliteArchive, ::testing::Values(true));
