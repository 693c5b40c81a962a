// The scan is a small state machine per kind of token; see the header.
#include "xmpp/xml_token_scan.hpp"

namespace confab::xmpp {

void TokenEndScan::start(std::string_view head) {
  *this = {};
  if (head.starts_with("<!--"))
    kind_ = Kind::comment;
  else if (head.starts_with("<?"))
    kind_ = Kind::instruction;
  else if (head.starts_with("<!"))
    kind_ = Kind::other;  // CDATA (its content is reported as it comes), DOCTYPE (refused at its name)
  else if (head.starts_with("<"))
    kind_ = Kind::tag;
  else if (head.starts_with("&"))
    kind_ = Kind::reference;
}

bool TokenEndScan::scan(std::string_view more) {
  for (std::size_t i = 0; i < more.size() && !can_end_; ++i) {
    const char c = more[i];
    switch (kind_) {
      case Kind::tag:
        if (quote_ != 0)
          quote_ = c == quote_ ? 0 : quote_;
        else if (c == '\'' || c == '"')
          quote_ = c;
        else
          can_end_ = c == '>';
        break;
      case Kind::comment:
        can_end_ = c == '>' && dashes_ >= 2;
        dashes_ = c == '-' ? dashes_ + 1 : 0;
        break;
      case Kind::instruction:
        can_end_ = c == '>' && previous_ == '?';
        break;
      case Kind::reference:
        can_end_ = c == ';';
        break;
      case Kind::other:
        can_end_ = c == '>';
        break;
    }
    previous_ = c;
  }
  return can_end_;
}

}  // namespace confab::xmpp
