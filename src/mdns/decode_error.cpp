// Decode errors as one line a log reader can act on.
#include "mdns/decode_error.hpp"

#include "core/text.hpp"

namespace confab::mdns {

const char* to_string(DecodeErrorCode c) {
  switch (c) {
    case DecodeErrorCode::truncated_header: return "truncated header";
    case DecodeErrorCode::truncated_name: return "truncated name";
    case DecodeErrorCode::bad_label_type: return "reserved label type";
    case DecodeErrorCode::bad_pointer: return "bad compression pointer";
    case DecodeErrorCode::name_too_long: return "name longer than 255 bytes";
    case DecodeErrorCode::truncated_question: return "truncated question";
    case DecodeErrorCode::truncated_record: return "truncated record";
    case DecodeErrorCode::bad_rdata: return "bad RDATA";
    case DecodeErrorCode::trailing_bytes: return "bytes after the last record";
  }
  return "unknown decode error";
}

const char* to_string(Section s) {
  switch (s) {
    case Section::header: return "header";
    case Section::question: return "question";
    case Section::answer: return "answer";
    case Section::authority: return "authority";
    case Section::additional: return "additional";
  }
  return "?";
}

std::string DecodeError::message() const {
  std::string where = to_string(section);
  if (section != Section::header) where += " " + std::to_string(index + 1);
  return decode_error_line("mDNS", offset, where, to_string(code), detail);
}

}  // namespace confab::mdns
