#include "server/user_command.hpp"

#include <nlohmann/json.hpp>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>

#include "server/daemon.hpp"
#include "store/sqlite_account_store.hpp"

namespace confab::server {

namespace {

using store::AccountName;

const char* action_name(UserCommand::Action a) {
  switch (a) {
    case UserCommand::Action::add: return "add";
    case UserCommand::Action::del: return "del";
    case UserCommand::Action::passwd: return "passwd";
    case UserCommand::Action::list: return "list";
  }
  return "?";
}

// A clear password never outlives its use in freed memory.
class Secret {
 public:
  Secret() = default;
  Secret(const Secret&) = delete;
  Secret& operator=(const Secret&) = delete;
  ~Secret() { wipe(); }
  std::string& text() { return text_; }
  void wipe() { explicit_bzero(text_.data(), text_.size()); text_.clear(); }

 private:
  std::string text_;
};

void strip_line_end(std::string& s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
}

// Turns terminal echo off for its lifetime.
class NoEcho {
 public:
  NoEcho() : ok_(::tcgetattr(STDIN_FILENO, &saved_) == 0) {
    if (!ok_) return;
    termios quiet = saved_;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  NoEcho(const NoEcho&) = delete;
  NoEcho& operator=(const NoEcho&) = delete;
  ~NoEcho() {
    if (ok_) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_);
  }

 private:
  termios saved_{};
  bool ok_;
};

// Echo stays off across both questions: input typed ahead for the second
// one is neither shown nor flushed away.
bool prompt(const std::string& question, Secret& out) {
  std::fprintf(stderr, "%s", question.c_str());
  std::fflush(stderr);
  bool got = static_cast<bool>(std::getline(std::cin, out.text()));
  std::fprintf(stderr, "\n");  // the user's Enter was not echoed
  strip_line_end(out.text());
  return got;
}

// The password from --password-file, a prompt (asked twice) on a terminal,
// or the first line of stdin. nullopt after printing why it failed.
std::optional<std::string> read_password(const UserCommand& cmd, const std::string& address, Secret& out) {
  if (!cmd.password_file.empty() && cmd.password_file != "-") {
    errno = 0;
    std::ifstream in(cmd.password_file);
    if (!in) return "cannot read " + cmd.password_file + ": " + std::strerror(errno);
    if (!std::getline(in, out.text())) return cmd.password_file + " is empty";
    strip_line_end(out.text());
    return std::nullopt;
  }
  if (cmd.password_file.empty() && ::isatty(STDIN_FILENO)) {
    Secret again;
    NoEcho quiet;
    if (!prompt("New password for " + address + ": ", out) || !prompt("Repeat it: ", again))
      return "no password was entered";
    if (out.text() != again.text()) return "the passwords do not match";
    return std::nullopt;
  }
  if (!std::getline(std::cin, out.text())) return "no password on standard input";
  strip_line_end(out.text());
  return std::nullopt;
}

int list(store::AccountStore& accounts, bool json, const std::string& prefix) {
  auto users = accounts.list_users();
  if (!users) {
    std::fprintf(stderr, "%s%s\n", prefix.c_str(), users.error().message.c_str());
    return exit_runtime_error;
  }
  if (json) {
    auto out = nlohmann::json::array();
    for (const auto& u : *users)
      out.push_back({{"address", u.name.str()}, {"created", u.created}, {"password_changed", u.password_changed}});
    std::cout << out.dump(2) << "\n";
  } else {
    for (const auto& u : *users) std::cout << u.name.str() << "\n";
  }
  return exit_ok;
}

}  // namespace

int run_user_command(const Config& config, const UserCommand& cmd) {
  const std::string prefix = std::string("confabd user ") + action_name(cmd.action) + ": ";
  auto fail = [&](const std::string& message, int code) {
    std::fprintf(stderr, "%s%s\n", prefix.c_str(), message.c_str());
    return code;
  };

  std::optional<AccountName> name;
  if (cmd.action != UserCommand::Action::list) {
    auto parsed = AccountName::parse(cmd.address);
    if (!parsed) return fail(parsed.error(), exit_config_error);
    name = *parsed;
  }

  const bool create = cmd.action == UserCommand::Action::add;
  if (create) {
    std::error_code ec;
    auto dir = config.store.path.parent_path();
    if (!dir.empty()) std::filesystem::create_directories(dir, ec);
    if (ec) return fail("cannot create " + dir.string() + ": " + ec.message(), exit_runtime_error);
  }
  auto opened = store::SqliteAccountStore::open(
      {.path = config.store.path, .create = create, .busy_timeout = config.store.busy_timeout});
  if (!opened) return fail(opened.error().message, exit_runtime_error);
  store::AccountStore& accounts = **opened;

  if (cmd.action == UserCommand::Action::list) return list(accounts, cmd.json, prefix);
  if (cmd.action == UserCommand::Action::del) {
    auto r = accounts.delete_user(*name);
    if (!r) return fail(r.error().message, exit_runtime_error);
    std::printf("deleted %s\n", name->str().c_str());
    return exit_ok;
  }

  // add / passwd: check the account first, so nobody types a password for nothing.
  auto existing = accounts.find_user(*name);
  if (!existing) return fail(existing.error().message, exit_runtime_error);
  if (create && *existing) return fail("user " + name->str() + " already exists", exit_runtime_error);
  if (!create && !*existing) return fail("user " + name->str() + " does not exist", exit_runtime_error);

  Secret password;
  if (auto problem = read_password(cmd, name->str(), password)) return fail(*problem, exit_runtime_error);
  SystemRng rng;
  store::HashParams params{config.store.scram_sha1_iterations, config.store.scram_sha256_iterations};
  auto credentials = store::derive_credentials(*name, password.text(), params, rng);
  password.wipe();
  if (!credentials) return fail(credentials.error(), exit_config_error);

  auto r = create ? accounts.add_user(*name, *credentials) : accounts.set_password(*name, *credentials);
  if (!r) return fail(r.error().message, exit_runtime_error);
  std::printf(create ? "added %s\n" : "changed the password of %s\n", name->str().c_str());
  return exit_ok;
}

}  // namespace confab::server
