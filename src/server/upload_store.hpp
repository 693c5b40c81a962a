#pragma once
// Where uploaded files live: <data_dir>/uploads/<slot id>/<filename>, with
// a .meta file beside each (owner, size, content type, time) that makes it
// complete. A PUT writes <id>/.part, which is renamed to the file's name
// once every byte is there and synced, then .meta is written the same way;
// a directory without .meta is an upload that never finished and is
// removed at the next start. Thread-safe: the HTTP thread writes, the
// XMPP thread asks about quotas (xmpp::UploadQuota), the control socket
// about totals.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "xmpp/upload_component.hpp"

namespace confab::server {

struct StoredUpload {
  std::string id;
  std::string filename;
  std::string content_type;  // never empty: application/octet-stream when nobody said
  std::string owner;
  std::uint64_t size = 0;
  std::int64_t created = 0;  // Unix seconds
};

class UploadStore;

// One PUT in progress: bytes go to <id>/.part. Destroying it without
// commit() removes what was written.
class PendingUpload {
 public:
  ~PendingUpload();
  PendingUpload(const PendingUpload&) = delete;
  PendingUpload& operator=(const PendingUpload&) = delete;
  // False (with why) on a disk error; the upload is then lost.
  bool write(ByteView bytes, std::string& why);
  std::uint64_t written() const { return written_; }
  // Syncs, renames into place, records it. The size must be complete.
  Result<StoredUpload, std::string> commit(std::int64_t now_unix);

 private:
  friend class UploadStore;
  PendingUpload(UploadStore& store, StoredUpload meta, std::filesystem::path dir, std::FILE* file)
      : store_(store), meta_(std::move(meta)), dir_(std::move(dir)), file_(file) {}
  void discard();
  UploadStore& store_;
  StoredUpload meta_;
  std::filesystem::path dir_;
  std::FILE* file_ = nullptr;
  std::uint64_t written_ = 0;
  bool done_ = false;
};

class UploadStore final : public xmpp::UploadQuota {
 public:
  // Creates `dir` if needed, reads what is there, removes unfinished uploads.
  static Result<std::unique_ptr<UploadStore>, std::string> open(const std::filesystem::path& dir);

  std::uint64_t stored_bytes(std::string_view owner) const override;
  std::uint64_t total_stored_bytes() const override;
  bool is_stored(std::string_view slot_id) const override;
  std::size_t file_count() const;

  std::optional<StoredUpload> find(std::string_view id) const;
  std::filesystem::path path_of(const StoredUpload& u) const { return dir_ / u.id / u.filename; }

  enum class BeginError { exists, in_progress, io };
  // Starts the upload of a verified slot; `exists` if it is already stored,
  // `in_progress` if another connection is uploading it.
  Result<std::unique_ptr<PendingUpload>, std::pair<BeginError, std::string>> begin(StoredUpload meta);

 private:
  friend class PendingUpload;
  explicit UploadStore(std::filesystem::path dir) : dir_(std::move(dir)) {}
  void finished(const StoredUpload& u);  // committed
  void abandoned(const std::string& id);

  std::filesystem::path dir_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, StoredUpload> files_;  // by id
  std::unordered_map<std::string, std::uint64_t> by_owner_;
  std::uint64_t total_ = 0;
  std::set<std::string> in_progress_;
};

}  // namespace confab::server
