// The SQLite XMPP store: rosters with versions and groups, offline messages
// (ordered, stamped, limited, handed over exactly once — also across a
// kill -9), block lists; and the router over it across a restart.
#include "store/sqlite_xmpp_store.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <set>

#include "core/rng.hpp"
#include "store/sqlite_account_store.hpp"
#include "xmpp/router.hpp"
#include "xmpp/xml_stream_parser.hpp"
#include "xmpp/xml_writer.hpp"

using namespace confab;
using namespace confab::store;
using confab::xmpp::Element;
using confab::xmpp::Jid;

namespace {

class SqliteXmpp : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("confab_xmpp_store_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    accounts_ = SqliteAccountStore::open({.path = db_path()}).value();
    for (const char* a : {"alice@example.com", "bob@example.com"}) {
      auto name = AccountName::parse(a).value();
      ASSERT_TRUE(accounts_->add_user(name, derive_credentials(name, "pw", {}, rng_).value()));
    }
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path db_path() const { return dir_ / "confab.db"; }
  std::unique_ptr<SqliteXmppStore> open(xmpp::OfflineLimits limits = {}) {
    SqliteXmppOptions o;
    o.offline = limits;
    o.clock = [] { return std::chrono::system_clock::time_point(std::chrono::seconds(1031699305)); };
    auto s = SqliteXmppStore::open({.path = db_path()}, o);
    EXPECT_TRUE(s) << s.error().message;
    return s ? std::move(s.value()) : nullptr;
  }
  static Element message(std::string_view body) {
    return xmpp::parse_element("<message xmlns='jabber:client' from='bob@example.com/phone' to='alice@example.com' "
                               "type='chat'><body>" + std::string(body) + "</body></message>")
        .value();
  }

  std::filesystem::path dir_;
  SeededRng rng_{1};
  std::unique_ptr<SqliteAccountStore> accounts_;
  const Jid alice = Jid::parse("alice@example.com").value();
  const Jid bob = Jid::parse("bob@example.com").value();
};

}  // namespace

TEST_F(SqliteXmpp, AccountsAreTheAccountStores) {
  auto s = open();
  EXPECT_TRUE(s->account_exists(alice).value());
  EXPECT_FALSE(s->account_exists(Jid::parse("nobody@example.com").value()).value());
}

TEST_F(SqliteXmpp, RosterItemsRoundTripWithGroupsInOrderAndVersions) {
  auto s = open();
  EXPECT_EQ(s->roster(alice)->version, 0);
  RosterItem item = xmpp::new_contact(bob);
  item.name = "Bob";
  item.groups = {"Friends", "Work", "Ärger"};
  item.subscription = Subscription::to;
  item.pending_in = true;
  item.pending_in_stanza = "<presence type='subscribe'/>";
  EXPECT_EQ(s->put_roster_item(alice, item).value(), 1);
  RosterItem pending = xmpp::new_contact(Jid::parse("carol@example.com").value(), false);
  pending.pending_in = true;
  EXPECT_EQ(s->put_roster_item(alice, pending).value(), 2);
  auto r = s->roster(alice);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->version, 2);
  ASSERT_EQ(r->items.size(), 2u);
  EXPECT_EQ(r->items[0], item);
  EXPECT_EQ(r->items[1], pending);
  item.groups = {"Work"};
  item.subscription = Subscription::both;
  item.approved = true;
  EXPECT_EQ(s->put_roster_item(alice, item).value(), 3);
  EXPECT_EQ(s->roster(alice)->items[0], item);
  EXPECT_EQ(s->remove_roster_item(alice, bob).value(), 4);
  EXPECT_EQ(s->roster(alice)->items.size(), 1u);
  EXPECT_EQ(s->roster(bob)->items.size(), 0u);  // per account
}

TEST_F(SqliteXmpp, WritesForAnUnknownAccountFail) {
  auto s = open();
  auto nobody = Jid::parse("nobody@example.com").value();
  EXPECT_FALSE(s->put_roster_item(nobody, xmpp::new_contact(bob)));
  EXPECT_FALSE(s->store_offline(nobody, message("x")));
  EXPECT_EQ(s->roster(nobody)->items.size(), 0u);
}

