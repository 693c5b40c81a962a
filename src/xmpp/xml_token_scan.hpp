#pragma once
// Internal to confab_xmpp: could an unfinished piece of markup end within
// the bytes that follow it? The parser's answer to expat's quadratic
// rescans (see StreamParser::Impl::hold_back()): while the answer is no,
// handing expat more bytes would only make it rescan the token again.
//
// The scan must never say no to bytes that would finish the token (that
// would hold a stanza back), so whatever it does not recognise it answers
// conservatively: a start or end tag ends at a '>' outside quotes, a
// comment at "-->", a processing instruction at "?>", a reference at ';',
// anything else at any '>'. It is incremental: each byte is looked at once
// per token.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace confab::xmpp {

class TokenEndScan {
 public:
  // Starts over for the token whose first bytes are `head` (at least the
  // first four, when there are that many).
  void start(std::string_view head);
  // Looks at the bytes after those already seen; true once an end is among
  // them (and from then on).
  bool scan(std::string_view more);
  bool can_end() const { return can_end_; }

 private:
  enum class Kind : std::uint8_t { other, tag, comment, instruction, reference };
  Kind kind_ = Kind::other;
  char quote_ = 0;   // in a tag: the quote of the attribute value we are in
  int dashes_ = 0;   // in a comment: '-'s just before
  char previous_ = 0;
  bool can_end_ = false;
};

}  // namespace confab::xmpp
