// bench_xmpp_accounts — creates the benchmark accounts P<first>..P<first+N-1>
// @domain, all with one password, for the three servers of xmpp_bench.sh:
//
//   confabd  into confabd's account store (<data-dir>/confab.db), the way
//            `confabd user add` does it — the same store::derive_credentials()
//            (SCRAM-SHA-1 4096 and SCRAM-SHA-256 8192 iterations, digest HA1s,
//            random salts) and SqliteAccountStore::add_user() — but in one
//            process: `confabd user add` costs ~60 ms per account (process
//            start, one SQLite transaction), 10 minutes for 10,000.
//   prosody  Prosody 0.12's mod_auth_internal_hashed files,
//            <data-dir>/<host>/accounts/<user>.dat: SCRAM-SHA-1, 10000
//            iterations (its default_iteration_count), a UUID salt per user,
//            hex stored_key/server_key — what `prosodyctl register` writes
//            (which takes ~0.3 s per account).
//   piefxis  an XEP-0227 file for `ejabberdctl import_piefxis` (one command
//            instead of one `ejabberdctl register` VM start per account);
//            ejabberd hashes the passwords itself on import.
//
// Key derivation runs on --threads threads.
#include <algorithm>
#include <chrono>
#include <atomic>
#include <cctype>
#include <optional>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "core/rng.hpp"
#include "sasl/scram_keys.hpp"
#include "store/account_name.hpp"
#include "store/password_hashes.hpp"
#include "store/sqlite_account_store.hpp"

using namespace confab;

namespace {

struct Options {
  std::string format;
  std::filesystem::path data_dir;
  std::filesystem::path out;
  std::string domain = "example.org";
  std::string prefix = "user";
  std::string password;
  std::size_t first = 0;
  std::size_t count = 0;
  unsigned threads = 2;
  std::uint32_t prosody_iterations = 10000;
};

[[noreturn]] void usage(int code) {
  std::fprintf(code ? stderr : stdout,
               "usage: bench_xmpp_accounts confabd|prosody --data-dir DIR --count N --password-file F [options]\n"
               "       bench_xmpp_accounts piefxis --out FILE --count N --password-file F [options]\n"
               "  --domain D (example.org)  --prefix P (user)  --first N (0)  --threads T (2)\n"
               "  --prosody-iterations I (10000, Prosody 0.12's default)\n");
  std::exit(code);
}

std::string hex(ByteView b) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s;
  s.reserve(b.size() * 2);
  for (auto c : b) {
    s.push_back(digits[c >> 4]);
    s.push_back(digits[c & 15]);
  }
  return s;
}

// Prosody's util.uuid.generate(): a version 4 UUID in text.
std::string uuid4(Rng& rng) {
  std::uint8_t b[16];
  rng.fill(b);
  b[6] = static_cast<std::uint8_t>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<std::uint8_t>((b[8] & 0x3f) | 0x80);
  std::string h = hex(ByteView(b, 16));
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" + h.substr(20);
}

// Prosody's datamanager path encoding: every non-alphanumeric byte as %xx.
std::string prosody_encode(const std::string& s) {
  std::string r;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c)) {
      r.push_back(ch);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02x", c);
      r += buf;
    }
  }
  return r;
}