TEST_F(SqliteXmpp, OfflineMessagesAreStampedOrderedAndTakenOnce) {
  auto s = open();
  auto first = s->store_offline(alice, message("one"));
  auto second = s->store_offline(alice, message("two"));
  ASSERT_TRUE(first);
  ASSERT_TRUE(second);
  EXPECT_LT(*first, *second);
  EXPECT_EQ(s->offline_count(alice).value(), 2u);
  auto peeked = s->peek_offline(alice, 10);
  ASSERT_EQ(peeked->size(), 2u);
  EXPECT_EQ(xmpp::serialize((*peeked)[0].stanza),
            "<message xmlns='jabber:client' from='bob@example.com/phone' to='alice@example.com' type='chat'>"
            "<body>one</body><delay xmlns='urn:xmpp:delay' from='example.com' stamp='2002-09-10T23:08:25Z'/></message>");
  auto taken = s->take_offline(alice, 1);
  ASSERT_EQ(taken->size(), 1u);
  EXPECT_EQ((*taken)[0].id, *first);
  taken = s->take_offline(alice, 10);
  ASSERT_EQ(taken->size(), 1u);
  EXPECT_EQ((*taken)[0].id, *second);
  EXPECT_EQ(s->take_offline(alice, 10)->size(), 0u);
  // Ids are never reused, even after the newest was deleted.
  EXPECT_GT(s->store_offline(alice, message("three")).value(), *second);
}

TEST_F(SqliteXmpp, PeekThenDeleteByIdIsTheAcknowledgedPath) {
  auto s = open();
  auto a = s->store_offline(alice, message("a")).value();
  s->store_offline(alice, message("b")).value();
  ASSERT_TRUE(s->delete_offline(alice, {a}));
  auto left = s->peek_offline(alice, 10);
  ASSERT_EQ(left->size(), 1u);
  EXPECT_EQ((*left)[0].stanza.child_text("body"), "b");
  ASSERT_TRUE(s->delete_offline(bob, {(*left)[0].id}));  // not bob's: untouched
  EXPECT_EQ(s->offline_count(alice).value(), 1u);
}

TEST_F(SqliteXmpp, TheQuotaAndTheSizeLimitRefuse) {
  auto s = open({.max_messages = 3, .max_stanza_bytes = 300});
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(s->store_offline(alice, message(std::to_string(i))));
  auto full = s->store_offline(alice, message("4"));
  ASSERT_FALSE(full);
  EXPECT_EQ(full.error().kind, xmpp::StorageError::Kind::quota);
  auto big = s->store_offline(bob, message(std::string(400, 'x')));
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().kind, xmpp::StorageError::Kind::too_large);
  EXPECT_TRUE(s->store_offline(bob, message("small")));
}

TEST_F(SqliteXmpp, BlockListsAddRemoveAndClear) {
  auto s = open();
  auto spam = Jid::parse("spam.example").value();
  ASSERT_TRUE(s->block(alice, {bob, spam}));
  ASSERT_TRUE(s->block(alice, {bob}));  // twice: once
  EXPECT_EQ(s->blocklist(alice).value(), (std::vector<Jid>{bob, spam}));
  ASSERT_TRUE(s->unblock(alice, {bob}));
  EXPECT_EQ(s->blocklist(alice).value(), std::vector<Jid>{spam});
  ASSERT_TRUE(s->unblock(alice, {}));
  EXPECT_TRUE(s->blocklist(alice)->empty());
}

TEST_F(SqliteXmpp, DeletingTheAccountDeletesItsData) {
  auto s = open();
  ASSERT_TRUE(s->put_roster_item(alice, xmpp::new_contact(bob)));
  ASSERT_TRUE(s->store_offline(alice, message("x")));
  ASSERT_TRUE(s->block(alice, {bob}));
  ASSERT_TRUE(accounts_->delete_user(AccountName::parse("alice@example.com").value()));
  ASSERT_TRUE(accounts_->add_user(AccountName::parse("alice@example.com").value(),
                                  derive_credentials(AccountName::parse("alice@example.com").value(), "pw", {}, rng_)
                                      .value()));
  EXPECT_TRUE(s->roster(alice)->items.empty());
  EXPECT_EQ(s->offline_count(alice).value(), 0u);
  EXPECT_TRUE(s->blocklist(alice)->empty());
}

