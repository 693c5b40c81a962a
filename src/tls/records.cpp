#include "tls/records.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cstring>
#include <string>

namespace confab::tls {

namespace {

constexpr std::uint8_t type_alert = 21;
constexpr std::uint8_t type_handshake = 22;
constexpr std::uint8_t type_application_data = 23;
constexpr std::uint8_t handshake_key_update = 24;
constexpr std::size_t tag_size = 16;
// No legitimate post-handshake message from a client comes near this
// (a KeyUpdate is 5 bytes); the cap bounds what a peer can make us buffer.
constexpr std::size_t max_handshake_message = 1024;

// Fetched once per thread: OpenSSL 3 looks a cipher up in its provider
// tables on every init with a legacy EVP_aes_*() handle, which costs more
// than protecting the record.
const EVP_CIPHER* cipher_of(Tls13Suite s) {
  struct Fetched {
    EVP_CIPHER* aes128 = EVP_CIPHER_fetch(nullptr, "AES-128-GCM", nullptr);
    EVP_CIPHER* aes256 = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
    EVP_CIPHER* chacha = EVP_CIPHER_fetch(nullptr, "ChaCha20-Poly1305", nullptr);
    ~Fetched() {
      EVP_CIPHER_free(aes128);
      EVP_CIPHER_free(aes256);
      EVP_CIPHER_free(chacha);
    }
  };
  thread_local Fetched fetched;
  switch (s) {
    case Tls13Suite::aes_128_gcm_sha256: return fetched.aes128;
    case Tls13Suite::aes_256_gcm_sha384: return fetched.aes256;
    case Tls13Suite::chacha20_poly1305_sha256: return fetched.chacha;
  }
  return nullptr;
}
const char* digest_of(Tls13Suite s) { return s == Tls13Suite::aes_256_gcm_sha384 ? "SHA384" : "SHA256"; }
std::size_t hash_size(Tls13Suite s) { return s == Tls13Suite::aes_256_gcm_sha384 ? 48 : 32; }
std::size_t key_size(Tls13Suite s) { return s == Tls13Suite::aes_128_gcm_sha256 ? 16 : 32; }

// One cipher context per thread, re-keyed for every record: a context per
// connection would cost ~1 KiB each, which is what this file avoids.
struct CipherCtx {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  ~CipherCtx() { EVP_CIPHER_CTX_free(ctx); }
};
EVP_CIPHER_CTX* thread_cipher() {
  thread_local CipherCtx c;
  return c.ctx;
}

// Re-keys the thread's context; the cipher itself is only set up again
// when it changes (the costly part of an init).
bool init_cipher(EVP_CIPHER_CTX* ctx, const EVP_CIPHER* cipher, bool encrypt, const std::uint8_t* key,
                 const std::uint8_t* iv) {
  const int enc = encrypt ? 1 : 0;
  if (EVP_CIPHER_CTX_get0_cipher(ctx) != cipher || EVP_CIPHER_CTX_is_encrypting(ctx) != enc)
    return EVP_CipherInit_ex(ctx, cipher, nullptr, key, iv, enc) == 1;
  return EVP_CipherInit_ex(ctx, nullptr, nullptr, key, iv, enc) == 1;
}

std::array<std::uint8_t, 12> nonce(const std::array<std::uint8_t, 12>& iv, std::uint64_t seq) {
  std::array<std::uint8_t, 12> n = iv;
  for (std::size_t i = 0; i < 8; ++i) n[11 - i] ^= static_cast<std::uint8_t>(seq >> (8 * i));
  return n;
}

void put_header(Bytes& out, std::size_t length) {
  out.push_back(type_application_data);
  out.push_back(0x03);
  out.push_back(0x03);
  out.push_back(static_cast<std::uint8_t>(length >> 8));
  out.push_back(static_cast<std::uint8_t>(length));
}

}  // namespace

std::optional<Tls13Suite> tls13_suite(std::uint16_t iana_id) {
  switch (iana_id) {
    case 0x1301: return Tls13Suite::aes_128_gcm_sha256;
    case 0x1302: return Tls13Suite::aes_256_gcm_sha384;
    case 0x1303: return Tls13Suite::chacha20_poly1305_sha256;
    default: return std::nullopt;
  }
}

Bytes hkdf_expand_label(Tls13Suite suite, ByteView secret, std::string_view label, std::size_t length) {
  // HkdfLabel = length(2) || "tls13 " + label (1-byte length) || context (empty); then
  // HKDF-Expand for one block: T(1) = HMAC(secret, HkdfLabel || 0x01).
  Bytes info;
  info.push_back(static_cast<std::uint8_t>(length >> 8));
  info.push_back(static_cast<std::uint8_t>(length));
  const std::string full = "tls13 " + std::string(label);
  info.push_back(static_cast<std::uint8_t>(full.size()));
  info.insert(info.end(), full.begin(), full.end());
  info.push_back(0);  // empty context
  info.push_back(1);
  std::array<std::uint8_t, EVP_MAX_MD_SIZE> out{};
  std::size_t out_len = 0;
  if (length > hash_size(suite) ||
      !EVP_Q_mac(nullptr, "HMAC", nullptr, digest_of(suite), nullptr, secret.data(), secret.size(), info.data(),
                 info.size(), out.data(), out.size(), &out_len))
    return {};
  return Bytes(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(length));
}

std::unique_ptr<Tls13Records> Tls13Records::create(Tls13Suite suite, ByteView read_secret, ByteView write_secret) {
  if (read_secret.size() != hash_size(suite) || write_secret.size() != hash_size(suite)) return nullptr;
  std::unique_ptr<Tls13Records> r(new Tls13Records(suite));
  r->install(r->read_, Bytes(read_secret.begin(), read_secret.end()));
  r->install(r->write_, Bytes(write_secret.begin(), write_secret.end()));
  if (r->read_.secret.empty() || r->write_.secret.empty()) return nullptr;
  return r;
}

void Tls13Records::install(Direction& d, Bytes secret) {
  const Bytes key = hkdf_expand_label(suite_, secret, "key", key_size(suite_));
  const Bytes iv = hkdf_expand_label(suite_, secret, "iv", 12);
  if (key.empty() || iv.size() != 12) {
    d.secret.clear();
    return;
  }
  std::copy(key.begin(), key.end(), d.key.begin());
  std::copy(iv.begin(), iv.end(), d.iv.begin());
  d.secret = std::move(secret);
  d.seq = 0;
}

void Tls13Records::update(Direction& d) {
  // §7.2: application_traffic_secret_N+1 = HKDF-Expand-Label(secret_N, "traffic upd", "", Hash.length)
  install(d, hkdf_expand_label(suite_, d.secret, "traffic upd", hash_size(suite_)));
}

void Tls13Records::seal_record(std::uint8_t type, ByteView content, Bytes& wire) {
  const std::size_t length = content.size() + 1 + tag_size;
  const std::size_t at = wire.size();
  put_header(wire, length);
  const auto n = nonce(write_.iv, write_.seq++);
  wire.resize(at + header_size + length);
  std::uint8_t* out = wire.data() + at + header_size;
  EVP_CIPHER_CTX* ctx = thread_cipher();
  int len = 0;
  init_cipher(ctx, cipher_of(suite_), true, write_.key.data(), n.data());
  EVP_EncryptUpdate(ctx, nullptr, &len, wire.data() + at, static_cast<int>(header_size));  // AAD: the header
  EVP_EncryptUpdate(ctx, out, &len, content.data(), static_cast<int>(content.size()));
  EVP_EncryptUpdate(ctx, out + content.size(), &len, &type, 1);  // TLSInnerPlaintext's type, no padding
  EVP_EncryptFinal_ex(ctx, out + content.size() + 1, &len);
  EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, static_cast<int>(tag_size), out + content.size() + 1);
}

