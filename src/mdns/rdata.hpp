#pragma once
// Internal to the codec: RDATA of each known type read from and written to
// the wire. Names inside RDATA may be compressed against the whole message.
#include <cstddef>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "mdns/decode_error.hpp"
#include "mdns/name.hpp"
#include "mdns/record.hpp"

namespace confab::mdns::detail {

// `start`..`start + length` is the RDATA inside `message`.
Result<RData, DecodeError> read_rdata(ByteView message, std::uint16_t rtype, std::size_t start, std::size_t length);
void write_rdata(ByteWriter& out, NameCompressor& names, const RData& data);

}  // namespace confab::mdns::detail
