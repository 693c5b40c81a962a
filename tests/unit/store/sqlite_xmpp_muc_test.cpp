// Persistent MUC rooms in the stores: the same rules in SQLite and in
// memory (each scenario runs on both), and what SQLite keeps across a
// reopen (a restarted confabd, after a kill -9 too: every write is its own
// commit).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "store/sqlite_account_store.hpp"
#include "store/sqlite_xmpp_store.hpp"
#include "xmpp/memory_muc_store.hpp"
#include "xmpp/xml_stream_parser.hpp"
#include "xmpp/xml_writer.hpp"

using namespace confab;
using namespace confab::store;
using confab::xmpp::Affiliation;
using confab::xmpp::Jid;
using confab::xmpp::MucAffiliationRecord;
using confab::xmpp::MucHistoryRecord;
using confab::xmpp::MucRoomRecord;
using confab::xmpp::MucSubjectRecord;
using confab::xmpp::WallTime;

namespace {

const std::string service = "conference.example.com";

WallTime at(int minute) { return WallTime(std::chrono::seconds(1704067200 + 60 * minute)); }

MucHistoryRecord message(int n) {
  return {xmpp::parse_element("<message xmlns='jabber:client' type='groupchat' from='coven@" + service +
                              "/firstwitch'><body>m" + std::to_string(n) + "</body></message>")
              .value(),
          at(n)};
}

std::string body(const MucHistoryRecord& h) { return h.stanza.child_text("body").value_or(""); }

MucRoomRecord coven() {
  MucRoomRecord r;
  r.id = "coven";
  r.config.persistent = true;
  r.config.name = "The Coven";
  r.config.description = "witches only";
  r.config.members_only = true;
  r.config.password_protected = true;
  r.config.password = "cauldron";
  r.config.max_users = 30;
  r.config.whois = xmpp::Whois::anyone;
  r.config.allow_pm = xmpp::AllowPm::moderators;
  r.config.max_history = 7;
  r.affiliations = {{Jid::parse("alice@example.com").value(), Affiliation::owner, "firstwitch", ""},
                    {Jid::parse("evil.example").value(), Affiliation::outcast, "", "spam"}};
  r.subject = MucSubjectRecord{"Fire Burn", "firstwitch", at(1)};
  for (int i = 1; i <= 4; ++i) r.history.push_back(message(i));
  return r;
}

class MucStores : public ::testing::TestWithParam<bool> {  // true: SQLite
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("confab_muc_store_test_" + std::to_string(::getpid()) + "_" +
            std::to_string(reinterpret_cast<std::uintptr_t>(this)));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    if (GetParam()) reopen();
    else memory_ = std::make_unique<xmpp::MemoryMucStore>();
  }
  void TearDown() override {
    sqlite_.reset();
    std::filesystem::remove_all(dir_);
  }
  void reopen() {
    sqlite_.reset();
    sqlite_ = SqliteXmppStore::open({.path = dir_ / "confab.db"}).value();
  }
  xmpp::MucStore& store() { return GetParam() ? static_cast<xmpp::MucStore&>(*sqlite_) : *memory_; }
  std::vector<MucRoomRecord> rooms() { return store().muc_rooms(service).value(); }

  std::filesystem::path dir_;
  std::unique_ptr<SqliteXmppStore> sqlite_;
  std::unique_ptr<xmpp::MemoryMucStore> memory_;
};

}  // namespace

TEST_P(MucStores, ARoomComesBackAsItWasSaved) {
  ASSERT_TRUE(store().save_muc_room(service, coven(), 3));
  auto got = rooms();
  ASSERT_EQ(got.size(), 1u);
  const MucRoomRecord want = coven();
  EXPECT_EQ(got[0].id, "coven");
  EXPECT_EQ(got[0].config, want.config);
  // Ordered by the JIDs' text: alice, then the domain's ban.
  ASSERT_EQ(got[0].affiliations.size(), 2u);
  EXPECT_EQ(got[0].affiliations[0], want.affiliations[0]);
  EXPECT_EQ(got[0].affiliations[1], want.affiliations[1]);
  EXPECT_EQ(got[0].subject, want.subject);
  ASSERT_EQ(got[0].history.size(), 3u);  // the newest max_history
  EXPECT_EQ(body(got[0].history[0]), "m2");
  EXPECT_EQ(got[0].history[0].when, at(2));
  EXPECT_EQ(xmpp::serialize(got[0].history[2].stanza), xmpp::serialize(want.history[3].stanza));
  // Other services' rooms are theirs.
  EXPECT_TRUE(store().muc_rooms("rooms.example.com").value().empty());
}

