#pragma once
// `confab register`, `confab call`, `confab listen`: a SIP user agent on the
// command line (sip::UserAgent over one UDP socket). Exit codes as in
// exit_codes.hpp; 130 when interrupted (SIGINT/SIGTERM) before the end.
#include <string>

#include "client/call_media_setup.hpp"
#include "client/sip_session.hpp"

namespace confab::client {

inline constexpr int exit_interrupted = 130;

struct RegisterOptions {
  SipAccountOptions account;
  bool once = false;  // register, report, exit (the binding stays)
};

struct CallOptions {
  SipAccountOptions account;  // --from
  std::string target;         // USER@DOMAIN or a sip: URI
  int duration = 0;           // seconds to stay in the call after the answer
  int ring_timeout = 60;      // seconds to wait for an answer before giving up (CANCEL)
  int hold_at = 0;            // seconds after the answer to put the call on hold (re-INVITE); 0: never
  int resume_at = 0;          // seconds after the answer to take it off hold; 0: never
  MediaCliOptions media;
};

struct ListenOptions {
  SipAccountOptions account;
  bool decline = false;  // else answer every call
  int count = 0;         // exit after this many calls; 0 = never
  int duration = 0;      // hang up after this many seconds; 0 = when the caller does
  MediaCliOptions media;
};

int run_register(const RegisterOptions& options);
int run_call(const CallOptions& options);
int run_listen(const ListenOptions& options);

}  // namespace confab::client
