// libFuzzer target for the SASL server side: arbitrary client-first and
// client-final messages into a ScramServer (every mechanism, with and
// without channel-binding data), the same bytes into the message codecs,
// PLAIN and base64. Invariants: nothing crashes; parse errors name a place
// inside the input; what parses re-formats canonically; base64 decodes only
// canonical text; an exchange succeeds only with an identity.
//
// Input: one mode byte, then client-first '\n' client-final. In the final
// message "NONCE" is replaced by the server's combined nonce and a trailing
// "p=PROOF" by the proof for password "pencil", so the fuzzer reaches the
// channel-binding, proof and authzid checks, not only the parsers; and
// for the client side (mode bit 32) "CNONCE" in the server-first message
// by the client's nonce.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "sasl/base64.hpp"
#include "sasl/plain.hpp"
#include "sasl/scram_client.hpp"
#include "sasl/scram_message.hpp"
#include "sasl/scram_server.hpp"

namespace {

using namespace confab;
using namespace confab::sasl;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "sasl_scram invariant broken: %s\n", what);
  std::abort();
}

void check(bool ok, const char* what) {
  if (!ok) fail(what);
}

// Cheap keys: one PBKDF2 iteration, so the fuzzer spends its time in our code.
const Bytes salt = {0x5b, 0x6d, 0x99, 0x68, 0x9d, 0x12, 0x35, 0x8e, 0xec, 0xa0, 0x4b, 0x14, 0x12, 0x36, 0xfa, 0x81};

const ServerConfig& config() {
  static const ServerConfig c = [] {
    ServerConfig s;
    s.secret = Bytes(32, 0x42);
    s.domain = "example.org";
    s.unknown_user_iterations_sha1 = 1;
    s.unknown_user_iterations_sha256 = 1;
    s.nonce_chars = 16;
    return s;
  }();
  return c;
}

Result<std::optional<ScramCredentials>, std::string> lookup(std::string_view user, ScramMechanism m) {
  if (user == "fail") return unexpected(std::string("store down"));
  if (user != "user" && user != "a,b=c") return std::optional<ScramCredentials>();
  return std::optional<ScramCredentials>(scram_credentials(m, "pencil", salt, 1));
}

void replace_all(std::string& s, std::string_view from, std::string_view to) {
  for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
}

void codecs(std::string_view in) {
  if (auto cf = parse_client_first(in)) {
    check(cf->gs2_text + cf->bare == in, "client-first splits into gs2 header and bare");
    check(cf->bare.rfind(format_client_first_bare(cf->username, cf->nonce), 0) == 0, "bare re-formats");
    check(format_gs2_header(cf->gs2) == cf->gs2_text, "gs2 header re-formats");
  } else {
    check(cf.error().offset <= in.size() && !cf.error().message().empty(), "client-first error place");
  }
  if (auto sf = parse_server_first(in)) {
    check(sf->iterations > 0 && !sf->salt.empty() && !sf->nonce.empty(), "server-first fields");
  } else {
    check(sf.error().offset <= in.size(), "server-first error place");
  }
  if (auto cf = parse_client_final(in)) {
    check(in.substr(0, cf->without_proof.size()) == cf->without_proof, "without-proof is a prefix");
    check(!cf->proof.empty(), "proof present");
  } else {
    check(cf.error().offset <= in.size(), "client-final error place");
  }
  if (auto sf = parse_server_final(in)) {
    check(sf->error.has_value() != !sf->verifier.empty(), "server-final: e= or v=");
  }
  if (auto b = base64_decode(in)) check(base64_encode(*b) == in, "base64 decodes canonical text only");
  if (auto p = parse_plain(in)) check(!p->authcid.empty() && !p->password.empty(), "PLAIN fields");
}

void exchange(Mechanism mech, bool bindings, std::string_view first, std::string_view final_in) {
  std::vector<ChannelBinding> cb;
  if (bindings) cb = {{"tls-exporter", Bytes(32, 0xE1)}, {"tls-server-end-point", Bytes(32, 0xE2)}};
  ScramServer server(config(), mech, cb);
  SeededRng rng(first.size());
  const Step s1 = server.handle_client_first(first, lookup, rng);
  if (!s1.is_challenge()) {
    check(s1.is_failure() && s1.data.empty() && server.finished(), "client-first fails without data");
    return;
  }
  check(!server.username().empty(), "a challenge means a username");
  auto sf = parse_server_first(s1.data);
  check(sf.has_value(), "our server-first parses");

  std::string final_message(final_in);
  replace_all(final_message, "NONCE", sf->nonce);
  const std::string_view marker = "p=PROOF";
  if (final_message.size() >= marker.size() &&
      final_message.compare(final_message.size() - marker.size(), marker.size(), marker) == 0) {
    const std::string without = final_message.substr(0, final_message.size() - marker.size() - 1);
    const ScramMechanism h = scram_hash_of(mech);
    const Bytes salted = salted_password(h, "pencil", sf->salt, sf->iterations);
    const auto cf = parse_client_first(first);
    const std::string auth = auth_message(cf->bare, s1.data, without);
    final_message = without + format_proof(client_proof(h, salted, auth));
  }
  const Step s2 = server.handle_client_final(final_message);
  check(server.finished(), "finished after client-final");
  if (s2.is_success()) {
    check(server.identity().has_value() && server.identity()->username == server.username(), "success names the user");
    check(s2.data.rfind("v=", 0) == 0, "success carries v=");
  } else {
    check(s2.is_failure() && !server.identity(), "failure has no identity");
    check(s2.data.rfind("e=", 0) == 0, "final failure carries e=");
  }
}

void client(std::string_view server_first, std::string_view server_final) {
  ScramClient c(Mechanism::scram_sha256, "user", "pencil", {}, {}, {.min_iterations = 1, .max_iterations = 8, .nonce_chars = 4});
  SeededRng rng(1);
  auto first = c.client_first(rng);
  if (!first) fail("client-first");
  std::string sf(server_first);
  replace_all(sf, "CNONCE", first->substr(first->find(",r=") + 3));
  if (!c.handle_server_first(sf)) return;
  (void)c.handle_server_final(server_final);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t mode = data[0];
  const std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
  codecs(in);
  const std::size_t nl = in.find('\n');
  const std::string_view first = in.substr(0, nl);
  const std::string_view second = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
  exchange(all_mechanisms[(mode & 3u)], (mode & 4u) != 0, first, second);
  if ((mode & 8u) != 0) {
    PlainServer plain(config(), (mode & 16u) != 0);
    const Step s = plain.handle(in, lookup);
    check(s.is_success() == plain.identity().has_value(), "PLAIN success iff identity");
  }
  if ((mode & 32u) != 0) client(first, second);
  return 0;
}
