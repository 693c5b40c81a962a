// confab — the user's tool. One subcommand per job; human output by default,
// --json for scripts; exit codes in src/client/exit_codes.hpp.
#include <CLI/CLI.hpp>

#include "client/exit_codes.hpp"
#include "client/local_commands.hpp"
#include "client/nat_command.hpp"
#include "client/diag_commands.hpp"
#include "client/portcheck_command.hpp"
#include "client/room_command.hpp"
#include "client/sip_commands.hpp"
#include "client/send_file.hpp"
#include "client/xmpp_commands.hpp"

using namespace confab::client;

int main(int argc, char** argv) {
  CLI::App app{"confab — chat, calls and network diagnostics for confabd (iChat's network system, rebuilt)"};
  app.set_version_flag("--version", "confab 0.1.0");
  app.require_subcommand(1);
  app.footer(
      "Exit codes: 0 done, 1 internal error, 2 usage error, 3 server unreachable, 4 server answered with an error, 5 call without media, 6 portcheck found a blocked or rewritten port.");

  NatOptions nat;
  auto* nat_cmd = app.add_subcommand(
      "nat", "what NAT am I behind, and will direct calls work? (RFC 5780 NAT behaviour discovery)");
  nat_cmd->add_option("server", nat.server, "reflector HOST[:PORT]: a confabd, or any RFC 5780 STUN server")
      ->capture_default_str();
  nat_cmd->add_option("--port", nat.default_port, "port when SERVER has none")->capture_default_str();
  nat_cmd->add_flag("--json", nat.json, "print a JSON object (docs/nat-report.md)");
  nat_cmd->add_flag("--tcp", nat.tcp, "also test STUN over TCP (always done when UDP is blocked)");
  nat_cmd->add_flag("!--no-hairpinning", nat.hairpinning, "skip the hairpinning test");
  nat_cmd->add_flag("--lifetime", nat.lifetime, "also measure how long an idle mapping lasts (takes minutes)");
  nat_cmd->add_option("--lifetime-max", nat.lifetime_max_seconds, "longest lifetime probe, seconds")
      ->capture_default_str()
      ->check(CLI::Range(10, 3600));
  nat_cmd->add_option("--rto", nat.rto_ms, "first retransmission timeout, ms")->capture_default_str()->check(CLI::Range(10, 10000));
  nat_cmd->add_option("--attempts", nat.transmissions, "transmissions per request")->capture_default_str()->check(CLI::Range(1, 10));
  nat_cmd->add_option("--bind", nat.bind, "local IP address to test from (default: the route's source address)");

  // SIP user agent: register / call / listen (src/client/sip_commands.hpp).
  auto add_account = [](CLI::App* cmd, SipAccountOptions& a) {
    cmd->add_option("--server", a.server, "registrar/proxy HOST[:PORT] (default: the domain, port 5060)");
    cmd->add_option("--password-file", a.password_file,
                    "file whose first line is the password (else $CONFAB_PASSWORD, else a prompt)");
    cmd->add_option("--expires", a.expires, "registration lifetime to ask for, seconds")
        ->capture_default_str()
        ->check(CLI::Range(1, 86400));
    cmd->add_flag("--json", a.json, "print JSON lines instead of text");
    cmd->add_option("--transport", a.transport, "udp, or tls: SIP over TLS to the server (port 5061 by default)")
        ->capture_default_str()
        ->check(CLI::IsMember({"udp", "tls"}));
    cmd->add_option("--ca-file", a.ca_file, "with --transport tls: trust this PEM certificate (e.g. confabd's)");
    cmd->add_flag("--insecure", a.insecure, "with --transport tls: accept any server certificate");
  };
  auto add_media = [](CLI::App* cmd, MediaCliOptions& m) {
    auto* g = cmd->add_option_group("media", "what the call sends and records (Opus audio, VP8 video over RTP)");
    g->add_option("--send-audio", m.send_audio, "WAV file (any rate, mono/stereo) or tone[:HZ]; default: silence");
    g->add_option("--record-audio", m.record_audio, "write the received audio to this WAV file (48 kHz mono)");
    g->add_option("--video", m.video, "send video: pattern[:WxH@FPS] (default 320x240@15) or a Y4M file");
    g->add_option("--record-video", m.record_video, "write the received video to this Y4M file");
    g->add_option("--srtp", m.srtp,
                  "auto | off | optional | required: SRTP with SDES keys, which travel in the SIP body "
                  "(auto: required over --transport tls, off over udp)")
        ->capture_default_str()
        ->check(CLI::IsMember({"auto", "off", "optional", "required"}));
    g->add_option("--media-ports", m.media_ports, "UDP port range for media (iChat: 16384-16403)")
        ->capture_default_str();
    g->add_option("--reflector", m.reflector,
                  "HOST[:PORT][,HOST[:PORT]]: address reflector(s) for ICE (default: the server, port 5678; "
                  "none: host candidates only; both reflector addresses: failures name the NAT behaviour)");
    g->add_option("--media-timeout", m.media_timeout, "seconds from the answer for ICE to find a path")
        ->capture_default_str()
        ->check(CLI::Range(1, 120));
    g->add_option("--audio-bitrate", m.audio_bitrate, "Opus bit/s")->capture_default_str()->check(CLI::Range(6000, 510000));
    g->add_option("--video-bitrate", m.video_bitrate_kbps, "VP8 kbit/s (the ceiling of the adaptation)")
        ->capture_default_str()
        ->check(CLI::Range(50, 20000));
    g->add_flag("--no-media", m.no_media, "signalling only: no sockets, a placeholder SDP");
  };
  RegisterOptions reg;
  auto* reg_cmd = app.add_subcommand("register", "register USER@DOMAIN and stay registered until Ctrl-C");
  reg_cmd->add_option("aor", reg.account.aor, "USER@DOMAIN")->required();
  add_account(reg_cmd, reg.account);
  reg_cmd->add_flag("--once", reg.once, "register, report and exit (the binding stays until it expires)");

  CallOptions call;
  auto* call_cmd = app.add_subcommand("call", "call USER@DOMAIN: ringing, answered, busy, declined, unreachable");
  call_cmd->add_option("target", call.target, "USER@DOMAIN or sip: URI to call")->required();
  call_cmd->add_option("--from", call.account.aor, "ME@DOMAIN: who is calling")->required();
  add_account(call_cmd, call.account);
  call_cmd->add_option("--duration", call.duration, "seconds to stay in the call once answered")
      ->capture_default_str()
      ->check(CLI::Range(0, 86400));
  call_cmd->add_option("--ring-timeout", call.ring_timeout, "seconds to wait for an answer")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  call_cmd->add_option("--hold-at", call.hold_at, "seconds after the answer to put the call on hold (re-INVITE)")
      ->check(CLI::Range(0, 86400));
  call_cmd->add_option("--resume-at", call.resume_at, "seconds after the answer to take it off hold")
      ->check(CLI::Range(0, 86400));
  add_media(call_cmd, call.media);

  ListenOptions listen;
  auto* listen_cmd = app.add_subcommand("listen", "register ME@DOMAIN and answer (or decline) incoming calls");
  listen_cmd->add_option("aor", listen.account.aor, "ME@DOMAIN")->required();
  add_account(listen_cmd, listen.account);
  bool auto_answer = false;
  auto* answer_flag = listen_cmd->add_flag("--auto-answer", auto_answer, "answer every call (the default)");
  listen_cmd->add_flag("--decline", listen.decline, "decline every call (603)")->excludes(answer_flag);
  listen_cmd->add_option("--count", listen.count, "exit after this many calls (0: never)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000000));
  listen_cmd->add_option("--duration", listen.duration, "hang up after this many seconds (0: when the caller does)")
      ->capture_default_str()
      ->check(CLI::Range(0, 86400));
  add_media(listen_cmd, listen.media);

  // Diagnostics from the port catalog (src/client/diag_commands.hpp).
  FirewallCliOptions fw;
  auto* fw_cmd =
      app.add_subcommand("firewall", "firewall rules for confab's ports (nftables, iptables, ip6tables, pf, ufw)");
  fw_cmd->add_option("--format", fw.format, "nftables | iptables (IPv4) | ip6tables (IPv6) | pf | ufw")
      ->capture_default_str();
  fw_cmd->add_option("--side", fw.side, "client (a user's machine) | server (the confabd host)")->capture_default_str();
  fw_cmd->add_option("--profile", fw.profile,
                     "minimal | open (iChat's Configuration A) | strict (Configuration B)")
      ->capture_default_str();
  fw_cmd->add_option("--lan", fw.lan, "CIDR[,CIDR]: where Bonjour may come from (default: private + link-local)");
  fw_cmd->add_option("--lan6", fw.lan6,
                     "PREFIX[,PREFIX]: the same over IPv6, besides link-local fe80::/10 (default: fc00::/7)");
  fw_cmd->add_flag("--no-ssh", fw.no_ssh, "server side: do not let SSH (22/tcp) in");
  // Where the catalog comes from: a config file, else the running confabd, else the defaults.
  auto add_catalog_source = [](CLI::App* cmd, std::string& config, std::string& data_dir, std::string& media) {
    cmd->add_option("--config", config, "confabd's config file: its ports (else the running confabd's)")
        ->check(CLI::ExistingFile);
    cmd->add_option("--data-dir", data_dir, "the running confabd's data_dir, to ask it (default: confab-data)");
    cmd->add_option("--media-ports", media, "the media port range in use (default: 16384-16403)");
  };
  add_catalog_source(fw_cmd, fw.config_file, fw.data_dir, fw.media_ports);
  PortsCliOptions ports;
  auto* ports_cmd = app.add_subcommand(
      "ports", "the sockets confab processes hold and which service each is (like ss -tuapn); --watch "
               "records what they open over time; --catalog lists every port confab uses");
  ports_cmd->add_flag("--catalog", ports.catalog, "the port catalog (every port, transport and purpose)");
  ports_cmd->add_flag("--json", ports.json, "JSON instead of a table (--watch: one object per line)");
  add_catalog_source(ports_cmd, ports.config_file, ports.data_dir, ports.media_ports);
  ports_cmd->add_option("--pid", ports.pids, "this process (repeatable)")->check(CLI::Range(1, 1 << 22));
  ports_cmd->add_option("--process", ports.processes, "processes of this name (repeatable; default: confabd, confab)");
  ports_cmd->add_flag("--all", ports.all, "every process");
  ports_cmd->add_flag("--proc-net", ports.proc_net, "read /proc/net/{tcp,udp}[6] instead of netlink sock_diag");
  ports_cmd->add_flag("--watch", ports.watch, "print every socket opened or closed, with the time, until Ctrl-C");
  ports_cmd->add_option("--interval", ports.interval_ms, "--watch: ms between polls")
      ->capture_default_str()
      ->check(CLI::Range(10, 60000));
  ports_cmd->add_flag("--no-trace", ports.no_trace,
                      "--watch: poll only; without the kernel's trace events (tracefs, root) a socket opened and "
                      "closed between two polls is missed");
  ports_cmd->add_option("--duration", ports.duration, "--watch: stop after this many seconds")
      ->check(CLI::Range(0.0, 86400.0 * 365));

  PortcheckCliOptions pc;
  auto* pc_cmd = app.add_subcommand(
      "portcheck", "test every port confab uses against a confabd, outbound and inbound, and detect SIP ALGs "
                   "(exit 6: something is blocked or rewritten)");
  pc_cmd->add_option("server", pc.server, "confabd HOST[:PORT] (PORT: its port-check control port)")->required();
  pc_cmd->add_option("--control-port", pc.control_port, "control port when SERVER has none")->capture_default_str();
  pc_cmd->add_flag("--json", pc.json, "print a JSON object instead of the table");
  pc_cmd->add_option("--html", pc.html, "also write a self-contained HTML report to this file (for your network admin)");
  pc_cmd->add_option("--timeout", pc.timeout, "seconds to wait for each round of answers")
      ->capture_default_str()
      ->check(CLI::Range(0.2, 60.0));
  pc_cmd->add_option("--only", pc.only, "services to test: reflector, sip, xmpp, media, bonjour, portcheck (comma list)");
  pc_cmd->add_option("--ports", pc.ports, "ports to test, e.g. 5060,16384-16390");
  pc_cmd->add_option("--media-ports", pc.media_ports, "the media port range in use")->capture_default_str();
  pc_cmd->add_flag("--no-inbound", pc.no_inbound, "skip the inbound tests (the server sending to you)");

  // XMPP: send / chat / roster / presence (src/client/xmpp_commands.hpp).
  auto add_xmpp_account = [](CLI::App* cmd, XmppAccountOptions& a) {
    cmd->add_option("--as", a.jid, "ME@DOMAIN: the account to log in as (else $CONFAB_JID)")->envname("CONFAB_JID")->required();
    cmd->add_option("--server", a.server, "HOST[:PORT] (default: the domain, port 5222; 5223 with --direct-tls)");
    cmd->add_option("--password-file", a.password_file,
                    "file whose first line is the password (else $CONFAB_PASSWORD, else a prompt)");
    cmd->add_option("--resource", a.resource, "resource to ask for")->capture_default_str();
    cmd->add_flag("--direct-tls", a.direct_tls, "TLS from the first byte (XEP-0368, port 5223) instead of STARTTLS");
    cmd->add_option("--ca-file", a.ca_file, "trust this CA/certificate PEM (e.g. confabd's <data_dir>/tls/DOMAIN.crt)");
    cmd->add_flag("--insecure", a.insecure, "accept any server certificate (testing only)");
    cmd->add_option("--timeout", a.timeout, "seconds to connect and log in")->capture_default_str()->check(CLI::Range(1, 600));
    cmd->add_flag("--json", a.json, "print JSON instead of text");
  };
  SendOptions send;
  auto* send_cmd = app.add_subcommand("send", "send one chat message; exit 0 once the server has it");
  send_cmd->add_option("to", send.to, "JID to send to")->required();
  send_cmd->add_option("text", send.text, "the message")->required();
  send_cmd->add_option("--type", send.type, "message type")->capture_default_str()->check(CLI::IsMember({"chat", "normal", "headline"}));
  add_xmpp_account(send_cmd, send.account);

  ChatOptions chat;
  auto* chat_cmd = app.add_subcommand("chat", "chat with JID: lines you type are sent, messages and presence shown");
  chat_cmd->add_option("with", chat.with, "JID to chat with")->required();
  add_xmpp_account(chat_cmd, chat.account);

  RosterOptions roster;
  auto* roster_cmd = app.add_subcommand("roster", "the buddy list: roster [list], roster add JID [--name N], roster remove JID");
  roster_cmd->add_option("action", roster.action, "list, add or remove")->capture_default_str()->check(CLI::IsMember({"list", "add", "remove"}));
  roster_cmd->add_option("contact", roster.contact, "JID to add or remove");
  roster_cmd->add_option("--name", roster.name, "name to show for the contact (add)");
  roster_cmd->add_flag("!--no-subscribe", roster.subscribe, "add without asking to see their presence");
  add_xmpp_account(roster_cmd, roster.account);

  PresenceOptions pres;
  auto* pres_cmd = app.add_subcommand("presence", "go online as available/away/dnd/xa/chat with a status, until Ctrl-C");
  pres_cmd->add_option("show", pres.show, "available, away, dnd, xa or chat")->capture_default_str();
  pres_cmd->add_option("status", pres.status, "status text");
  pres_cmd->add_option("--duration", pres.duration, "seconds to stay online (0: until Ctrl-C)")->capture_default_str()->check(CLI::Range(0, 86400 * 365));
  add_xmpp_account(pres_cmd, pres.account);

  // XEP-0045 group chat (src/client/room_command.hpp).
  RoomJoinOptions room_join;
  std::string room_send;
  auto* room_cmd = app.add_subcommand("room", "group chat (XEP-0045): room join ROOM@conference.DOMAIN");
  room_cmd->require_subcommand(1);
  auto* room_join_cmd = room_cmd->add_subcommand(
      "join", "join a room (an instant room is made if there is none): lines you type are sent; /topic TEXT, "
              "/invite JID [REASON] (XEP-0249), /leave");
  room_join_cmd->add_option("room", room_join.room, "ROOM@conference.DOMAIN")->required();
  room_join_cmd->add_option("--nick", room_join.nick, "the nick to use (default: your localpart)");
  room_join_cmd->add_option("--password", room_join.password, "the room's password, if it has one");
  room_join_cmd->add_option("--history", room_join.history, "messages of history to ask for (default: the room's)")
      ->check(CLI::Range(0, 1000000));
  auto* room_send_opt = room_join_cmd->add_option("--send", room_send, "post TEXT, wait until the room has it, leave (exit 0)");
  room_join_cmd->add_option("--duration", room_join.duration, "seconds to stay, then leave (0: until Ctrl-C/Ctrl-D/leave)")
      ->capture_default_str()->check(CLI::Range(0, 86400 * 365));
  add_xmpp_account(room_join_cmd, room_join.account);

  // XEP-0363 file transfer (src/client/send_file.hpp).
  SendFileOptions sf;
  auto* sf_cmd = app.add_subcommand("send-file", "upload a file over HTTPS (XEP-0363) and send its link; exit 0 once sent");
  sf_cmd->add_option("to", sf.to, "JID to send to")->required();
  sf_cmd->add_option("file", sf.file, "the file")->required();
  sf_cmd->add_option("--content-type", sf.content_type, "MIME type (default: from the file's extension)");
  sf_cmd->add_flag("!--no-progress", sf.progress, "no progress bar or lines on stderr");
  add_xmpp_account(sf_cmd, sf.account);


  // Bonjour local chat: mDNS/DNS-SD + XEP-0174 (src/client/local_commands.hpp).
  LocalCliOptions local;
  std::string local_with, local_text;
  auto add_local = [&local](CLI::App* cmd) {
    cmd->add_option("--name", local.name, "our name on the link (default: USER@HOST; renamed \"NAME (2)\" if taken)");
    cmd->add_option("--port", local.port, "TCP port for incoming chats (XEP-0174)")->capture_default_str();
    cmd->add_option("--interface", local.interface, "use only this network interface (default: every suitable one)");
    cmd->add_flag("--json", local.json, "JSON instead of text (local: one snapshot; others: one event a line)");
    cmd->add_option("--duration", local.duration, "seconds to stay, then leave (0: until Ctrl-C)")->check(CLI::Range(0, 86400 * 365));
    cmd->add_option("--first", local.first, "first name to advertise (TXT 1st)");
    cmd->add_option("--last", local.last, "last name to advertise (TXT last)");
    cmd->add_option("--nick", local.nick, "nickname to advertise (TXT nick)");
    cmd->add_option("--email", local.email, "e-mail address to advertise (TXT email)");
  };
  auto* local_cmd = app.add_subcommand("local", "Bonjour: who is on the local network and their status (no server)");
  local_cmd->require_subcommand(0, 1);
  add_local(local_cmd);
  local_cmd->add_option("--wait", local.wait, "with --json: seconds to look before printing")->capture_default_str()->check(CLI::Range(0.1, 600.0));
  auto* local_chat = local_cmd->add_subcommand("chat", "chat with NAME on the local link: lines you type are sent");
  local_chat->add_option("with", local_with, "their name (instance or display name)")->required();
  local_chat->add_option("--status", local.status, "our status: avail, away or dnd")->capture_default_str();
  add_local(local_chat);
  auto* local_send = local_cmd->add_subcommand("send", "send one message to NAME on the local link; exit 0 once written");
  local_send->add_option("to", local_with, "their name")->required();
  local_send->add_option("text", local_text, "the message")->required();
  local_send->add_option("--wait", local.wait, "seconds to wait for them to appear")->capture_default_str()->check(CLI::Range(0.1, 600.0));
  add_local(local_send);
  auto* local_status = local_cmd->add_subcommand("status", "be visible on the link with a status until Ctrl-C");
  local_status->add_option("status", local.status, "avail, away or dnd")->capture_default_str();
  local_status->add_option("message", local.message, "status message (TXT msg)");
  add_local(local_status);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? exit_ok : exit_usage;
  }
  if (*nat_cmd) return run_nat(nat);
  if (*reg_cmd) return run_register(reg);
  if (*call_cmd) return run_call(call);
  if (*fw_cmd) return run_firewall(fw);
  if (*ports_cmd) return run_ports(ports);
  if (*pc_cmd) return run_portcheck(pc);
  if (*listen_cmd) return run_listen(listen);
  if (*send_cmd) return run_xmpp_send(send);
  if (*chat_cmd) return run_xmpp_chat(chat);
  if (*roster_cmd) return run_xmpp_roster(roster);
  if (*pres_cmd) return run_xmpp_presence(pres);
  if (*local_cmd) {
    if (*local_chat) return run_local_chat(local, local_with);
    if (*local_send) return run_local_send(local, local_with, local_text);
    if (*local_status) return run_local_status(local);
    return run_local_list(local);
  }
  if (*sf_cmd) return run_send_file(sf);
  if (*room_join_cmd) {
    if (room_send_opt->count() > 0) room_join.send = room_send;
    return run_room_join(room_join);
  }
  return exit_usage;
}
