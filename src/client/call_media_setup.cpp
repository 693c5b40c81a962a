#include "client/call_media_setup.hpp"

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "core/text.hpp"
#include "media/quality.hpp"
#include "net/resolve.hpp"

namespace confab::client {

namespace {

std::optional<sdp::SrtpMode> srtp_mode(const std::string& s) {
  if (s == "off") return sdp::SrtpMode::off;
  if (s == "optional") return sdp::SrtpMode::optional;
  if (s == "required") return sdp::SrtpMode::required;
  return std::nullopt;
}

// The interface towards the server first, then every other non-loopback
// IPv4 address (a loopback-only setup keeps its loopback address).
std::vector<IpAddress> media_interfaces(const IpAddress& towards_server) {
  std::vector<IpAddress> out{towards_server};
  if (towards_server.is_loopback()) return out;
  for (const auto& ip : net::interface_addresses())
    if (ip.is_v4() && !ip.is_loopback() && ip != towards_server) out.push_back(ip);
  return out;
}

double ms(Duration d) { return std::chrono::duration<double, std::milli>(d).count(); }
double round1(double v) { return std::round(v * 10) / 10; }

}  // namespace

Result<PreparedMedia, std::string> prepare_media(const MediaCliOptions& o, SipSession& session, bool offerer,
                                                 bool video, Rng& rng) {
  call::CallMediaConfig c;
  c.offerer = offerer;
  const bool tls = session.config().transport == Transport::tls;
  const std::string srtp = o.srtp == "auto" ? (tls ? "required" : "off") : o.srtp;
  auto mode = srtp_mode(srtp);
  if (!mode) return unexpected("--srtp " + o.srtp + ": expected auto, off, optional or required");
  if (*mode != sdp::SrtpMode::off && !tls)
    std::fprintf(stderr, "warning: SRTP keys go in the SIP body, which travels unencrypted over UDP; "
                         "use --transport tls\n");
  c.srtp = *mode;
  auto range = net::PortRange::parse(o.media_ports);
  if (!range) return unexpected("--media-ports " + o.media_ports + ": expected FIRST-LAST, e.g. 16384-16403");

  if (!o.send_audio.empty()) {
    auto src = call::open_audio_source(o.send_audio);
    if (!src) return unexpected("--send-audio: " + src.error());
    c.media.audio_source = std::move(src).value();
  }
  if (!o.record_audio.empty()) {
    auto sink = call::open_wav_sink(o.record_audio);
    if (!sink) return unexpected("--record-audio: " + sink.error());
    c.media.audio_sink = std::move(sink).value();
  }
  const bool want_video = video || !o.video.empty() || !o.record_video.empty();
  if (!o.video.empty()) {
    auto src = call::open_video_source(o.video);
    if (!src) return unexpected("--video: " + src.error());
    c.media.video_source = std::move(src).value();
  }
  if (!o.record_video.empty()) {
    const int fps = c.media.video_source ? c.media.video_source->fps() : 15;
    auto sink = call::open_y4m_sink(o.record_video, fps);
    if (!sink) return unexpected("--record-video: " + sink.error());
    c.media.video_sink = std::move(sink).value();
  }
  c.media.audio_bitrate = o.audio_bitrate;
  c.media.video_bitrate_kbps = o.video_bitrate_kbps;
  c.media.cname = session.config().user + "@" + session.config().domain;
  c.media.wall_clock_at_start = std::chrono::system_clock::now();

  if (o.reflector != "none") {
    std::string list = o.reflector.empty() ? session.config().server.ip.to_string() + ":5678" : o.reflector;
    for (const auto& item : split_list(list)) {
      auto r = net::resolve(item, 5678);
      if (!r) return unexpected("--reflector: " + r.error());
      c.stun_servers.push_back(*r);
    }
  }

  // The INVITE (or 200 OK) waits for gathering: give an unreachable
  // reflector 2.5 s (3 tries), not ICE's 5.5 s.
  c.ice.gather_transmissions = 3;
  c.ice.gather_rm = 2;
  // Ta 5 ms, not 50 (RFC 8445 §14.2 allows down to 5 ms): a call has a
  // handful of pairs, and the first check must not wait out a pacing slot
  // left by the last gathering request when the answer comes right back.
  c.ice.ta = std::chrono::milliseconds(5);

  PreparedMedia out;
  std::vector<net::UdpSocket> sockets;
  const std::size_t per_interface = want_video ? 4 : 2;
  for (const auto& ip : media_interfaces(session.config().local.ip)) {
    auto bound = net::bind_in_range(ip, *range, per_interface);
    if (!bound) {
      if (sockets.empty()) return unexpected(bound.error());
      continue;  // another interface without free ports: use the ones we have
    }
    c.audio.rtp.push_back((*bound)[0].local_address());
    c.audio.rtcp.push_back((*bound)[1].local_address());
    if (want_video) {
      if (!c.video) c.video.emplace();
      c.video->rtp.push_back((*bound)[2].local_address());
      c.video->rtcp.push_back((*bound)[3].local_address());
    }
    out.interfaces.push_back(ip.to_string());
    for (auto& s : *bound) sockets.push_back(std::move(s));
  }
  out.media = std::make_unique<call::CallMedia>(std::move(c), rng, Clock::now());
  session.attach_media(out.media.get(), std::move(sockets));
  return out;
}

nlohmann::json call_report_json(const call::CallMedia& media, const CallTimeline& t, Instant now) {
  nlohmann::json j;
  j["media_state"] = call::to_string(media.outcome());
  if (t.media_failure) j["media_failure"] = *t.media_failure;
  if (t.connected_after) j["answer_to_connected_ms"] = round1(ms(*t.connected_after));
  if (t.first_media_after) j["answer_to_first_media_ms"] = round1(ms(*t.first_media_after));
  // The same moments on the steady clock (CLOCK_MONOTONIC, shared by every
  // network namespace of a host): a benchmark can line up both ends.
  if (t.answered) j["answered_at_ms"] = round1(ms(t.answered->time_since_epoch()));
  if (auto first = media.plane().first_packet_at()) j["first_media_at_ms"] = round1(ms(first->time_since_epoch()));
  nlohmann::json paths = nlohmann::json::array();
  bool relayed = false;
  for (const auto& p : media.paths()) {
    nlohmann::json pj{{"media", p.media}, {"bundled", p.bundled}, {"rtcp_mux", p.rtcp_mux}};
    if (p.pair) {
      pj["local"] = {{"type", ice::to_string(p.pair->local.type)}, {"address", p.pair->local.address.to_string()},
                     {"base", p.pair->local.base.to_string()}};
      pj["remote"] = {{"type", ice::to_string(p.pair->remote.type)}, {"address", p.pair->remote.address.to_string()}};
      const bool via_relay = p.pair->local.type == ice::CandidateType::relayed ||
                             p.pair->remote.type == ice::CandidateType::relayed;
      relayed |= via_relay;
      pj["direct"] = !via_relay;
    }
    paths.push_back(std::move(pj));
  }
  j["paths"] = std::move(paths);
  j["direct"] = !relayed;
  nlohmann::json streams = nlohmann::json::array();
  for (const auto& r : media.plane().report(now)) {
    nlohmann::json sj{{"media", r.media},
                      {"codec", r.codec},
                      {"srtp", r.srtp},
                      {"packets_sent", r.packets_sent},
                      {"packets_received", r.packets_received},
                      {"packets_lost", r.packets_lost},
                      {"loss_percent", round1(r.loss_percent)},
                      {"jitter_ms", round1(r.jitter_ms)},
                      {"send_kbps", round1(r.send_kbps)},
                      {"receive_kbps", round1(r.receive_kbps)},
                      {"bitrate_kbps", r.current_bitrate_kbps},
                      {"nacks_sent", r.nacks_sent},
                      {"retransmitted", r.retransmitted},
                      {"plis_sent", r.plis_sent},
                      {"plis_received", r.plis_received},
                      {"frames_played", r.frames_played},
                      {"frames_concealed", r.frames_concealed},
                      {"decode_errors", r.decode_errors},
                      {"srtp_failures", r.srtp_failures},
                      {"malformed", r.malformed}};
    sj["rtt_ms"] = r.rtt_ms ? nlohmann::json(round1(*r.rtt_ms)) : nlohmann::json(nullptr);
    sj["remote_loss_percent"] =
        r.remote_loss_percent ? nlohmann::json(round1(*r.remote_loss_percent)) : nlohmann::json(nullptr);
    if (r.media == "audio" && r.packets_received > 0) {
      const double one_way = r.rtt_ms ? *r.rtt_ms / 2 : 0;
      sj["mos"] = std::round(media::estimate_mos(one_way, r.jitter_ms, r.loss_percent) * 100) / 100;
    }
    streams.push_back(std::move(sj));
  }
  j["streams"] = std::move(streams);
  return j;
}

std::string call_report_text(const nlohmann::json& j) {
  std::string out = "media: " + j.value("media_state", std::string("?"));
  if (j.contains("media_failure")) out += " (" + j["media_failure"].get<std::string>() + ")";
  out += "\n";
  for (const auto& p : j["paths"]) {
    if (!p.contains("local")) {
      out += "  " + p["media"].get<std::string>() + ": no path\n";
      continue;
    }
    out += "  " + p["media"].get<std::string>() + " path: " + p["local"]["type"].get<std::string>() + " " +
           p["local"]["base"].get<std::string>() + " <-> " + p["remote"]["type"].get<std::string>() + " " +
           p["remote"]["address"].get<std::string>() + (p["direct"].get<bool>() ? " (direct" : " (relayed") +
           (p["bundled"].get<bool>() ? ", bundled" : "") + (p["rtcp_mux"].get<bool>() ? ", rtcp-mux)" : ")") + "\n";
  }
  char line[256];
  if (j.contains("answer_to_first_media_ms")) {
    std::snprintf(line, sizeof line, "  answer to first media packet: %.1f ms\n", j["answer_to_first_media_ms"].get<double>());
    out += line;
  }
  for (const auto& s : j["streams"]) {
    std::snprintf(line, sizeof line,
                  "  %-5s %-11s sent %6llu  received %6llu  lost %4lld (%.1f %%)  jitter %5.1f ms  rtt %s  %6.1f kbit/s in%s%s\n",
                  s["media"].get<std::string>().c_str(), s["codec"].get<std::string>().c_str(),
                  static_cast<unsigned long long>(s["packets_sent"].get<std::uint64_t>()),
                  static_cast<unsigned long long>(s["packets_received"].get<std::uint64_t>()),
                  static_cast<long long>(s["packets_lost"].get<std::int64_t>()), s["loss_percent"].get<double>(),
                  s["jitter_ms"].get<double>(),
                  s["rtt_ms"].is_null() ? "  -  " : (std::to_string(static_cast<int>(s["rtt_ms"].get<double>())) + " ms").c_str(),
                  s["receive_kbps"].get<double>(), s["srtp"].get<bool>() ? "  SRTP" : "",
                  s.contains("mos") ? ("  MOS " + std::to_string(s["mos"].get<double>()).substr(0, 4)).c_str() : "");
    out += line;
  }
  return out;
}

}  // namespace confab::client