void Tls13Records::seal(ByteView plaintext, Bytes& wire) {
  wire.reserve(wire.size() + plaintext.size() + (plaintext.size() / max_plaintext + 1) * (header_size + 1 + tag_size));
  while (!plaintext.empty()) {
    if (write_.seq >= write_records_per_key) {
      // §4.6.3: tell the peer, then switch.
      const std::uint8_t key_update[] = {handshake_key_update, 0, 0, 1, 0};  // update_not_requested
      seal_record(type_handshake, ByteView(key_update, sizeof key_update), wire);
      update(write_);
    }
    const std::size_t n = std::min(plaintext.size(), max_plaintext);
    seal_record(type_application_data, plaintext.first(n), wire);
    plaintext = plaintext.subspan(n);
  }
}

void Tls13Records::seal_close_notify(Bytes& wire) {
  const std::uint8_t alert[] = {1, 0};  // warning, close_notify
  seal_record(type_alert, ByteView(alert, sizeof alert), wire);
}

bool Tls13Records::handshake_message(std::uint8_t type, ByteView body, Bytes& reply, std::string& error) {
  if (type != handshake_key_update) {
    // A client has nothing else to send after its Finished (we never ask
    // for post-handshake authentication); NewSessionTicket is the server's.
    error = "unexpected handshake message type " + std::to_string(type) + " after the handshake";
    return false;
  }
  if (body.size() != 1 || body[0] > 1) {
    error = "malformed KeyUpdate";
    return false;
  }
  update(read_);
  if (body[0] == 1) {  // update_requested: answer with ours before anything else we send
    const std::uint8_t key_update[] = {handshake_key_update, 0, 0, 1, 0};
    seal_record(type_handshake, ByteView(key_update, sizeof key_update), reply);
    update(write_);
  }
  return true;
}

