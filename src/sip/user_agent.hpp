#pragma once
// A SIP user agent (RFC 3261 §8, §10.2, §12-§15), sans-I/O: it registers
// and keeps the registration fresh, places and answers one call at a time,
// and hangs up with CANCEL or BYE. Every request goes to one outbound proxy
// (the registrar/proxy, `UaConfig::server`); responses to requests we serve
// go back where the request came from. Time and randomness are inputs.
//
// Drive it like every machine here: handle_datagram / handle_timeout in,
// then drain poll_transmit() and poll_event(), sleep until poll_timeout().
// Files: ua_core.cpp (transactions, dispatch, timers), ua_registration.cpp,
// ua_call.cpp (calls we place), ua_incoming.cpp (calls we answer, in-dialog
// requests), ua_sdp.cpp (the placeholder offer/answer).
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/rng.hpp"
#include "core/time.hpp"
#include "core/transmit.hpp"
#include "sip/digest_client.hpp"
#include "sip/message.hpp"
#include "sip/transaction.hpp"

namespace confab::sip {

struct UaConfig {
  std::string user;      // "alice"
  std::string domain;    // "example.org": the AOR's host, the registrar's realm
  std::string password;  // for digest challenges (401/407); empty: none
  SocketAddress local;   // our socket: Via sent-by and Contact
  SocketAddress server;  // the outbound proxy / registrar every request goes to
  // udp, or tls over one connection to the server (then `local` is that
  // connection's address, every transaction is reliable: no retransmissions
  // but the 2xx's, §17.1.1.2, §13.3.1.4, and the Contact says transport=tls).
  Transport transport = Transport::udp;
  std::uint32_t expires = 3600;      // requested registration lifetime
  std::uint16_t media_port = 9;      // m= port of the placeholder SDP
  TransactionTimers timers;
  std::string user_agent = "confab/0.1";
};

struct UaEvent {
  enum class Kind : std::uint8_t {
    registered,           // expires = granted seconds (also after each refresh)
    registration_failed,  // status, reason
    unregistered,         // the Expires: 0 REGISTER was answered (or failed: status)
    ringing,              // our INVITE: 180/183 (status)
    answered,             // our INVITE got a 2xx (ACK sent), or our 2xx got its ACK
    call_failed,          // our INVITE: final non-2xx or timeout (408): status, reason
    incoming_call,        // an INVITE for us: peer = From URI; answer() or decline()
    call_ended,           // BYE/CANCEL done; by_peer when the other side ended it
    reinvite,             // the peer's re-INVITE (sdp: its new offer): answer_reinvite() or reject_reinvite()
    reinvite_answered,    // our re-INVITE got a 2xx (sdp: the answer; ACK sent)
    reinvite_failed,      // our re-INVITE got a final non-2xx: the session stays as it was (§14.1)
  } kind = Kind::registered;
  int status = 0;
  std::string reason;
  std::uint32_t expires = 0;
  std::string peer;  // the other party's URI
  bool by_peer = false;
  bool local = false;  // the status was made up here (no response: 408, transport error: 503)
  std::string sdp;   // answered / incoming_call: the remote's session description

  static UaEvent of(Kind k, int status = 0, std::string reason = {}, std::string peer = {}, bool by_peer = false) {
    UaEvent e;
    e.kind = k;
    e.status = status;
    e.reason = std::move(reason);
    e.peer = std::move(peer);
    e.by_peer = by_peer;
    return e;
  }
};
const char* to_string(UaEvent::Kind k);

enum class CallState : std::uint8_t {
  idle,
  calling,      // our INVITE sent, no ringing yet
  ringing,      // our INVITE: a provisional response arrived
  cancelling,   // CANCEL sent (or waiting for a provisional to send it)
  incoming,     // an INVITE for us, not answered yet
  answering,    // our 2xx sent, waiting for the ACK
  active,       // confirmed dialog
  terminating,  // BYE sent
};

// RFC 3261 §12: what identifies the dialog and how to reach the peer.
struct Dialog {
  std::string call_id;
  std::string local_tag;
  std::string remote_tag;
  std::string local_uri;   // From of our requests
  std::string remote_uri;  // To of our requests
  std::string remote_target;            // the peer's Contact
  std::vector<std::string> route_set;   // name-addrs, in the order Route lists them
  std::uint32_t local_cseq = 1;
};

class UserAgent {
 public:
  UserAgent(UaConfig config, Rng& rng);

  // --- registration (ua_registration.cpp) ---------------------------------
  // REGISTER now; refreshed at 80% of the granted lifetime until unregister().
  void register_now(Instant now);
  // REGISTER with Expires: 0; no refreshes afterwards.
  void unregister(Instant now);
  bool is_registered() const { return registered_; }

  // --- calls (ua_call.cpp, ua_incoming.cpp) ---------------------------------
  // INVITE `target` ("sip:bob@example.org") offering `sdp` (the media
  // layer's offer; none: the placeholder PCMU offer). False when a call is
  // already in progress.
  bool call(Instant now, std::string_view target, std::optional<std::string> sdp = std::nullopt);
  // Ends the call, whatever its stage: CANCEL (ours, unanswered), 603 (theirs,
  // unanswered), BYE (answered).
  void hang_up(Instant now);
  // 200 OK with `sdp` as the answer (none: the placeholder).
  void answer(Instant now, std::optional<std::string> sdp = std::nullopt);
  void decline(Instant now, int status = 603);
  CallState call_state() const { return state_; }

