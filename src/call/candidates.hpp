#pragma once
// ICE candidates between their SDP form (a=candidate, RFC 8839 §5.1) and the
// agent's. FQDN candidates (mDNS ".local" names) and non-UDP ones have no
// agent form: the caller skips them.
#include <optional>

#include "ice/candidate.hpp"
#include "sdp/ice.hpp"

namespace confab::call {

sdp::Candidate to_sdp(const ice::Candidate& c);
std::optional<ice::Candidate> from_sdp(const sdp::Candidate& c);

}  // namespace confab::call
