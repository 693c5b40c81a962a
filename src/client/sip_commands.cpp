#include "client/sip_commands.hpp"

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>

#include "client/exit_codes.hpp"

namespace confab::client {

namespace {

using sip::CallState;
using sip::UaEvent;
using Kind = sip::UaEvent::Kind;

const Instant forever = Instant::max() - std::chrono::hours(24 * 365);

void line(bool json, const nlohmann::json& j, const std::string& text) {
  if (json)
    std::cout << j.dump() << std::endl;
  else
    std::cout << text << std::endl;
}

std::string account_name(const sip::UaConfig& c) { return c.user + "@" + c.domain; }

// What a failed INVITE means to the user, and the exit code.
std::pair<std::string, int> classify(const UaEvent& e) {
  switch (e.status) {
    case 486:
    case 600: return {"busy", exit_protocol};
    case 603: return {"declined", exit_protocol};
    case 404:
    case 410:
    case 480:
    case 604: return {"unreachable", exit_protocol};
    case 487: return {"cancelled", exit_protocol};
    default: break;
  }
  if (e.local) return {e.status == 408 ? "timeout" : "unreachable", exit_unreachable};
  if (e.status == 408) return {"timeout", exit_protocol};
  return {"refused", exit_protocol};
}

}  // namespace

int run_register(const RegisterOptions& o) {
  int code = exit_ok;
  auto s = SipSession::open("confab register", o.account, code);
  if (!s) return code;
  auto& ua = s->ua();
  const std::string aor = account_name(s->config());
  const std::string server = s->config().server.to_string();
  enum class Phase { registering, registered, unregistering, done } phase = Phase::registering;
  std::optional<Instant> stop_by;
  ua.register_now(Clock::now());
  s->run(
      forever,
      [&](Instant, const UaEvent& e) {
        nlohmann::json j{{"event", sip::to_string(e.kind)}, {"aor", aor}, {"server", server}, {"status", e.status},
                         {"reason", e.reason}};
        if (e.kind == Kind::registered) {
          j["expires"] = e.expires;
          line(o.account.json, j,
               std::string(phase == Phase::registering ? "registered " : "re-registered ") + aor + " with " +
                   server + " for " + std::to_string(e.expires) + " s");
          phase = o.once ? Phase::done : Phase::registered;
        } else if (e.kind == Kind::registration_failed) {
          line(o.account.json, j, "registration of " + aor + " failed: " + status_text(e.status, e.reason));
          code = e.local ? exit_unreachable : exit_protocol;
          phase = Phase::done;
        } else if (e.kind == Kind::unregistered) {
          line(o.account.json, j, "unregistered " + aor + " (" + status_text(e.status, e.reason) + ")");
          phase = Phase::done;
        }
      },
      [&](Instant now) {
        if (stop_requested() && (phase == Phase::registering || phase == Phase::registered)) {
          if (phase == Phase::registering) code = exit_interrupted;
          ua.unregister(now);
          phase = Phase::unregistering;
          stop_by = now + std::chrono::seconds(5);
        }
        if (stop_by && now >= *stop_by) phase = Phase::done;
      },
      [&] { return phase == Phase::done; });
  return code;
}

namespace {

// Media events into the timeline; true when the media failed.
bool drain_media(call::CallMedia& m, CallTimeline& t, bool json, const std::string& who) {
  bool failed = false;
  while (auto e = m.poll_event()) {
    switch (e->kind) {
      case call::MediaEvent::Kind::connected:
        t.connected_after = e->after;
        if (!json) std::fprintf(stderr, "%smedia connected: %s\n", who.c_str(), e->detail.c_str());
        break;
      case call::MediaEvent::Kind::first_media: t.first_media_after = e->after; break;
      case call::MediaEvent::Kind::failed:
        t.media_failure = e->detail;
        std::fprintf(stderr, "%smedia failed: %s\n", who.c_str(), e->detail.c_str());
        failed = true;
        break;
      case call::MediaEvent::Kind::disconnected:
        std::fprintf(stderr, "%smedia disconnected: %s\n", who.c_str(), e->detail.c_str());
        break;
      case call::MediaEvent::Kind::ready: break;
    }
  }
  return failed;
}

void print_report(bool json, nlohmann::json& result, const std::optional<PreparedMedia>& media,
                  const CallTimeline& t, Instant now) {
  if (media) {
    auto report = call_report_json(*media->media, t, now);
    if (json) {
      result["media"] = report;
    } else {
      std::cout << call_report_text(report);
    }
  }
}

}  // namespace

int run_call(const CallOptions& o) {
  int code = exit_ok;
  auto s = SipSession::open("confab call", o.account, code);
  if (!s) return code;
  auto& ua = s->ua();
  std::string target = o.target.rfind("sip:", 0) == 0 ? o.target : "sip:" + o.target;
  std::optional<PreparedMedia> media;
  if (!o.media.no_media) {
    auto m = prepare_media(o.media, *s, true, false, s->rng());
    if (!m) {
      std::fprintf(stderr, "confab call: %s\n", m.error().c_str());
      return exit_usage;
    }
    media = std::move(*m);
  }
  const Instant start = Clock::now();
  std::optional<Instant> hang_up_at, stop_by;
  bool hung_up = false, done = false, interrupted = false, ring_timeout = false, invited = false;
  bool held = false, resumed = false;
  std::string outcome;
  int status = 0;
  std::string reason;
  CallTimeline timeline;
  auto hang_up = [&](Instant now) {
    if (hung_up) return;
    hung_up = true;
    if (media) {
      // Answered, but the call ends before ICE found a path: that is a
      // media failure with a reason, not a good call.
      if (timeline.answered && !timeline.connected_after) {
        media->media->give_up(now);
        if (drain_media(*media->media, timeline, o.account.json, "") && code == exit_ok) code = exit_no_media;
      }
      media->media->close(now);
    }
    ua.hang_up(now);
    stop_by = now + std::chrono::seconds(10);
  };
  // The INVITE goes once our candidates are gathered (no trickle over SIP).
  auto invite = [&](Instant now) {
    if (invited || (media && !media->media->ready())) return;
    invited = true;
    std::optional<std::string> offer;
    if (media) {
      auto sdp = media->media->create_offer(now);
      if (!sdp) {
        std::fprintf(stderr, "confab call: %s\n", sdp.error().message.c_str());
        outcome = "failed", code = exit_internal, done = true;
        return;
      }
      offer = *sdp;
      if (std::getenv("CONFAB_DEBUG_SDP")) std::fprintf(stderr, "offer:\n%s\n", offer->c_str());
    }
    if (!ua.call(now, target, offer)) {
      outcome = "failed", code = exit_internal, done = true;
      return;
    }
    std::fprintf(stderr, "calling %s from %s via %s\n", target.c_str(), account_name(s->config()).c_str(),
                 s->config().server.to_string().c_str());
  };
  s->run(
      forever,
      [&](Instant now, const UaEvent& e) {
        switch (e.kind) {
          case Kind::ringing: std::fprintf(stderr, "ringing (%s)\n", status_text(e.status, e.reason).c_str()); break;
          case Kind::answered:
            std::fprintf(stderr, "answered (%s)\n", status_text(e.status, e.reason).c_str());
            outcome = "answered", status = e.status, reason = e.reason;
            timeline.answered = now;
            hang_up_at = now + std::chrono::seconds(o.duration);
            if (media && std::getenv("CONFAB_DEBUG_SDP")) std::fprintf(stderr, "answer:\n%s\n", e.sdp.c_str());
            if (media)
              if (auto err = media->media->accept_answer(now, e.sdp)) {
                timeline.media_failure = err->message;
                std::fprintf(stderr, "confab call: the answer's media: %s\n", err->message.c_str());
                code = exit_no_media;
                hang_up(now);
              }
            break;
          case Kind::reinvite_answered:
            if (media) {
              if (auto err = media->media->accept_answer(now, e.sdp))
                std::fprintf(stderr, "confab call: the re-INVITE's answer: %s\n", err->message.c_str());
              else
                std::fprintf(stderr, "%s\n", media->media->on_hold() ? "on hold" : "resumed");
            }
            break;
          case Kind::reinvite_failed:
            std::fprintf(stderr, "re-INVITE refused (%s): the call goes on as it was\n",
                         status_text(e.status, e.reason).c_str());
            if (media) media->media->cancel_reoffer();
            break;
          case Kind::reinvite:  // the callee changes the session: answer as for the first offer
            if (media && !media->media->receive_offer(now, e.sdp)) {
              if (auto answer = media->media->create_answer(now)) {
                ua.answer_reinvite(now, *answer);
                break;
              }
            }
            ua.reject_reinvite(now, 488);
            break;
          case Kind::call_failed: {
            auto [what, exit] = classify(e);
            outcome = what, status = e.status, reason = e.reason, code = exit;
            done = true;
            break;
          }
          case Kind::call_ended:
            if (outcome.empty()) {
              outcome = ring_timeout ? "timeout" : "cancelled", status = e.status, reason = e.reason;
              code = exit_protocol;
            } else if (e.by_peer) {
              std::fprintf(stderr, "the other side hung up\n");
              if (media) media->media->close(now);
            }
            done = true;
            break;
          default: break;
        }
      },
      [&](Instant now) {
        invite(now);
        if (media && drain_media(*media->media, timeline, o.account.json, "") && !hung_up) {
          code = exit_no_media;
          hang_up(now);
        }
        if (media && timeline.answered && !timeline.connected_after && !hung_up &&
            now >= *timeline.answered + std::chrono::seconds(o.media.media_timeout))
          media->media->give_up(now);  // reported (and hung up) through the failed event next round
        // Hold and resume at the asked moments (a re-INVITE each; RFC 3264 §8.4).
        auto reoffer = [&](bool hold) {
          auto sdp = media->media->create_reoffer(now, hold);
          if (sdp && ua.reinvite(now, *sdp)) {
            std::fprintf(stderr, "%s\n", hold ? "putting the call on hold" : "taking the call off hold");
          } else {
            if (sdp) media->media->cancel_reoffer();
            std::fprintf(stderr, "confab call: cannot %s now\n", hold ? "hold" : "resume");
          }
        };
        if (media && timeline.answered && !hung_up && o.hold_at > 0 && !held &&
            now >= *timeline.answered + std::chrono::seconds(o.hold_at))
          held = true, reoffer(true);
        if (media && timeline.answered && !hung_up && o.resume_at > 0 && held && !resumed &&
            now >= *timeline.answered + std::chrono::seconds(o.resume_at) && ua.call_state() == CallState::active)
          resumed = true, reoffer(false);
        if (stop_requested() && !hung_up) interrupted = true, hang_up(now);
        if (hang_up_at && now >= *hang_up_at) hang_up(now);
        if (outcome.empty() && now >= start + std::chrono::seconds(o.ring_timeout)) ring_timeout = true, hang_up(now);
        if (stop_by && now >= *stop_by) done = true;
      },
      [&] { return done; });
  if (outcome.empty()) outcome = interrupted ? "cancelled" : "timeout", code = exit_unreachable;
  if (interrupted && outcome != "answered") code = exit_interrupted;
  nlohmann::json j{{"result", outcome}, {"target", target}, {"status", status}, {"reason", reason}};
  if (!o.account.json) std::cout << outcome + (status ? ": " + status_text(status, reason) : "") << std::endl;
  if (outcome == "answered") print_report(o.account.json, j, media, timeline, Clock::now());
  if (o.account.json) std::cout << j.dump() << std::endl;
  return code;
}

int run_listen(const ListenOptions& o) {
  int code = exit_ok;
  auto s = SipSession::open("confab listen", o.account, code);
  if (!s) return code;
  auto& ua = s->ua();
  const std::string aor = account_name(s->config());
  bool registered = false, stopping = false, unregistered = false, done = false;
  int handled = 0;
  std::optional<Instant> hang_up_at, stop_by;
  auto stop = [&](Instant now) {
    if (stopping) return;
    stopping = true;
    if (ua.call_state() != CallState::idle) ua.hang_up(now);
    if (ua.is_registered()) ua.unregister(now);
    else unregistered = true;
    stop_by = now + std::chrono::seconds(5);
  };
  auto json_of = [&](const UaEvent& e) {
    return nlohmann::json{{"event", sip::to_string(e.kind)}, {"aor", aor}, {"peer", e.peer},
                          {"status", e.status}, {"reason", e.reason}, {"by_peer", e.by_peer}};
  };
  std::optional<PreparedMedia> media;  // the current call's
  CallTimeline timeline;
  bool answer_pending = false;
  auto end_media = [&](Instant now) {
    if (!media) return;
    media->media->close(now);
    s->detach_media();
    media.reset();
  };
  ua.register_now(Clock::now());
  s->run(
      forever,
      [&](Instant now, const UaEvent& e) {
        switch (e.kind) {
          case Kind::registered:
            if (!registered) {
              auto j = json_of(e);
              j["expires"] = e.expires;
              line(o.account.json, j, "listening as " + aor + " (registered for " + std::to_string(e.expires) + " s)");
            }
            registered = true;
            break;
          case Kind::registration_failed:
            line(o.account.json, json_of(e), "registration of " + aor + " failed: " + status_text(e.status, e.reason));
            if (!registered) code = e.local ? exit_unreachable : exit_protocol, done = true;
            break;
          case Kind::unregistered: unregistered = true; break;
          case Kind::incoming_call:
            line(o.account.json, json_of(e), "incoming call from " + e.peer);
            if (stopping || o.decline) {
              ua.decline(now, 603);
              auto j = json_of(e);
              j["event"] = "declined";
              line(o.account.json, j, "declined call from " + e.peer);
              if (++handled == o.count) stop(now);
            } else if (o.media.no_media) {
              ua.answer(now);
            } else {
              // Media for this call: sockets, sources, the offer read; the
              // 200 OK goes once our candidates are gathered (see the tick).
              timeline = {};
              auto m = prepare_media(o.media, *s, false, e.sdp.find("m=video") != std::string::npos, s->rng());
              std::optional<call::CallError> refused;
              if (!m) {
                refused = call::CallError{500, m.error()};
              } else {
                media = std::move(*m);
                refused = media->media->receive_offer(now, e.sdp);
              }
              if (refused) {
                std::fprintf(stderr, "confab listen: refusing the call: %s\n", refused->message.c_str());
                ua.decline(now, refused->sip_status);
                end_media(now);
                if (++handled == o.count) stop(now);
              } else {
                answer_pending = true;
              }
            }
            break;
          case Kind::reinvite: {
            // The caller changes the session (hold, resume): answer like the first offer.
            std::optional<std::string> answer;
            if (media && !media->media->receive_offer(now, e.sdp))
              if (auto a = media->media->create_answer(now)) answer = *a;
            if (answer) {
              ua.answer_reinvite(now, *answer);
              auto j = json_of(e);
              j["event"] = "session_changed";
              line(o.account.json, j, "the caller changed the session (re-INVITE answered)");
            } else {
              ua.reject_reinvite(now, 488);
            }
            break;
          }
          case Kind::answered:
            line(o.account.json, json_of(e), "answered call from " + e.peer);
            if (o.duration > 0) hang_up_at = now + std::chrono::seconds(o.duration);
            break;
          case Kind::call_ended: {
            hang_up_at.reset();
            answer_pending = false;
            auto j = json_of(e);
            if (!o.account.json)
              line(false, j,
                   "call from " + e.peer + " ended by " + (e.by_peer ? "the caller" : "us") + " (" +
                       status_text(e.status, e.reason) + ")");
            print_report(o.account.json, j, media, timeline, now);
            if (o.account.json) std::cout << j.dump() << std::endl;
            end_media(now);
            if (++handled == o.count) stop(now);
            break;
          }
          default: break;
        }
      },
      [&](Instant now) {
        if (answer_pending && media && media->media->ready()) {
          answer_pending = false;
          auto answer = media->media->create_answer(now);
          if (answer) {
            ua.answer(now, *answer);
            timeline.answered = now;
          } else {
            std::fprintf(stderr, "confab listen: refusing the call: %s\n", answer.error().message.c_str());
            ua.decline(now, answer.error().sip_status);
          }
        }
        if (media && timeline.answered && !timeline.connected_after &&
            now >= *timeline.answered + std::chrono::seconds(o.media.media_timeout))
          media->media->give_up(now);
        if (media && drain_media(*media->media, timeline, o.account.json, "") && ua.call_state() != CallState::idle)
          hang_up_at = now;  // no media path: end the call rather than sit in silence
        if (stop_requested()) stop(now);
        if (hang_up_at && now >= *hang_up_at) {
          hang_up_at.reset();
          if (media) media->media->close(now);
          ua.hang_up(now);
        }
        if (stopping && ((unregistered && ua.call_state() == CallState::idle) || now >= *stop_by)) done = true;
      },
      [&] { return done; });
  return code;
}

}  // namespace confab::client