  // --- re-INVITE (ua_reinvite.cpp, RFC 3261 §14): a new offer inside the
  // active dialog (hold, resume, ICE restart). False when not active or one
  // is already pending either way.
  bool reinvite(Instant now, std::string sdp);
  void answer_reinvite(Instant now, std::string sdp);
  void reject_reinvite(Instant now, int status = 488);
  const Dialog& dialog() const { return dialog_; }
  // No transaction still wants to send or hear anything.
  bool quiescent() const;

  void handle_datagram(Instant now, const Datagram& d);
  void handle_timeout(Instant now);
  std::optional<Transmit> poll_transmit();
  std::optional<Instant> poll_timeout() const;
  std::optional<UaEvent> poll_event();

 private:
  enum class Purpose : std::uint8_t { reg, invite, reinvite, cancel, bye, other };
  struct ClientTx {
    ClientTransaction tx;
    Message request;
    Purpose purpose;
    bool with_credentials;
  };
  struct ServerTx {
    ServerTransaction tx;
    Message request;
    SocketAddress reply_to;
  };

  // ua_core.cpp
  bool reliable() const { return config_.transport != Transport::udp; }
  std::string aor_uri() const;
  std::string contact() const;
  Message new_request(std::string_view method, std::string_view ruri, std::string_view from,
                      std::string_view to, std::string_view call_id, std::uint32_t cseq,
                      std::string_view branch = {});
  std::string new_branch();
  bool add_credentials(Message& request);
  bool accept_challenge(const Message& response, bool had_credentials);
  void start_client(Instant now, Message request, Purpose purpose, bool with_credentials = false);
  void pump(Instant now);
  void send_to_server(Bytes bytes);
  void respond(Instant now, ServerTx& stx, const Message& response);
  void handle_response(Instant now, Message response);
  void handle_request(Instant now, Message request, const Datagram& d);
  void on_final(Instant now, ClientTx& ctx, int status, const Message& response);
  void push(UaEvent e) { events_.push_back(std::move(e)); }

  // ua_registration.cpp
  void send_register(Instant now, std::uint32_t expires);
  void on_register_final(Instant now, ClientTx& ctx, int status, const Message& response);
  std::uint32_t granted_expires(const Message& response, std::uint32_t asked) const;

  // ua_call.cpp
  void send_invite(Instant now, bool with_credentials);
  void on_invite_provisional(Instant now, const Message& response);
  void on_invite_final(Instant now, ClientTx& ctx, int status, const Message& response);
  void send_cancel(Instant now);
  Message in_dialog_request(std::string_view method);  // next CSeq, the dialog's tags and route set
  void send_in_dialog(Instant now, std::string_view method, Purpose purpose);
  Message ack_for_2xx(const Message& response);
  void end_call(UaEvent e);

  // ua_reinvite.cpp
  void on_reinvite(Instant now, const Message& request, const std::string& key);
  void on_reinvite_final(Instant now, ClientTx& ctx, int status, const Message& response);
  void ack_non_2xx(ClientTx& ctx, const Message& response);

  // ua_incoming.cpp
  void on_invite(Instant now, const Message& request, const Datagram& d, const std::string& key);
  void on_ack(Instant now, const Message& request);
  void on_cancel(Instant now, const Message& request, const Datagram& d);
  void on_bye(Instant now, const Message& request, const Datagram& d, const std::string& key);
  void retransmit_ok(Instant now);

  UaConfig config_;
  Rng& rng_;
  DigestClient auth_;
  std::string auth_header_;  // "Authorization" or "Proxy-Authorization", from the last challenge

  // registration
  std::string reg_call_id_;
  std::string reg_tag_;
  std::uint32_t reg_cseq_ = 0;
  std::uint32_t reg_asked_ = 0;
  bool registered_ = false;
  bool keep_registered_ = false;
  std::optional<Instant> refresh_at_;

  // the one call
  CallState state_ = CallState::idle;
  Dialog dialog_;
  std::optional<Message> invite_;    // ours (UAC), or theirs (UAS)
  std::string invite_key_;           // the INVITE's transaction key
  std::string remote_sdp_;
  std::optional<std::string> local_sdp_;  // our offer or answer; none: the placeholder
  bool cancel_pending_ = false;      // hang_up() before any provisional
  bool provisional_seen_ = false;    // our INVITE got a 1xx (100 included): CANCEL may go
  Bytes ack_;                        // our ACK for the 2xx, resent on each retransmission
  // re-INVITEs: ours waiting for its final response; theirs waiting for our
  // answer (its server transaction key) or, answered, for the ACK.
  bool reinvite_pending_ = false;
  Bytes reinvite_ack_;
  std::string reinvite_key_;
  bool reinvite_answering_ = false;
  Bytes ok_;                         // our 2xx, retransmitted until the ACK (§13.3.1.4)
  SocketAddress ok_to_;
  Duration ok_interval_{};
  std::optional<Instant> ok_retransmit_at_;
  std::optional<Instant> ok_give_up_at_;

  std::map<std::string, ClientTx> clients_;  // by branch + " " + method
  std::map<std::string, ServerTx> servers_;  // by branch + " " + method (ACK under INVITE)
  std::deque<Transmit> outbox_;
  std::deque<UaEvent> events_;
};

// A minimal RFC 8866 description for one audio stream (PCMU): the placeholder
// offer and answer until the media work replaces it.
std::string placeholder_sdp(const IpAddress& address, std::uint16_t port, std::uint64_t session_id);

}  // namespace confab::sip
