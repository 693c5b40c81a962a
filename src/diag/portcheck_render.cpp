// The three faces of a port-check report: a table for the terminal, JSON
// for scripts, and an HTML page to send to whoever runs the network.
#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "diag/portcheck_report.hpp"

namespace confab::diag {

namespace {

// Consecutive ports of one service with the same outcome, shown as one line.
struct Group {
  const PortResult* first;
  std::uint16_t last_port;
};

std::vector<Group> groups(const std::vector<PortResult>& results, PathDirection d) {
  std::vector<Group> out;
  for (const auto& r : results) {
    if (r.direction != d) continue;
    if (!out.empty()) {
      const auto& g = *out.back().first;
      if (g.service == r.service && g.proto == r.proto && g.verdict == r.verdict && g.detail == r.detail &&
          r.changes.empty() && g.changes.empty() && out.back().last_port + 1 == r.port) {
        out.back().last_port = r.port;
        continue;
      }
    }
    out.push_back({&r, r.port});
  }
  return out;
}

// A problem's fix names its first port; a group's fix names the range.
std::string fix_of(const Group& g) {
  const auto& p = *g.first;
  if (p.port == g.last_port) return p.fix;
  const std::string one = std::to_string(p.port);
  const std::string range = one + "-" + std::to_string(g.last_port);
  std::string out = p.fix;
  for (auto pos = out.find(one); pos != std::string::npos; pos = out.find(one, pos + range.size())) {
    const bool alone = (pos == 0 || !std::isdigit(static_cast<unsigned char>(out[pos - 1]))) &&
                       (pos + one.size() == out.size() || !std::isdigit(static_cast<unsigned char>(out[pos + one.size()])));
    if (alone) out.replace(pos, one.size(), range);
  }
  return out;
}

// Worth a paragraph of its own: what the user has to act on.
bool needs_action(const PortResult& p) {
  return !p.local_only && (p.verdict == Verdict::blocked || p.verdict == Verdict::rewritten);
}

std::string ports(const Group& g) {
  return g.first->port == g.last_port ? std::to_string(g.last_port)
                                      : std::to_string(g.first->port) + "-" + std::to_string(g.last_port);
}

std::string html_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '`': break;  // markdown-ish quoting in fixes means nothing in HTML
      default: out.push_back(c);
    }
  }
  return out;
}

// Left-aligned in a column of `width` (at least one space after).
std::string col(std::string_view s, std::size_t width) {
  std::string out(s);
  out.resize(std::max(width, s.size() + 1), ' ');
  return out;
}

struct Tally {
  int open = 0, blocked = 0, filtered = 0, rewritten = 0, untested = 0;
};
Tally tally(const PortcheckReport& r) {
  Tally t;
  for (const auto& p : r.results) {
    switch (p.verdict) {
      case Verdict::open: ++t.open; break;
      case Verdict::blocked: ++t.blocked; break;
      case Verdict::filtered: ++t.filtered; break;
      case Verdict::rewritten: ++t.rewritten; break;
      case Verdict::untested: ++t.untested; break;
    }
  }
  return t;
}

std::string summary_line(const PortcheckReport& r) {
  const auto t = tally(r);
  std::string s = std::to_string(t.open) + " open, " + std::to_string(t.blocked) + " blocked, " +
                  std::to_string(t.filtered) + " filtered, " + std::to_string(t.rewritten) + " rewritten";
  if (t.untested) s += ", " + std::to_string(t.untested) + " untested";
  return s;
}

}  // namespace

std::string render_table(const PortcheckReport& r) {
  std::string out = "port check against " + r.server + " (control " + r.control + ")";
  if (r.public_ip) out += ", you are seen as " + r.public_ip->to_string();
  if (r.catalog == "defaults") out += "\n(the server does not send its ports: the default ones were tested)";
  out += "\n\n";
  out += col("SERVICE", 18) + col("PORTS", 13) + col("", 5) + col("DIRECTION", 10) + col("VERDICT", 11) + "DETAIL\n";
  std::vector<Group> problems;
  for (auto d : {PathDirection::outbound, PathDirection::inbound})
    for (const auto& g : groups(r.results, d)) {
      const auto& p = *g.first;
      std::string row = col(p.service, 18) + col(ports(g), 13) + col(to_string(p.proto), 5) +
                        col(to_string(p.direction), 10) + col(to_string(p.verdict), 11) + p.detail +
                        (p.local_only && p.verdict != Verdict::open ? " (local network only: fine)" : "");
      while (!row.empty() && row.back() == ' ') row.pop_back();
      out += row + "\n";
      if (needs_action(p)) problems.push_back(g);
    }
  out += "\n" + summary_line(r) + "\n";
  for (const auto& g : problems) {
    const auto& p = *g.first;
    out += "\n" + ports(g) + "/" + to_string(p.proto) + " " + to_string(p.direction) + " " + to_string(p.verdict) +
           ": " + p.breaks + "\n";
    for (const auto& c : p.changes)
      out += "  " + c.where + ":\n    sent     " + (c.sent.empty() ? "(nothing)" : c.sent) + "\n    received " +
             (c.received.empty() ? "(removed)" : c.received) + "\n";
    out += "  fix: " + fix_of(g) + "\n";
  }
  if (tally(r).filtered > 0)
    out += "\nfiltered: unsolicited packets are kept out but replies get in (any NAT or stateful firewall);\n"
           "calls still connect through ICE unless the other side is filtered too.\n";
  return out;
}

