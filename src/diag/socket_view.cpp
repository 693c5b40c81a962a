#include "diag/socket_view.hpp"

#include <algorithm>
#include <tuple>

namespace confab::diag {

namespace {

const CatalogEntry* covering(std::uint16_t port, Proto proto, const std::vector<CatalogEntry>& catalog) {
  if (port == 0) return nullptr;
  for (const auto& e : catalog)
    if (e.proto == proto && port >= e.first && port <= e.last) return &e;
  return nullptr;
}

}  // namespace

std::string service_of(const SocketRecord& s, const std::vector<CatalogEntry>& catalog) {
  if (const auto* e = covering(s.local.port, s.proto, catalog)) return e->service;
  if (!s.listening())
    if (const auto* e = covering(s.remote.port, s.proto, catalog)) return e->service;
  return "-";
}

std::vector<OwnedSocket> owned_sockets(const std::vector<SocketRecord>& sockets, const SocketOwners& owners,
                                       const std::vector<CatalogEntry>& catalog) {
  std::vector<OwnedSocket> out;
  for (const auto& s : sockets) {
    if (s.inode == 0) continue;
    auto it = owners.find(s.inode);
    if (it == owners.end() || it->second.empty()) continue;
    OwnedSocket o{s, it->second, service_of(s, catalog)};
    std::sort(o.owners.begin(), o.owners.end());
    out.push_back(std::move(o));
  }
  auto key = [](const OwnedSocket& o) {
    return std::make_tuple(o.owners.front().pid, o.socket.proto, !o.socket.listening(), o.socket.local.port,
                           o.socket.local.ip, o.socket.remote, o.socket.inode);
  };
  std::sort(out.begin(), out.end(), [&](const OwnedSocket& a, const OwnedSocket& b) { return key(a) < key(b); });
  return out;
}

}  // namespace confab::diag
