#pragma once
// What `confab`'s exit status means, for every subcommand (docs/nat-report.md).
namespace confab::client {
inline constexpr int exit_ok = 0;
inline constexpr int exit_internal = 1;
inline constexpr int exit_usage = 2;
inline constexpr int exit_unreachable = 3;  // the server could not be reached at all
inline constexpr int exit_protocol = 4;     // the server answered with an error or nonsense
inline constexpr int exit_no_media = 5;     // a call was answered but its media found no path (or failed)
inline constexpr int exit_blocked = 6;      // portcheck: a port confab needs is blocked, or SIP is rewritten
}  // namespace confab::client
