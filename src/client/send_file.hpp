#pragma once
// `confab send-file bob@example.org photo.jpg`: XEP-0363 HTTP file upload
// from the command line. Logs in like `confab send`, finds the server's
// upload service by disco (identity store/file, urn:xmpp:http:upload:0),
// asks it for a slot, PUTs the file over HTTPS (the certificate checked
// like the XMPP connection's: --ca-file, --insecure), then sends bob a
// message whose <body> is the download URL and which carries it as an
// XEP-0066 <x xmlns='jabber:x:oob'><url/></x>, so clients show it inline.
// Exit codes like `confab send`: 0 sent, 2 usage (no such file), 3 server
// unreachable (XMPP or HTTPS), 4 refused (no upload service, file too
// large, quota, HTTP error, bounced message).
#include <string>

#include "client/xmpp_connection.hpp"

namespace confab::client {

struct SendFileOptions {
  XmppAccountOptions account;
  std::string to;            // JID
  std::string file;          // path
  std::string content_type;  // "" = guessed from the file's extension
  bool progress = true;      // a bar on a terminal, plain lines otherwise
};
int run_send_file(const SendFileOptions& o);

}  // namespace confab::client
