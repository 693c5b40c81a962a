#pragma once
// Conversions between confab::SocketAddress and the BSD socket structures.
#include <sys/socket.h>

#include "core/address.hpp"

namespace confab::net {

socklen_t to_sockaddr(const SocketAddress& a, sockaddr_storage& out);
SocketAddress from_sockaddr(const sockaddr_storage& s);

}  // namespace confab::net
