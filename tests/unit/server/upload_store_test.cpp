// Where uploads live: complete files with their .meta, nothing else kept.
#include "server/upload_store.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace confab::server {
namespace {

namespace fs = std::filesystem;

class UploadStoreTest : public ::testing::Test {
 protected:
  UploadStoreTest() : dir(fs::temp_directory_path() / ("confab-upload-test-" + std::to_string(::getpid()))) {
    fs::remove_all(dir);
  }
  ~UploadStoreTest() override { fs::remove_all(dir); }

  std::unique_ptr<UploadStore> open() {
    auto s = UploadStore::open(dir);
    EXPECT_TRUE(s) << (s ? "" : s.error());
    return s ? std::move(*s) : nullptr;
  }

  static StoredUpload meta(std::string id, std::uint64_t size, std::string owner = "alice@example.org") {
    return {std::move(id), "photo.jpg", "image/jpeg", std::move(owner), size, 0};
  }

  fs::path dir;
};

constexpr const char* id1 = "AAAAAAAAAAAAAAAAAAAAAA";
constexpr const char* id2 = "BBBBBBBBBBBBBBBBBBBBBB";

TEST_F(UploadStoreTest, ACommittedUploadIsFoundCountedAndSurvivesReopening) {
  {
    auto store = open();
    auto up = store->begin(meta(id1, 5));
    ASSERT_TRUE(up);
    std::string why;
    ASSERT_TRUE((*up)->write(as_bytes("hello"), why));
    EXPECT_FALSE(store->is_stored(id1));
    auto done = (*up)->commit(1700000000);
    ASSERT_TRUE(done) << done.error();
    EXPECT_TRUE(store->is_stored(id1));
    EXPECT_EQ(store->stored_bytes("alice@example.org"), 5u);
    EXPECT_EQ(store->total_stored_bytes(), 5u);
    EXPECT_TRUE(fs::exists(dir / id1 / "photo.jpg"));
    EXPECT_FALSE(fs::exists(dir / id1 / ".part"));
  }
  auto again = open();
  auto found = again->find(id1);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->content_type, "image/jpeg");
  EXPECT_EQ(found->owner, "alice@example.org");
  EXPECT_EQ(found->created, 1700000000);
  EXPECT_EQ(again->stored_bytes("alice@example.org"), 5u);
  std::ifstream in(again->path_of(*found));
  std::string text;
  in >> text;
  EXPECT_EQ(text, "hello");
}

TEST_F(UploadStoreTest, AnAbandonedUploadLeavesNothing) {
  auto store = open();
  {
    auto up = store->begin(meta(id1, 10));
    ASSERT_TRUE(up);
    std::string why;
    ASSERT_TRUE((*up)->write(as_bytes("12345"), why));
    EXPECT_FALSE((*up)->commit(0));  // incomplete
  }
  EXPECT_FALSE(fs::exists(dir / id1));
  EXPECT_EQ(store->total_stored_bytes(), 0u);
  EXPECT_TRUE(store->begin(meta(id1, 10)));  // the slot can be tried again
}

TEST_F(UploadStoreTest, ASlotIsUsedOnceAndNotTwiceAtATime) {
  auto store = open();
  auto first = store->begin(meta(id1, 1));
  ASSERT_TRUE(first);
  auto second = store->begin(meta(id1, 1));
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().first, UploadStore::BeginError::in_progress);
  std::string why;
  ASSERT_TRUE((*first)->write(as_bytes("x"), why));
  ASSERT_TRUE((*first)->commit(0));
  auto third = store->begin(meta(id1, 1));
  ASSERT_FALSE(third);
  EXPECT_EQ(third.error().first, UploadStore::BeginError::exists);
}

TEST_F(UploadStoreTest, UnfinishedOrDamagedDirectoriesAreRemovedAtOpen) {
  fs::create_directories(dir / id1);
  std::ofstream(dir / id1 / ".part") << "half";
  fs::create_directories(dir / id2);
  std::ofstream(dir / id2 / ".meta") << "{not json";
  auto store = open();
  EXPECT_FALSE(fs::exists(dir / id1));
  EXPECT_FALSE(fs::exists(dir / id2));
  EXPECT_EQ(store->file_count(), 0u);
}

}  // namespace
}  // namespace confab::server
