#include "net/self_signed.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cstdio>
#include <ctime>
#include <functional>
#include <memory>

namespace confab::net {

namespace {

template <class T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using Key = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using Cert = std::unique_ptr<X509, Deleter<X509, X509_free>>;

bool write_pem(const std::filesystem::path& path, bool secret, const std::function<int(FILE*)>& write) {
  // The key is created with mode 0600 from the start, never readable by others.
  mode_t old = ::umask(secret ? 077 : 022);
  FILE* f = std::fopen(path.c_str(), "w");
  ::umask(old);
  if (!f) return false;
  bool ok = write(f) == 1;
  return std::fclose(f) == 0 && ok;
}

}  // namespace

Result<TlsFiles, std::string> ensure_self_signed(const std::filesystem::path& dir, const std::string& name) {
  TlsFiles files{dir / (name + ".crt"), dir / (name + ".key")};
  std::error_code ec;
  if (std::filesystem::exists(files.certificate, ec) && std::filesystem::exists(files.private_key, ec)) return files;
  std::filesystem::create_directories(dir, ec);

  Key key(EVP_EC_gen("P-256"));
  if (!key) return unexpected(std::string("cannot generate an EC key"));
  Cert cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), static_cast<long>(std::time(nullptr)));
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 10L * 365 * 24 * 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* subject = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(name.c_str()), -1,
                             -1, 0);
  X509_set_issuer_name(cert.get(), subject);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  std::string san = "DNS:" + name;
  if (X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, san.c_str())) {
    X509_add_ext(cert.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) return unexpected(std::string("cannot sign the certificate"));

  if (!write_pem(files.private_key, true,
                 [&](FILE* f) { return PEM_write_PrivateKey(f, key.get(), nullptr, nullptr, 0, nullptr, nullptr); }))
    return unexpected("cannot write " + files.private_key.string());
  if (!write_pem(files.certificate, false, [&](FILE* f) { return PEM_write_X509(f, cert.get()); }))
    return unexpected("cannot write " + files.certificate.string());
  return files;
}

}  // namespace confab::net
