#include "client/password.hpp"

#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>

namespace confab::client {

namespace {

// Reads a line from the terminal without echo.
std::optional<std::string> prompt_password(const std::string& account) {
  if (!::isatty(STDIN_FILENO)) return std::nullopt;
  std::fprintf(stderr, "Password for %s: ", account.c_str());
  std::fflush(stderr);
  termios old{};
  const bool have_tty = ::tcgetattr(STDIN_FILENO, &old) == 0;
  if (have_tty) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  std::string line;
  int c;
  while ((c = std::fgetc(stdin)) != EOF && c != '\n') line.push_back(static_cast<char>(c));
  if (have_tty) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
  std::fprintf(stderr, "\n");
  return line;
}

}  // namespace

Result<std::string, std::string> read_password(const std::string& account, const std::string& password_file) {
  if (!password_file.empty()) {
    std::ifstream in(password_file);
    if (!in) return unexpected("cannot read " + password_file);
    std::string line;
    std::getline(in, line);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
  }
  if (const char* env = std::getenv("CONFAB_PASSWORD")) return std::string(env);
  return prompt_password(account).value_or("");
}

}  // namespace confab::client
