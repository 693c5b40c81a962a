#pragma once
// The one error type of the media layer: a sentence that names what is wrong
// and where ("in.wav: fmt chunk: 24-bit samples are not supported ..."). Media
// errors are reported to a person or a log, never dispatched on, so a typed
// code would add nothing a caller uses.
#include <string>
#include <utility>

namespace confab::media {

struct Error {
  std::string message;
};

inline Error make_error(std::string message) { return Error{std::move(message)}; }

}  // namespace confab::media
