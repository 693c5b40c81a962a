#include "diag/sip_probe.hpp"

#include <algorithm>

#include "sip/message.hpp"
#include "sip/parser.hpp"

namespace confab::diag {

namespace {

constexpr std::string_view user_prefix = "portcheck-";

std::string host_text(const IpAddress& ip) { return ip.is_v6() ? "[" + ip.to_string() + "]" : ip.to_string(); }
std::string host_text(const std::string& host) {
  return host.find(':') != std::string::npos && host.front() != '[' ? "[" + host + "]" : host;
}

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    auto line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    out.push_back(line);
    start = end + 1;
  }
  return out;
}

// What a line is, for the report: the header's name, "SDP c=" for a body line.
std::string label(std::string_view line, bool in_body, bool first) {
  if (first) return "Request-Line";
  if (in_body) {
    if (line.size() >= 2 && line[1] == '=') {
      std::string l = "SDP " + std::string(line.substr(0, 2));
      if (line[0] == 'm' || line[0] == 'a') l += std::string(line.substr(2, line.find_first_of(" :", 2) - 2));
      return l;
    }
    return "body";
  }
  auto colon = line.find(':');
  std::string name(line.substr(0, colon == std::string_view::npos ? line.size() : colon));
  while (!name.empty() && name.back() == ' ') name.pop_back();
  return name.empty() ? "header" : name;
}

struct Line {
  std::string_view text;
  std::string where;
};

std::vector<Line> labelled(std::string_view message) {
  std::vector<Line> out;
  bool body = false;
  auto lines = lines_of(message);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (!body && lines[i].empty() && i > 0) {
      body = true;
      continue;
    }
    out.push_back({lines[i], label(lines[i], body, i == 0)});
  }
  return out;
}

}  // namespace

std::string build_sip_probe(const SipProbeParams& p) {
  const std::string local_host = host_text(p.local.ip);
  const std::string server = host_text(p.server_host) + ":" + std::to_string(p.server_port);
  const std::string user = std::string(user_prefix) + token_hex(p.token);
  const char* transport = p.transport == Transport::tcp ? "TCP" : p.transport == Transport::tls ? "TLS" : "UDP";
  const std::string ip_kind = p.local.ip.is_v6() ? "IP6" : "IP4";
  std::string sdp = "v=0\r\n"
                    "o=confab " + p.nonce.substr(0, 8) + " 1 IN " + ip_kind + " " + p.local.ip.to_string() + "\r\n"
                    "s=confab portcheck\r\n"
                    "c=IN " + ip_kind + " " + p.local.ip.to_string() + "\r\n"
                    "t=0 0\r\n"
                    "m=audio " + std::to_string(p.media_port) + " RTP/AVP 0\r\n"
                    "a=rtpmap:0 PCMU/8000\r\n";
  std::string out = "INVITE sip:" + user + "@" + server + " SIP/2.0\r\n";
  out += "Via: SIP/2.0/" + std::string(transport) + " " + local_host + ":" + std::to_string(p.local.port) +
         ";branch=z9hG4bK" + p.nonce + ";rport\r\n";
  out += "Max-Forwards: 70\r\n";
  out += "From: <sip:portcheck@" + local_host + ">;tag=" + p.nonce.substr(0, 10) + "\r\n";
  out += "To: <sip:" + user + "@" + server + ">\r\n";
  out += "Call-ID: " + p.nonce + "\r\n";
  out += "CSeq: 1 INVITE\r\n";
  out += "Contact: <sip:portcheck@" + local_host + ":" + std::to_string(p.local.port) + ">\r\n";
  out += "Content-Type: application/sdp\r\n";
  out += "Content-Length: " + std::to_string(sdp.size()) + "\r\n\r\n";
  return out + sdp;
}

std::optional<Token> sip_probe_token(ByteView message) {
  auto text = as_chars(message.first(std::min<std::size_t>(message.size(), 256)));
  auto eol = text.find('\r');
  auto first = text.substr(0, eol);
  auto at = first.find(" sip:portcheck-");
  if (at == std::string_view::npos) return std::nullopt;
  auto hex = first.substr(at + 5 + user_prefix.size(), 32);
  if (first.size() < at + 5 + user_prefix.size() + 33 || first[at + 5 + user_prefix.size() + 32] != '@')
    return std::nullopt;
  return parse_token(hex);
}

SipProbeAnswer answer_sip_probe(ByteView request, std::size_t max_message_size) {
  SipProbeAnswer a;
  // Cheap test first: the SIP service runs this on every message.
  auto head = as_chars(request.first(std::min<std::size_t>(request.size(), 64)));
  auto sp = head.find(' ');
  if (sp == std::string_view::npos || head.substr(sp + 1, 4 + user_prefix.size()) != "sip:portcheck-") return a;
  auto parsed = sip::parse(request, {max_message_size, 128});
  if (!parsed || !parsed->is_request()) return a;
  auto uri = parsed->uri();
  if (!uri || !uri->user.starts_with(user_prefix)) return a;
  a.probe = true;
  if (parsed->method == "ACK") return a;  // ends our (stateless) transaction: nothing to answer
  if (sip::missing_required(*parsed).size() > 0) {
    auto text = sip::serialize(sip::make_response(*parsed, 400, "Bad Request (port-check probe)"));
    if (text.size() <= request.size()) a.response = std::move(text);
    return a;
  }
  // A final answer, not 2xx: no dialog, nothing to retransmit. Smaller than
  // the request (no body), so never an amplifier.
  auto r = sip::make_response(*parsed, parsed->method == "INVITE" ? 480 : 200, "Port Check Probe Received",
                              "pc");
  auto text = sip::serialize(r);
  if (text.size() <= request.size()) a.response = std::move(text);  // compact headers could make it grow: then silence
  return a;
}

std::vector<SipChange> diff_sip(std::string_view sent, std::string_view received) {
  const auto a = labelled(sent);
  const auto b = labelled(received);
  // Longest common subsequence of whole lines (messages are a few dozen lines).
  const std::size_t n = a.size(), m = b.size();
  if (n > 300 || m > 300)  // not our probe any more: say so rather than spend n*m
    return {{"message", std::to_string(n) + " lines", std::to_string(m) + " lines"}};
  std::vector<std::vector<std::uint16_t>> lcs(n + 1, std::vector<std::uint16_t>(m + 1, 0));
  for (std::size_t i = n; i-- > 0;)
    for (std::size_t j = m; j-- > 0;)
      lcs[i][j] = a[i].text == b[j].text ? static_cast<std::uint16_t>(lcs[i + 1][j + 1] + 1)
                                         : std::max(lcs[i + 1][j], lcs[i][j + 1]);
  std::vector<SipChange> out;
  std::vector<const Line*> removed, added;
  auto flush = [&] {
    // Pair what was removed with what was added in its place, in order.
    std::size_t k = 0;
    for (; k < removed.size() && k < added.size(); ++k)
      out.push_back({removed[k]->where, std::string(removed[k]->text), std::string(added[k]->text)});
    for (std::size_t r = k; r < removed.size(); ++r) out.push_back({removed[r]->where, std::string(removed[r]->text), ""});
    for (std::size_t r = k; r < added.size(); ++r) out.push_back({added[r]->where, "", std::string(added[r]->text)});
    removed.clear();
    added.clear();
  };
  std::size_t i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i].text == b[j].text) {
      flush();
      ++i, ++j;
    } else if (j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j])) {
      added.push_back(&b[j++]);
    } else {
      removed.push_back(&a[i++]);
    }
  }
  flush();
  return out;
}

}  // namespace confab::diag
