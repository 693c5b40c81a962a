#pragma once
// Parsers of the structured line values (o=, c=, b=, t=, r=, z=, m=).
// Each returns nullopt on success or an error whose offset is relative to
// the value. Internal to confab_sdp.
#include <optional>
#include <string_view>
#include <vector>

#include "sdp/session.hpp"

namespace confab::sdp::fields {

std::optional<DecodeError> origin(std::string_view v, Origin& out);
std::optional<DecodeError> connection(std::string_view v, Connection& out);
std::optional<DecodeError> bandwidth(std::string_view v, Bandwidth& out);
std::optional<DecodeError> timing(std::string_view v, Timing& out);
std::optional<DecodeError> repeat(std::string_view v, Repeat& out);
std::optional<DecodeError> zone(std::string_view v, std::vector<ZoneAdjustment>& out);
std::optional<DecodeError> media(std::string_view v, MediaDescription& out);
std::optional<TypedTime> typed_time(std::string_view s);

std::string to_text(const TypedTime& t);
std::string to_text(const Connection& c);

}  // namespace confab::sdp::fields
