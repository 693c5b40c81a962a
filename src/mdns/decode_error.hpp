#pragma once
// Why a DNS message failed to parse, and where (RFC 1035 §4.1 wire format).
#include <cstddef>
#include <cstdint>
#include <string>

namespace confab::mdns {

enum class DecodeErrorCode : std::uint8_t {
  truncated_header,   // fewer than 12 bytes
  truncated_name,     // a label or pointer runs past the end
  bad_label_type,     // the reserved 0x40/0x80 label types (RFC 6891 §5)
  bad_pointer,        // a compression pointer that does not point strictly backwards (loops, forward refs)
  name_too_long,      // more than 255 bytes on the wire, uncompressed (RFC 1035 §2.3.4)
  truncated_question,
  truncated_record,   // the fixed part or the RDATA runs past the end
  bad_rdata,          // a known type whose RDATA is malformed (A not 4 bytes, SRV name not filling it...)
  trailing_bytes,     // bytes after the last record the counts announce
};
const char* to_string(DecodeErrorCode c);

enum class Section : std::uint8_t { header, question, answer, authority, additional };
const char* to_string(Section s);

struct DecodeError {
  DecodeErrorCode code = DecodeErrorCode::truncated_header;
  std::size_t offset = 0;           // byte in the message where it went wrong
  Section section = Section::header;
  std::size_t index = 0;            // which question/record of that section
  std::string detail;               // e.g. "A record of 5 bytes (must be 4)"

  // "mDNS decode error at byte 47 (answer 2): bad RDATA: SRV target runs past its RDATA"
  std::string message() const;
};

}  // namespace confab::mdns
