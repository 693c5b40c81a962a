#pragma once
// A blocking TCP exchange with deadlines, for the CLI's one-shot questions
// (e.g. a STUN Binding over TCP when UDP is blocked).
#include <functional>
#include <optional>
#include <string>

#include "core/address.hpp"
#include "core/bytes.hpp"
#include "core/result.hpp"
#include "core/time.hpp"

namespace confab::net {

struct TcpExchange {
  SocketAddress local;   // our end of the connection
  Bytes response;        // one framed message
};

// Connects to `server`, sends `request`, and reads until `frame_size` says a
// whole message is buffered. Everything must finish within `timeout`.
// Errors: "connection refused", "timed out after 3 s", ...
Result<TcpExchange, std::string> tcp_request(const SocketAddress& server, ByteView request,
                                             const std::function<std::optional<std::size_t>(ByteView)>& frame_size,
                                             Duration timeout, std::size_t max_response = 65536);

// The local address the kernel would use to reach `remote` (a connected UDP
// socket's name; nothing is sent).
std::optional<IpAddress> route_source(const SocketAddress& remote);

}  // namespace confab::net
