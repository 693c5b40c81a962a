// From observations to verdicts: open / blocked (no answer, refused,
// replies blocked, dropped) / filtered / rewritten / untested, with what
// breaks and the fix; and the three renderings.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "diag/portcheck_report.hpp"

namespace confab::diag {
namespace {

CatalogEntry entry(const std::string& service) {
  for (const auto& e : port_catalog())
    if (e.service == service) return e;
  ADD_FAILURE() << service;
  return {};
}

PortObservation obs(const std::string& service, std::uint16_t port) {
  PortObservation o;
  o.entry = entry(service);
  o.port = port;
  o.method = probe_method(o.entry);
  o.inbound_tested = o.entry.direction == Direction::peer_to_peer;
  if (o.method == ProbeMethod::echo || o.method == ProbeMethod::sip) o.server_saw = false;
  return o;
}

const PortResult& find(const PortcheckReport& r, std::uint16_t port, PathDirection d) {
  auto it = std::find_if(r.results.begin(), r.results.end(),
                         [&](const PortResult& p) { return p.port == port && p.direction == d; });
  EXPECT_NE(it, r.results.end());
  return *it;
}

TEST(PortcheckReport, EachCatalogServiceIsProbedWithItsOwnProtocol) {
  EXPECT_EQ(probe_method(entry("reflector")), ProbeMethod::stun);
  EXPECT_EQ(probe_method(entry("reflector-tcp")), ProbeMethod::stun);
  EXPECT_EQ(probe_method(entry("sip")), ProbeMethod::sip);
  EXPECT_EQ(probe_method(entry("sip-tcp")), ProbeMethod::sip);
  EXPECT_EQ(probe_method(entry("sip-tls")), ProbeMethod::tls);
  EXPECT_EQ(probe_method(entry("xmpp")), ProbeMethod::xmpp);
  EXPECT_EQ(probe_method(entry("xmpp-tls")), ProbeMethod::tls);
  EXPECT_EQ(probe_method(entry("media")), ProbeMethod::echo);
  EXPECT_EQ(probe_method(entry("bonjour-chat")), ProbeMethod::echo);
  EXPECT_EQ(probe_method(entry("portcheck")), ProbeMethod::control);
  CatalogEntry unknown{"future", 7000, 7000, Proto::tcp, Direction::to_server, false, "", ""};
  EXPECT_EQ(probe_method(unknown), ProbeMethod::connect);  // something answers there: at least connect
}

TEST(PortcheckReport, AnsweredPortsAreOpenAndNeedNoFix) {
  auto o = obs("reflector", 5678);
  o.answered = true;
  auto r = evaluate({o});
  ASSERT_EQ(r.results.size(), 1u);  // to-server ports have no inbound test
  EXPECT_EQ(r.results[0].verdict, Verdict::open);
  EXPECT_TRUE(r.results[0].fix.empty());
  EXPECT_FALSE(has_problems(r));
}

TEST(PortcheckReport, TellsNoAnswerFromRefusedFromRepliesBlocked) {
  auto silent = obs("media", 16384);
  auto refused = obs("media", 16385);
  refused.refused = true;
  auto replies = obs("media", 16386);
  replies.server_saw = true;
  auto r = evaluate({silent, refused, replies});
  EXPECT_EQ(find(r, 16384, PathDirection::outbound).detail, "no answer");
  EXPECT_EQ(find(r, 16385, PathDirection::outbound).detail, "refused");
  const auto& rb = find(r, 16386, PathDirection::outbound);
  EXPECT_EQ(rb.verdict, Verdict::blocked);
  EXPECT_EQ(rb.detail, "replies blocked");
  EXPECT_NE(rb.fix.find("established,related"), std::string::npos);
  EXPECT_NE(find(r, 16384, PathDirection::outbound).breaks.find("media needs 16384-16403/udp outbound"),
            std::string::npos);
  EXPECT_TRUE(has_problems(r));
}

TEST(PortcheckReport, InboundIsOpenFilteredOrBlocked) {
  auto open = obs("media", 16384);
  open.answered = open.unsolicited_arrived = true;
  auto filtered = obs("media", 16385);
  filtered.answered = true;  // the echo's reply got in, the unsolicited probe did not
  auto blocked = obs("media", 16386);
  blocked.server_saw = true;
  auto busy = obs("media", 16387);
  busy.answered = true;
  busy.local_port_busy = true;
  auto r = evaluate({open, filtered, blocked, busy});
  EXPECT_EQ(find(r, 16384, PathDirection::inbound).verdict, Verdict::open);
  EXPECT_EQ(find(r, 16385, PathDirection::inbound).verdict, Verdict::filtered);
  EXPECT_EQ(find(r, 16386, PathDirection::inbound).verdict, Verdict::blocked);
  EXPECT_EQ(find(r, 16387, PathDirection::inbound).verdict, Verdict::untested);
}

TEST(PortcheckReport, FilteredInboundAloneIsNotAProblem) {
  auto o = obs("media", 16384);
  o.answered = true;
  EXPECT_FALSE(has_problems(evaluate({o})));
}

TEST(PortcheckReport, ARewrittenSipProbeIsReportedWithItsChanges) {
  auto o = obs("sip", 5060);
  o.answered = true;
  o.server_saw = true;
  o.changes = {{"Via", "Via: SIP/2.0/UDP 192.0.2.2:4000", "Via: SIP/2.0/UDP 198.51.100.1:4000"}};
  auto r = evaluate({o});
  EXPECT_EQ(r.results[0].verdict, Verdict::rewritten);
  EXPECT_EQ(r.results[0].detail, "by a SIP ALG: Via");
  EXPECT_NE(r.results[0].fix.find("SIP ALG"), std::string::npos);
  EXPECT_TRUE(has_problems(r));
  auto j = nlohmann::json::parse(render_json(r));
  EXPECT_EQ(j["results"][0]["changes"][0]["where"], "Via");
  EXPECT_EQ(j["summary"]["rewritten"], 1);
}

TEST(PortcheckReport, SipLostWhileOtherUdpWorksIsDropped) {
  auto sip = obs("sip", 5060);
  auto stun = obs("reflector", 5678);
  stun.answered = true;
  auto r = evaluate({sip, stun});
  EXPECT_TRUE(r.results[0].detail.starts_with("dropped"));
  // Without a witness it is only "no answer".
  EXPECT_EQ(evaluate({sip}).results[0].detail, "no answer");
}

TEST(PortcheckReport, LocalOnlyPortsNeverMakeItAProblem) {
  auto o = obs("bonjour-chat", 5298);
  EXPECT_EQ(evaluate({o}).results[0].verdict, Verdict::blocked);
  EXPECT_FALSE(has_problems(evaluate({o})));
}

TEST(PortcheckReport, TheTableGroupsRangesAndExplainsEachProblem) {
  std::vector<PortObservation> all;
  for (std::uint16_t p = 16384; p <= 16403; ++p) {
    auto o = obs("media", p);
    o.answered = o.unsolicited_arrived = p != 16390 && p != 16391;
    all.push_back(o);
  }
  PortcheckReport r = evaluate(all);
  r.server = "203.0.113.10";
  r.control = "203.0.113.10:5680";
  const auto table = render_table(r);
  EXPECT_NE(table.find("16384-16389"), std::string::npos);
  EXPECT_NE(table.find("16392-16403"), std::string::npos);
  EXPECT_NE(table.find("16390-16391/udp outbound blocked: calls connect but carry no audio or video"), std::string::npos);
  EXPECT_NE(table.find("`udp dport 16390-16391 accept` in the output chain"), std::string::npos);
  EXPECT_NE(table.find("confab firewall"), std::string::npos);
  const auto html = render_html(r);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("16390-16391/udp outbound blocked"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);  // self-contained, nothing to fetch
  auto j = nlohmann::json::parse(render_json(r));
  EXPECT_EQ(j["results"].size(), 40u);
  EXPECT_EQ(j["summary"]["blocked"], 4);
}

TEST(PortcheckReport, HtmlEscapesWhatTheNetworkSent) {
  auto o = obs("sip", 5060);
  o.answered = true;
  o.changes = {{"Via", "<a>", "<script>alert(1)</script>"}};
  PortcheckReport r = evaluate({o});
  EXPECT_EQ(render_html(r).find("<script>"), std::string::npos);
}

}  // namespace
}  // namespace confab::diag