template <class F>
void parallel(std::size_t n, unsigned threads, F f) {
  std::vector<std::thread> ts;
  for (unsigned t = 0; t < threads; ++t)
    ts.emplace_back([&, t] {
      SystemRng rng;
      for (std::size_t i = t; i < n; i += threads) f(i, rng);
    });
  for (auto& t : ts) t.join();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) usage(2);
  Options o;
  o.format = argv[1];
  if (o.format == "-h" || o.format == "--help") usage(0);
  std::string password_file;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    auto val = [&]() -> std::string {
      if (i + 1 >= argc) usage(2);
      return argv[++i];
    };
    if (a == "--data-dir") o.data_dir = val();
    else if (a == "--out") o.out = val();
    else if (a == "--domain") o.domain = val();
    else if (a == "--prefix") o.prefix = val();
    else if (a == "--first") o.first = std::strtoull(val().c_str(), nullptr, 10);
    else if (a == "--count") o.count = std::strtoull(val().c_str(), nullptr, 10);
    else if (a == "--threads") o.threads = static_cast<unsigned>(std::max(1, std::atoi(val().c_str())));
    else if (a == "--password-file") password_file = val();
    else if (a == "--prosody-iterations") o.prosody_iterations = static_cast<std::uint32_t>(std::atoi(val().c_str()));
    else usage(2);
  }
  std::ifstream pf(password_file);
  if (password_file.empty() || !std::getline(pf, o.password) || o.password.empty()) {
    std::fprintf(stderr, "bench_xmpp_accounts: cannot read a password from --password-file\n");
    return 2;
  }
  if (o.count == 0) usage(2);
  auto user = [&](std::size_t i) { return o.prefix + std::to_string(o.first + i); };

  if (o.format == "piefxis") {
    if (o.out.empty()) usage(2);
    std::ofstream f(o.out);
    f << "<?xml version='1.0' encoding='UTF-8'?>\n<server-data xmlns='urn:xmpp:pie:0'>\n<host jid='" << o.domain
      << "'>\n";
    for (std::size_t i = 0; i < o.count; ++i) f << "<user name='" << user(i) << "' password='" << o.password << "'/>\n";
    f << "</host>\n</server-data>\n";
    if (!f) {
      std::fprintf(stderr, "bench_xmpp_accounts: cannot write %s\n", o.out.c_str());
      return 1;
    }
    return 0;
  }

  if (o.format == "prosody") {
    if (o.data_dir.empty()) usage(2);
    auto dir = o.data_dir / prosody_encode(o.domain) / "accounts";
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
      std::fprintf(stderr, "bench_xmpp_accounts: %s: %s\n", dir.c_str(), ec.message().c_str());
      return 1;
    }
    std::atomic<bool> ok{true};
    parallel(o.count, o.threads, [&](std::size_t i, Rng& rng) {
      std::string salt = uuid4(rng);
      auto cred = sasl::scram_credentials(sasl::ScramMechanism::sha1, o.password, as_bytes(salt), o.prosody_iterations);
      std::ofstream f(dir / (prosody_encode(user(i)) + ".dat"));
      f << "return {\n\t[\"iteration_count\"] = " << o.prosody_iterations << ";\n\t[\"salt\"] = \"" << salt
        << "\";\n\t[\"server_key\"] = \"" << hex(cred.server_key) << "\";\n\t[\"stored_key\"] = \""
        << hex(cred.stored_key) << "\";\n};\n";
      if (!f) ok = false;
    });
    if (!ok) {
      std::fprintf(stderr, "bench_xmpp_accounts: cannot write the account files in %s\n", dir.c_str());
      return 1;
    }
    return 0;
  }

  if (o.format == "confabd") {
    if (o.data_dir.empty()) usage(2);
    std::error_code ec;
    std::filesystem::create_directories(o.data_dir, ec);
    std::vector<std::optional<store::StoredCredentials>> creds(o.count);
    std::vector<std::optional<store::AccountName>> names(o.count);
    std::atomic<bool> ok{true};
    const auto t0 = std::chrono::steady_clock::now();
    parallel(o.count, o.threads, [&](std::size_t i, Rng& rng) {
      auto name = store::AccountName::parse(user(i) + "@" + o.domain);
      if (!name) {
        ok = false;
        return;
      }
      auto c = store::derive_credentials(*name, o.password, store::HashParams{}, rng);
      if (!c) {
        ok = false;
        return;
      }
      names[i] = *name;
      creds[i] = std::move(*c);
    });
    if (!ok) {
      std::fprintf(stderr, "bench_xmpp_accounts: bad account name or password\n");
      return 1;
    }
    auto opened = store::SqliteAccountStore::open({.path = o.data_dir / "confab.db", .create = true});
    if (!opened) {
      std::fprintf(stderr, "bench_xmpp_accounts: %s\n", opened.error().message.c_str());
      return 1;
    }
    const auto t1 = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < o.count; ++i) {
      auto r = (*opened)->add_user(*names[i], *creds[i]);
      if (!r) {
        std::fprintf(stderr, "bench_xmpp_accounts: add %s: %s\n", names[i]->str().c_str(), r.error().message.c_str());
        return 1;
      }
    }
    const auto t2 = std::chrono::steady_clock::now();
    std::fprintf(stderr, "bench_xmpp_accounts: %zu confabd accounts: keys derived in %.1f s, stored in %.1f s\n",
                 o.count, std::chrono::duration<double>(t1 - t0).count(), std::chrono::duration<double>(t2 - t1).count());
    return 0;
  }
  usage(2);
}
