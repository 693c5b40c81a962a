#pragma once
// One SCRAM exchange on the client side (RFC 5802 §5, §9; RFC 7677), for
// confab's own client and for tests: produce client-first, answer the
// server-first with the proof, then check the server's signature, which
// proves the server knew the password's keys (mutual authentication).
//
// The client refuses a server that asks for too few iterations (cheap to
// crack if the exchange is recorded) or too many (a hostile server burning
// the client's CPU), a server nonce that does not start with its own, and
// any server-final without the right signature.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "core/rng.hpp"
#include "sasl/channel_binding.hpp"
#include "sasl/failure.hpp"
#include "sasl/mechanism.hpp"
#include "sasl/scram_message.hpp"

namespace confab::sasl {

struct ScramClientConfig {
  std::uint32_t min_iterations = 4096;     // RFC 7677 §4
  std::uint32_t max_iterations = 1000000;  // about a second of PBKDF2-SHA-256
  std::size_t nonce_chars = 24;
};

// What the client says about channel binding in its gs2 header.
struct ClientBinding {
  Gs2Flag flag = Gs2Flag::n;  // n: cannot bind; y: could, but no -PLUS was offered; p: binds
  ChannelBinding binding;     // for p: the type and this connection's data
};

enum class ClientError : std::uint8_t {
  bad_input,                  // username or password refused by SASLprep, or a flag that does not fit the mechanism
  out_of_sequence,            // a call out of turn
  malformed,                  // the server's message does not parse
  unsupported_extension,      // the server sent m=
  nonce_mismatch,             // the server nonce does not extend ours, or adds nothing
  iterations_out_of_range,    // outside [min_iterations, max_iterations]
  server_error,               // the server sent e=
  bad_server_signature,       // v= is not what the password's keys give: not the real server
};
std::string_view to_string(ClientError e);

struct ClientFailure {
  ClientError error = ClientError::malformed;
  std::optional<ScramError> server_error;  // when the server sent e=
  std::string detail;
};

class ScramClient {
 public:
  // `authzid` empty: act as oneself. Nothing is checked until client_first().
  ScramClient(Mechanism mechanism, std::string username, std::string password, ClientBinding binding = {},
              std::string authzid = {}, ScramClientConfig config = {});
  ~ScramClient();
  ScramClient(ScramClient&&) noexcept = default;
  ScramClient& operator=(ScramClient&&) noexcept = default;

  Result<std::string, ClientFailure> client_first(Rng& rng);
  // server-first-message → client-final-message (runs PBKDF2).
  Result<std::string, ClientFailure> handle_server_first(std::string_view message);
  // server-final-message: ok only with the right signature.
  Result<std::monostate, ClientFailure> handle_server_final(std::string_view message);

 private:
  enum class State : std::uint8_t { start, server_first, server_final, done };
  Unexpected<ClientFailure> fail(ClientError e, std::string detail, std::optional<ScramError> se = std::nullopt);

  Mechanism mechanism_;
  std::string username_;
  std::string password_;
  ClientBinding binding_;
  std::string authzid_;
  ScramClientConfig config_;
  State state_ = State::start;

  std::string gs2_text_;
  std::string client_first_bare_;
  std::string client_nonce_;
  Bytes expected_signature_;
};

}  // namespace confab::sasl