TEST_P(MucStores, WritesChangeOnlyWhatTheyName) {
  ASSERT_TRUE(store().save_muc_room(service, coven(), 3));
  xmpp::RoomConfig c = coven().config;
  c.members_only = false;
  c.moderated = true;
  c.password_protected = false;
  c.password.clear();
  ASSERT_TRUE(store().put_muc_config(service, "coven", c));
  ASSERT_TRUE(store().put_muc_affiliation(service, "coven",
                                          {Jid::parse("bob@example.com").value(), Affiliation::admin, "", ""}));
  ASSERT_TRUE(store().put_muc_affiliation(service, "coven",
                                          {Jid::parse("evil.example").value(), Affiliation::none, "", ""}));
  ASSERT_TRUE(store().put_muc_subject(service, "coven", {"Double, double", "", at(9)}));
  ASSERT_TRUE(store().add_muc_history(service, "coven", message(5), 3));
  auto got = rooms();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].config, c);
  ASSERT_EQ(got[0].affiliations.size(), 2u);
  EXPECT_EQ(got[0].affiliations[0].jid.str(), "alice@example.com");
  EXPECT_EQ(got[0].affiliations[1].affiliation, Affiliation::admin);
  EXPECT_EQ(got[0].subject, (MucSubjectRecord{"Double, double", "", at(9)}));
  ASSERT_EQ(got[0].history.size(), 3u);
  EXPECT_EQ(body(got[0].history[0]), "m3");
  EXPECT_EQ(body(got[0].history[2]), "m5");
}

TEST_P(MucStores, WritesToARoomNotStoredDoNothing) {
  ASSERT_TRUE(store().put_muc_config(service, "nowhere", coven().config));
  ASSERT_TRUE(store().add_muc_history(service, "nowhere", message(1), 3));
  ASSERT_TRUE(store().put_muc_affiliation(service, "nowhere",
                                          {Jid::parse("bob@example.com").value(), Affiliation::admin, "", ""}));
  EXPECT_TRUE(rooms().empty());
}

TEST_P(MucStores, SavingAgainReplacesAndDeletingRemovesEverything) {
  ASSERT_TRUE(store().save_muc_room(service, coven(), 10));
  MucRoomRecord again;
  again.id = "coven";
  again.config.persistent = true;
  ASSERT_TRUE(store().save_muc_room(service, again, 10));
  auto got = rooms();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0].affiliations.empty());
  EXPECT_FALSE(got[0].subject);
  EXPECT_TRUE(got[0].history.empty());
  EXPECT_TRUE(store().delete_muc_room(service, "coven").value());
  EXPECT_FALSE(store().delete_muc_room(service, "coven").value());
  EXPECT_TRUE(rooms().empty());
}

TEST_P(MucStores, NoHistoryIsKeptWhenTheLimitIsZero) {
  ASSERT_TRUE(store().save_muc_room(service, coven(), 0));
  ASSERT_TRUE(store().add_muc_history(service, "coven", message(5), 0));
  EXPECT_TRUE(rooms().front().history.empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, MucStores, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Sqlite" : "Memory"; });

TEST(SqliteMuc, RoomsSurviveAReopenAndNeedNoAccounts) {
  const auto dir = std::filesystem::temp_directory_path() / ("confab_muc_reopen_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  {
    auto s = SqliteXmppStore::open({.path = dir / "confab.db"}).value();
    ASSERT_TRUE(s->save_muc_room(service, coven(), 100));
    for (int i = 5; i <= 8; ++i) ASSERT_TRUE(s->add_muc_history(service, "coven", message(i), 100));
    // Each write is its own commit: there is nothing left to flush at
    // close (the interop test kills confabd -9 for real).
  }
  auto s = SqliteXmppStore::open({.path = dir / "confab.db"}).value();
  auto got = s->muc_rooms(service).value();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].config, coven().config);
  ASSERT_EQ(got[0].history.size(), 8u);
  EXPECT_EQ(body(got[0].history[7]), "m8");
  EXPECT_EQ(got[0].history[7].when, at(8));
  std::filesystem::remove_all(dir);
}