TEST_F(SqliteXmpp, StoredMessagesSurviveAKill9AndAreNeverHandedOutTwice) {
  // A child process stores 40 messages, takes a batch of 15 (as a login
  // would) and is killed with SIGKILL: no clean close, no checkpoint.
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto s = open();
    for (int i = 0; i < 40; ++i)
      if (!s || !s->store_offline(alice, message(std::to_string(i)))) ::_exit(1);
    auto count = s->offline_count(alice);
    if (!s->take_offline(alice, 15) || !count || *count != 40) ::_exit(2);
    ::kill(::getpid(), SIGKILL);
    ::_exit(3);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
  ASSERT_EQ(WTERMSIG(status), SIGKILL);
  // Everything stored and not taken is there, once, in order.
  auto s = open();
  auto rest = s->take_offline(alice, 1000);
  ASSERT_TRUE(rest);
  ASSERT_EQ(rest->size(), 25u);
  std::set<std::int64_t> ids;
  for (std::size_t i = 0; i < rest->size(); ++i) {
    EXPECT_EQ((*rest)[i].stanza.child_text("body"), std::to_string(i + 15));
    ids.insert((*rest)[i].id);
  }
  EXPECT_EQ(ids.size(), 25u);
  EXPECT_EQ(s->offline_count(alice).value(), 0u);
}

TEST_F(SqliteXmpp, TheRouterDeliversWhatAnEarlierRouterStored) {
  SeededRng rng(3);
  xmpp::RouterConfig config;
  config.domains = {"example.com"};
  {
    auto s = open();
    xmpp::Router router(config, *s, rng);
    ASSERT_TRUE(router.bind(1, bob, "phone"));
    router.handle_stanza({}, 1, message("while you were out"));
    EXPECT_FALSE(router.poll_delivery());
    // A roster change too: it must survive as well.
    router.handle_stanza({}, 1, xmpp::parse_element("<presence xmlns='jabber:client' to='alice@example.com' type='subscribe'/>").value());
  }
  auto s = open();
  xmpp::Router router(config, *s, rng);
  ASSERT_TRUE(router.bind(7, alice, "desktop"));
  router.handle_stanza({}, 7, xmpp::parse_element("<presence xmlns='jabber:client'/>").value());
  std::vector<std::string> got;
  while (auto d = router.poll_delivery()) got.push_back(xmpp::serialize(d->stanza, {"jabber:client", {}}));
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0], "<presence from='alice@example.com/desktop' to='alice@example.com'/>");
  EXPECT_EQ(got[1], "<presence to='alice@example.com' type='subscribe' from='bob@example.com'/>");
  EXPECT_EQ(got[2],
            "<message from='bob@example.com/phone' to='alice@example.com' type='chat'><body>while you were out</body>"
            "<delay xmlns='urn:xmpp:delay' from='example.com' stamp='2002-09-10T23:08:25Z'/></message>");
}

TEST_F(SqliteXmpp, AVCardIsStoredReplacedAndAbsentUntilSet) {
  auto s = open();
  EXPECT_FALSE(s->vcard(alice).value());
  ASSERT_TRUE(s->set_vcard(alice, "<vCard xmlns='vcard-temp'><FN>A</FN></vCard>"));
  ASSERT_TRUE(s->set_vcard(alice, "<vCard xmlns='vcard-temp'><FN>Alice</FN></vCard>"));
  EXPECT_EQ(s->vcard(alice).value(), "<vCard xmlns='vcard-temp'><FN>Alice</FN></vCard>");
  EXPECT_FALSE(s->vcard(bob).value());
  EXPECT_FALSE(s->set_vcard(Jid::parse("nobody@example.com").value(), "<vCard xmlns='vcard-temp'/>"));
}
