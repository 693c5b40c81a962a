#include "server/secret_file.hpp"

#include <sys/stat.h>

#include <fstream>

namespace confab::server {

Result<Bytes, std::string> load_or_create_secret(const std::filesystem::path& path, std::size_t bytes, Rng& rng) {
  Bytes secret(bytes);
  if (std::ifstream in(path, std::ios::binary); in) {
    in.read(reinterpret_cast<char*>(secret.data()), static_cast<std::streamsize>(bytes));
    if (in.gcount() == static_cast<std::streamsize>(bytes)) return secret;
  }
  rng.fill(secret);
  mode_t old = ::umask(077);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  ::umask(old);
  out.write(reinterpret_cast<const char*>(secret.data()), static_cast<std::streamsize>(bytes));
  if (!out) return unexpected("cannot write " + path.string());
  return secret;
}

}  // namespace confab::server