Tls13Records::Opened Tls13Records::open(ByteView wire, Bytes& plaintext, Bytes& reply) {
  Opened r;
  auto fail = [&](std::string why) {
    r.status = Status::failed;
    r.error = "record " + std::to_string(records_read_ + 1) + ": " + why;
    return r;
  };
  while (wire.size() - r.consumed >= header_size) {
    const std::uint8_t* h = wire.data() + r.consumed;
    const std::size_t length = (std::size_t{h[3]} << 8) | h[4];
    if (h[0] != type_application_data) return fail("outer content type " + std::to_string(h[0]) + " (only 23 after the handshake)");
    if (h[1] != 0x03 || h[2] != 0x03) return fail("legacy_record_version is not 0x0303");
    if (length > max_ciphertext) return fail(std::to_string(length) + " bytes is over the " + std::to_string(max_ciphertext) + " allowed (record_overflow)");
    if (length < 1 + tag_size) return fail("shorter than its tag");
    if (wire.size() - r.consumed < header_size + length) break;  // the rest has not arrived

    const std::uint8_t* cipher_text = h + header_size;
    const std::size_t inner = length - tag_size;
    const std::size_t base = plaintext.size();
    plaintext.resize(base + inner);
    const auto n = nonce(read_.iv, read_.seq);
    EVP_CIPHER_CTX* ctx = thread_cipher();
    int len = 0;
    bool ok = init_cipher(ctx, cipher_of(suite_), false, read_.key.data(), n.data()) &&
              EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, static_cast<int>(tag_size),
                                  const_cast<std::uint8_t*>(cipher_text + inner)) == 1 &&
              EVP_DecryptUpdate(ctx, nullptr, &len, h, static_cast<int>(header_size)) == 1 &&
              EVP_DecryptUpdate(ctx, plaintext.data() + base, &len, cipher_text, static_cast<int>(inner)) == 1 &&
              EVP_DecryptFinal_ex(ctx, plaintext.data() + base + len, &len) == 1;
    if (!ok) {
      plaintext.resize(base);
      return fail("bad record MAC");
    }
    ++read_.seq;
    ++records_read_;
    r.consumed += header_size + length;

    // TLSInnerPlaintext: content, type, zero padding (§5.4).
    std::size_t end = plaintext.size();
    while (end > base && plaintext[end - 1] == 0) --end;
    if (end == base) {
      plaintext.resize(base);
      return fail("no content type (all padding)");
    }
    const std::uint8_t type = plaintext[end - 1];
    const std::size_t content = end - 1 - base;
    if (content > max_plaintext) {
      plaintext.resize(base);
      return fail("plaintext over 16384 bytes (record_overflow)");
    }
    if (type == type_application_data) {
      if (!handshake_.empty()) {
        plaintext.resize(base);
        return fail("application data inside a handshake message");
      }
      plaintext.resize(base + content);
      continue;
    }
    Bytes body(plaintext.begin() + static_cast<std::ptrdiff_t>(base),
               plaintext.begin() + static_cast<std::ptrdiff_t>(base + content));
    plaintext.resize(base);
    if (type == type_alert) {
      if (body.size() != 2) return fail("malformed alert");
      if (body[1] == 0) {
        r.status = Status::closed;  // close_notify
        return r;
      }
      return fail("peer sent alert " + std::to_string(body[1]));
    }
    if (type != type_handshake) return fail("unexpected content type " + std::to_string(type));
    if (body.empty()) return fail("empty handshake record");
    handshake_.insert(handshake_.end(), body.begin(), body.end());
    while (handshake_.size() >= 4) {
      const std::size_t size = (std::size_t{handshake_[1]} << 16) | (std::size_t{handshake_[2]} << 8) | handshake_[3];
      if (size > max_handshake_message) return fail("handshake message too large");
      if (handshake_.size() < 4 + size) break;
      // §5.1: a key change must fall on a record boundary.
      if (handshake_[0] == handshake_key_update && handshake_.size() != 4 + size)
        return fail("data after a KeyUpdate in the same record");
      std::string error;
      const std::uint8_t message_type = handshake_[0];
      Bytes message(handshake_.begin() + 4, handshake_.begin() + 4 + static_cast<std::ptrdiff_t>(size));
      handshake_.erase(handshake_.begin(), handshake_.begin() + 4 + static_cast<std::ptrdiff_t>(size));
      if (!handshake_message(message_type, message, reply, error)) return fail(error);
    }
    if (handshake_.size() > max_handshake_message) return fail("handshake message too large");
    if (handshake_.empty()) Bytes().swap(handshake_);
  }
  return r;
}

}  // namespace confab::tls
