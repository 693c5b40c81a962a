#pragma once
// What `confab call` and `confab listen` need for real media: the options,
// the sockets from the media port range on every usable interface, the
// sources and sinks, and the end-of-call report.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "call/call_media.hpp"
#include "client/sip_session.hpp"
#include "net/port_range.hpp"

namespace confab::client {

struct MediaCliOptions {
  bool no_media = false;        // signalling only: the placeholder SDP, no sockets
  std::string send_audio;       // WAV file or tone[:HZ]; empty: silence
  std::string record_audio;     // WAV file
  std::string video;            // pattern[:WxH@FPS] or a Y4M file; empty: no video sent
  std::string record_video;     // Y4M file
  // auto | off | optional | required. SDES keys are only as safe as the
  // signalling: auto is required over TLS and off over UDP.
  std::string srtp = "auto";
  std::string media_ports = "16384-16403";
  // HOST[:PORT][,HOST[:PORT]] for srflx candidates; "" = the SIP server's
  // host:5678; "none". Two addresses of one reflector show whether the NAT
  // maps per destination, which names the reason when no path is found.
  std::string reflector;
  int media_timeout = 10;       // seconds from the answer to a connected path, else the call ends
  int audio_bitrate = 32000;
  int video_bitrate_kbps = 400;
};

struct PreparedMedia {
  std::unique_ptr<call::CallMedia> media;
  std::vector<std::string> interfaces;  // where host candidates live
};

// Opens sources/sinks, binds the sockets (audio RTP+RTCP, and video RTP+RTCP
// when `video`), creates the machine and attaches it to the session.
// Errors are sentences for the user.
Result<PreparedMedia, std::string> prepare_media(const MediaCliOptions& o, SipSession& session, bool offerer,
                                                 bool video, Rng& rng);

// When things happened, for the report.
struct CallTimeline {
  std::optional<Instant> answered;
  std::optional<Duration> connected_after;    // ICE connected, from the answer
  std::optional<Duration> first_media_after;  // first RTP packet in, from the answer
  std::optional<std::string> media_failure;
};

nlohmann::json call_report_json(const call::CallMedia& media, const CallTimeline& t, Instant now);
std::string call_report_text(const nlohmann::json& report);

}  // namespace confab::client
