#include "server/upload_store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "xmpp/upload_slot.hpp"

namespace confab::server {

namespace fs = std::filesystem;

namespace {

constexpr const char* meta_name = ".meta";
constexpr const char* part_name = ".part";

bool sync_path(const fs::path& p) {
  int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

std::optional<StoredUpload> read_meta(const fs::path& dir) {
  std::ifstream in(dir / meta_name);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  auto j = nlohmann::json::parse(text.str(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  try {
    StoredUpload u;
    u.id = dir.filename().string();
    u.filename = j.at("filename").get<std::string>();
    u.content_type = j.at("content_type").get<std::string>();
    u.owner = j.at("owner").get<std::string>();
    u.size = j.at("size").get<std::uint64_t>();
    u.created = j.at("created").get<std::int64_t>();
    if (!xmpp::valid_slot_id(u.id) || xmpp::check_upload_filename(u.filename)) return std::nullopt;
    std::error_code ec;
    if (fs::file_size(dir / u.filename, ec) != u.size || ec) return std::nullopt;
    return u;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

}  // namespace

Result<std::unique_ptr<UploadStore>, std::string> UploadStore::open(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return unexpected("cannot create " + dir.string() + ": " + ec.message());
  std::unique_ptr<UploadStore> s(new UploadStore(dir));
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (!entry.is_directory()) continue;
    auto u = read_meta(entry.path());
    if (!u) {
      // An upload that never finished (or was tampered with): its space goes back.
      fs::remove_all(entry.path(), ec);
      continue;
    }
    s->by_owner_[u->owner] += u->size;
    s->total_ += u->size;
    s->files_.emplace(u->id, std::move(*u));
  }
  if (ec) return unexpected("cannot read " + dir.string() + ": " + ec.message());
  return s;
}

std::uint64_t UploadStore::stored_bytes(std::string_view owner) const {
  std::lock_guard lock(mutex_);
  auto it = by_owner_.find(std::string(owner));
  return it == by_owner_.end() ? 0 : it->second;
}

std::uint64_t UploadStore::total_stored_bytes() const {
  std::lock_guard lock(mutex_);
  return total_;
}

bool UploadStore::is_stored(std::string_view slot_id) const {
  std::lock_guard lock(mutex_);
  return files_.contains(std::string(slot_id));
}

std::size_t UploadStore::file_count() const {
  std::lock_guard lock(mutex_);
  return files_.size();
}

std::optional<StoredUpload> UploadStore::find(std::string_view id) const {
  std::lock_guard lock(mutex_);
  auto it = files_.find(std::string(id));
  if (it == files_.end()) return std::nullopt;
  return it->second;
}

Result<std::unique_ptr<PendingUpload>, std::pair<UploadStore::BeginError, std::string>> UploadStore::begin(
    StoredUpload meta) {
  {
    std::lock_guard lock(mutex_);
    if (files_.contains(meta.id)) return unexpected(std::pair{BeginError::exists, std::string("already uploaded")});
    if (!in_progress_.insert(meta.id).second)
      return unexpected(std::pair{BeginError::in_progress, std::string("being uploaded by another request")});
  }
  const fs::path dir = dir_ / meta.id;
  std::error_code ec;
  fs::create_directory(dir, ec);
  // O_EXCL is not needed (in_progress_ holds the id) but a leftover .part
  // from this process's own aborted attempt is truncated.
  std::FILE* f = ec ? nullptr : std::fopen((dir / part_name).c_str(), "wbe");
  if (!f) {
    std::string why = "cannot create " + (dir / part_name).string() + ": " + (ec ? ec.message() : std::strerror(errno));
    abandoned(meta.id);
    return unexpected(std::pair{BeginError::io, std::move(why)});
  }
  return std::unique_ptr<PendingUpload>(new PendingUpload(*this, std::move(meta), dir, f));
}

void UploadStore::finished(const StoredUpload& u) {
  std::lock_guard lock(mutex_);
  in_progress_.erase(u.id);
  by_owner_[u.owner] += u.size;
  total_ += u.size;
  files_[u.id] = u;
}

void UploadStore::abandoned(const std::string& id) {
  std::lock_guard lock(mutex_);
  in_progress_.erase(id);
}

PendingUpload::~PendingUpload() { discard(); }

void PendingUpload::discard() {
  if (done_) return;
  done_ = true;
  if (file_) std::fclose(file_);
  file_ = nullptr;
  std::error_code ec;
  fs::remove_all(dir_, ec);
  store_.abandoned(meta_.id);
}

bool PendingUpload::write(ByteView bytes, std::string& why) {
  if (done_ || !file_) {
    why = "the upload was already closed";
    return false;
  }
  if (std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size()) {
    why = std::string("write failed: ") + std::strerror(errno);
    return false;
  }
  written_ += bytes.size();
  return true;
}

Result<StoredUpload, std::string> PendingUpload::commit(std::int64_t now_unix) {
  if (done_) return unexpected(std::string("the upload was already closed"));
  if (written_ != meta_.size) return unexpected(std::string("the upload is incomplete"));
  auto fail = [&](std::string why) -> Result<StoredUpload, std::string> {
    discard();
    return unexpected(std::move(why));
  };
  if (std::fflush(file_) != 0 || ::fsync(::fileno(file_)) != 0) return fail(std::string("sync failed: ") + std::strerror(errno));
  std::fclose(file_);
  file_ = nullptr;
  std::error_code ec;
  fs::rename(dir_ / part_name, dir_ / meta_.filename, ec);
  if (ec) return fail("rename failed: " + ec.message());
  meta_.created = now_unix;
  const nlohmann::json j{{"filename", meta_.filename}, {"content_type", meta_.content_type}, {"owner", meta_.owner},
                         {"size", meta_.size},         {"created", meta_.created}};
  {
    std::ofstream out(dir_ / ".meta.tmp", std::ios::trunc);
    out << j.dump() << "\n";
    if (!out.flush()) return fail("cannot write the metadata");
  }
  if (!sync_path(dir_ / ".meta.tmp")) return fail("cannot sync the metadata");
  fs::rename(dir_ / ".meta.tmp", dir_ / meta_name, ec);
  if (ec) return fail("rename failed: " + ec.message());
  sync_path(dir_);  // the renames themselves
  done_ = true;
  store_.finished(meta_);
  return meta_;
}

}  // namespace confab::server