std::string render_json(const PortcheckReport& r) {
  nlohmann::json j;
  j["server"] = r.server;
  j["control"] = r.control;
  j["public_address"] = r.public_ip ? nlohmann::json(r.public_ip->to_string()) : nlohmann::json(nullptr);
  if (!r.catalog.empty()) j["catalog"] = r.catalog;
  const auto t = tally(r);
  j["summary"] = {{"open", t.open}, {"blocked", t.blocked}, {"filtered", t.filtered}, {"rewritten", t.rewritten},
                  {"untested", t.untested}, {"problems", has_problems(r)}};
  j["results"] = nlohmann::json::array();
  for (const auto& p : r.results) {
    nlohmann::json e = {{"service", p.service},      {"port", p.port},
                        {"transport", to_string(p.proto)}, {"direction", to_string(p.direction)},
                        {"verdict", to_string(p.verdict)}, {"detail", p.detail},
                        {"local_only", p.local_only}, {"breaks", p.breaks},
                        {"fix", p.fix}};
    if (!p.changes.empty()) {
      e["changes"] = nlohmann::json::array();
      for (const auto& c : p.changes) e["changes"].push_back({{"where", c.where}, {"sent", c.sent}, {"received", c.received}});
    }
    j["results"].push_back(std::move(e));
  }
  return j.dump(1) + "\n";
}

std::string render_html(const PortcheckReport& r) {
  std::string rows;
  std::string problems;
  for (auto d : {PathDirection::outbound, PathDirection::inbound})
    for (const auto& g : groups(r.results, d)) {
      const auto& p = *g.first;
      rows += std::string("<tr class=\"") + to_string(p.verdict) + "\"><td>" + html_escape(p.service) + "</td><td>" +
              ports(g) + "/" + to_string(p.proto) + "</td><td>" + to_string(p.direction) + "</td><td><b>" +
              to_string(p.verdict) + "</b></td><td>" + html_escape(p.detail) +
              (p.local_only && p.verdict != Verdict::open ? " (local network only: fine)" : "") + "</td></tr>\n";
      if (!needs_action(p)) continue;
      problems += "<li><b>" + ports(g) + "/" + to_string(p.proto) + " " + to_string(p.direction) + " " +
                  to_string(p.verdict) + "</b>: " + html_escape(p.breaks);
      if (!p.changes.empty()) {
        problems += "<table class=\"diff\"><tr><th>where</th><th>sent</th><th>received</th></tr>";
        for (const auto& c : p.changes)
          problems += "<tr><td>" + html_escape(c.where) + "</td><td><code>" + html_escape(c.sent) +
                      "</code></td><td><code>" + html_escape(c.received) + "</code></td></tr>";
        problems += "</table>";
      }
      problems += "<br>Fix: " + html_escape(fix_of(g)) + "</li>\n";
    }
  const std::string seen = r.public_ip ? " The client is seen as <code>" + r.public_ip->to_string() + "</code>." : "";
  std::string page = R"(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>confab port check: )" + html_escape(r.server) + R"(</title>
<style>
body { font-family: sans-serif; max-width: 60em; margin: 2em auto; color: #222; }
table { border-collapse: collapse; } td, th { border: 1px solid #ccc; padding: .25em .6em; text-align: left; }
tr.open td:nth-child(4) { color: #1a7f37; } tr.blocked td:nth-child(4), tr.rewritten td:nth-child(4) { color: #c62828; }
tr.filtered td:nth-child(4) { color: #b26a00; } tr.untested td:nth-child(4) { color: #777; }
table.diff { margin: .4em 0; font-size: 90%; } code { font-size: 90%; }
</style></head><body>
<h1>confab port check</h1>
<p>Tested against <code>)" + html_escape(r.server) + R"(</code> (control )" + html_escape(r.control) + R"().)" + seen + R"( Summary: )" + summary_line(r) + R"(.</p>
<p>Each port was tested with the protocol of the service that runs there (STUN, SIP, XMPP, TLS) or with
confab's port-check echo; <i>outbound</i> is this machine to the server, <i>inbound</i> is the server
sending to this machine unsolicited. <i>blocked</i>: nothing got through; <i>filtered</i>: only replies to
this machine's own packets get in; <i>rewritten</i>: a router changed the SIP messages (a SIP ALG).</p>
<table><tr><th>service</th><th>ports</th><th>direction</th><th>verdict</th><th>detail</th></tr>
)" + rows + R"(</table>
<h2>What breaks, and the fix</h2>
)" + (problems.empty() ? std::string("<p>Nothing: every port confab needs gets through.</p>") : "<ul>\n" + problems + "</ul>") + R"(
<p>Generated by <code>confab portcheck --html</code>. Complete firewall rule sets: <code>confab firewall</code>.</p>
</body></html>
)";
  return page;
}

}  // namespace confab::diag
