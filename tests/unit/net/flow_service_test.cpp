// FlowService over real loopback sockets, with a line-echo core: UDP, TCP
// and TLS in one thread, server-initiated sends on a connection's flow, idle
// timeouts, and TLS 1.2+ with a freshly generated self-signed certificate.
#include "net/flow_service.hpp"

#include <gtest/gtest.h>

#include <asio/connect.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ip/udp.hpp>
#include <asio/read_until.hpp>
#include <asio/ssl.hpp>
#include <asio/streambuf.hpp>
#include <asio/write.hpp>
#include <atomic>
#include <deque>
#include <istream>

#include "net/self_signed.hpp"

using namespace confab;
using namespace confab::net;

namespace {

// Echoes each line back on the flow it came from; "later" also schedules a
// server-initiated "ping" on that flow 50 ms afterwards.
class EchoCore final : public FlowCore {
 public:
  std::atomic<int>* closed;
  explicit EchoCore(std::atomic<int>* c) : closed(c) {}
  void handle_datagram(Instant now, const Datagram& d, FlowId flow) override {
    std::string line(as_chars(d.bytes));
    std::string text = "echo " + line;
    Bytes reply(text.begin(), text.end());
    out_.push_back({Transmit{d.transport, d.local, d.remote, std::move(reply)}, flow});
    if (line == "later\n") later_ = {now + std::chrono::milliseconds(50), flow, d.transport, d.remote};
    if (line == "starttls\n") commands_.push_back({flow, FlowCommand::Kind::start_tls});
    if (line == "bye\n") commands_.push_back({flow, FlowCommand::Kind::close});
    if (line == "hold\n" || line == "hold bye\n") holding_ = true;  // until the round of reads ends
    if (line == "hold bye\n") commands_.push_back({flow, FlowCommand::Kind::close});
  }
  bool holding() const override { return holding_; }
  void handle_round_end(Instant) override {
    holding_ = false;
    ++rounds_ended;
  }
  std::atomic<int> rounds_ended{0};
  void handle_flow_secured(Instant, FlowId, const TlsInfo& info) override {
    ++secured;
    exporter_bytes = info.exporter.size();
    end_point_bytes = info.server_end_point.size();
  }
  std::optional<FlowCommand> poll_command() override {
    if (holding_) ADD_FAILURE() << "polled while holding";
    if (commands_.empty()) return std::nullopt;
    auto c = commands_.front();
    commands_.pop_front();
    return c;
  }
  // Read by the test thread after the service is quiet.
  std::atomic<int> secured{0};
  std::atomic<std::size_t> exporter_bytes{0}, end_point_bytes{0};
  void handle_flow_closed(Instant, FlowId) override { ++*closed; }
  void handle_timeout(Instant now) override {
    if (later_ && now >= later_->at) {
      std::string s = "ping\n";
      out_.push_back({Transmit{later_->transport, {}, later_->remote, Bytes(s.begin(), s.end())}, later_->flow});
      later_.reset();
    }
  }
  std::optional<FlowTransmit> poll_transmit() override {
    if (holding_) ADD_FAILURE() << "polled while holding";
    if (out_.empty()) return std::nullopt;
    auto t = std::move(out_.front());
    out_.pop_front();
    return t;
  }
  std::optional<Instant> poll_timeout() const override {
    if (later_) return later_->at;
    return std::nullopt;
  }

 private:
  struct Later {
    Instant at;
    FlowId flow;
    Transport transport;
    SocketAddress remote;
  };
  std::deque<FlowTransmit> out_;
  std::deque<FlowCommand> commands_;
  std::optional<Later> later_;
  bool holding_ = false;
};

StreamFrame line_framer(ByteView b) {
  for (std::size_t i = 0; i < b.size(); ++i)
    if (b[i] == '\n') return {StreamFrame::State::complete, i + 1};
  return {};
}

struct Started {
  std::unique_ptr<FlowService> service;
  EchoCore* core = nullptr;  // owned by the service
  std::atomic<int> closed{0};
  std::uint16_t udp_port = 0, tcp_port = 0, tls_port = 0;
  std::filesystem::path dir;
};

std::uint16_t port_of(const FlowService& s, const std::string& prefix) {
  for (const auto& l : s.listening())
    if (l.rfind(prefix, 0) == 0) return static_cast<std::uint16_t>(std::stoi(l.substr(l.rfind(':') + 1)));
  return 0;
}

std::unique_ptr<Started> start(Duration idle = std::chrono::seconds(30)) {
  auto s = std::make_unique<Started>();
  s->dir = std::filesystem::temp_directory_path() / ("flow_test_" + std::to_string(::getpid()));
  auto files = ensure_self_signed(s->dir, "confab.test");
  EXPECT_TRUE(files) << (files ? "" : files.error());
  FlowServiceConfig c;
  c.name = "test";
  auto lo = *SocketAddress::parse("127.0.0.1:0");
  c.udp = {lo};
  c.tcp = {lo};
  c.tls = {lo};
  c.tls_files = *files;
  c.idle_timeout = idle;
  c.max_message_size = 100;
  c.framer = line_framer;
  c.starttls = true;
  BindError err;
  std::string tls_error;
  auto core = std::make_unique<EchoCore>(&s->closed);
  s->core = core.get();
  s->service = FlowService::start(c, std::move(core), err, tls_error);
  EXPECT_TRUE(s->service) << err.error.message() << tls_error;
  s->udp_port = port_of(*s->service, "udp ");
  s->tcp_port = port_of(*s->service, "tcp ");
  s->tls_port = port_of(*s->service, "tls ");
  return s;
}

std::string read_line(asio::ip::tcp::socket& s, asio::streambuf& buf) {
  asio::read_until(s, buf, '\n');
  std::istream is(&buf);
  std::string line;
  std::getline(is, line);
  return line;
}

}  // namespace

TEST(FlowService, EchoesUdpDatagramsByAddress) {
  auto s = start();
  asio::io_context io;
  asio::ip::udp::socket u(io, asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  u.send_to(asio::buffer(std::string("hello\n")), {asio::ip::make_address("127.0.0.1"), s->udp_port});
  char buf[64];
  asio::ip::udp::endpoint from;
  std::size_t n = u.receive_from(asio::buffer(buf), from);
  EXPECT_EQ(std::string(buf, n), "echo hello\n");
  EXPECT_EQ(s->service->stats().datagrams_in, 1u);
}

TEST(FlowService, SplitsATcpStreamIntoMessagesAndCanSendOnTheFlowLater) {
  auto s = start();
  asio::io_context io;
  asio::ip::tcp::socket t(io);
  t.connect({asio::ip::make_address("127.0.0.1"), s->tcp_port});
  asio::write(t, asio::buffer(std::string("one\ntw")));
  asio::write(t, asio::buffer(std::string("o\nlater\n")));
  asio::streambuf buf;
  EXPECT_EQ(read_line(t, buf), "echo one");
  EXPECT_EQ(read_line(t, buf), "echo two");
  EXPECT_EQ(read_line(t, buf), "echo later");
  EXPECT_EQ(read_line(t, buf), "ping");  // server-initiated, on the same connection
  t.close();
  for (int i = 0; i < 100 && s->closed == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(s->closed, 1);
}

// A core that holds its output (the XMPP core, committing a round's store
// writes first) is not polled until the round of reads ends; then the
// output and the commands go out in order: the echo before the close.
TEST(FlowService, HeldOutputGoesOutWhenTheRoundOfReadsEnds) {
  auto s = start();
  asio::io_context io;
  asio::ip::tcp::socket a(io), b(io);
  a.connect({asio::ip::make_address("127.0.0.1"), s->tcp_port});
  b.connect({asio::ip::make_address("127.0.0.1"), s->tcp_port});
  asio::write(a, asio::buffer(std::string("hold\nmore\n")));
  asio::write(b, asio::buffer(std::string("hold bye\n")));
  asio::streambuf abuf, bbuf;
  EXPECT_EQ(read_line(a, abuf), "echo hold");
  EXPECT_EQ(read_line(a, abuf), "echo more");
  EXPECT_EQ(read_line(b, bbuf), "echo hold bye");
  std::error_code ec;
  char c;
  b.read_some(asio::buffer(&c, 1), ec);  // then the close the core asked for
  EXPECT_EQ(ec, asio::error::eof);
  EXPECT_GE(s->core->rounds_ended.load(), 1);
  EXPECT_LE(s->core->rounds_ended.load(), 2);
}

TEST(FlowService, ClosesAConnectionThatSendsAnOversizedMessage) {
  auto s = start();
  asio::io_context io;
  asio::ip::tcp::socket t(io);
  t.connect({asio::ip::make_address("127.0.0.1"), s->tcp_port});
  asio::write(t, asio::buffer(std::string(300, 'x')));
  char c;
  std::error_code ec;
  t.read_some(asio::buffer(&c, 1), ec);
  EXPECT_EQ(ec, asio::error::eof);
  EXPECT_EQ(s->service->stats().closed_invalid, 1u);
}

TEST(FlowService, ClosesIdleConnections) {
  auto s = start(std::chrono::milliseconds(200));
  asio::io_context io;
  asio::ip::tcp::socket t(io);
  t.connect({asio::ip::make_address("127.0.0.1"), s->tcp_port});
  char c;
  std::error_code ec;
  auto before = Clock::now();
  t.read_some(asio::buffer(&c, 1), ec);
  EXPECT_EQ(ec, asio::error::eof);
  EXPECT_LT(Clock::now() - before, std::chrono::seconds(3));
  EXPECT_EQ(s->service->stats().closed_idle, 1u);
}

TEST(FlowService, ServesTls12WithTheGeneratedCertificate) {
  auto s = start();
  asio::io_context io;
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.load_verify_file((s->dir / "confab.test.crt").string());  // self-signed: its own CA
  ctx.set_verify_mode(asio::ssl::verify_peer);
  asio::ssl::stream<asio::ip::tcp::socket> t(io, ctx);
  t.set_verify_callback(asio::ssl::host_name_verification("confab.test"));
  t.next_layer().connect({asio::ip::make_address("127.0.0.1"), s->tls_port});
  t.handshake(asio::ssl::stream_base::client);
  asio::write(t, asio::buffer(std::string("secure\n")));
  asio::streambuf buf;
  asio::read_until(t, buf, '\n');
  std::istream is(&buf);
  std::string line;
  std::getline(is, line);
  EXPECT_EQ(line, "echo secure");
}

TEST(FlowService, RefusesTlsOlderThan12) {
  auto s = start();
  asio::io_context io;
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_VERSION);
  SSL_CTX_set_max_proto_version(ctx.native_handle(), TLS1_1_VERSION);
  SSL_CTX_set_security_level(ctx.native_handle(), 0);
  asio::ssl::stream<asio::ip::tcp::socket> t(io, ctx);
  t.next_layer().connect({asio::ip::make_address("127.0.0.1"), s->tls_port});
  std::error_code ec;
  t.handshake(asio::ssl::stream_base::client, ec);
  EXPECT_TRUE(ec);
  for (int i = 0; i < 100 && s->service->stats().tls_handshake_failures == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(s->service->stats().tls_handshake_failures, 1u);
}

TEST(FlowService, UpgradesATcpConnectionToTlsWhenTheCoreAsks) {
  auto s = start();
  asio::io_context io;
  asio::ip::tcp::socket plain(io);
  plain.connect({asio::ip::make_address("127.0.0.1"), s->tcp_port});
  asio::write(plain, asio::buffer(std::string("starttls\n")));
  asio::streambuf buf;
  EXPECT_EQ(read_line(plain, buf), "echo starttls");  // written in the clear, before the handshake
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.load_verify_file((s->dir / "confab.test.crt").string());
  ctx.set_verify_mode(asio::ssl::verify_peer);
  asio::ssl::stream<asio::ip::tcp::socket> t(std::move(plain), ctx);
  t.handshake(asio::ssl::stream_base::client);
  asio::write(t, asio::buffer(std::string("secure\n")));
  asio::streambuf buf2;
  asio::read_until(t, buf2, '\n');
  std::istream is(&buf2);
  std::string line;
  std::getline(is, line);
  EXPECT_EQ(line, "echo secure");
  EXPECT_EQ(s->core->secured.load(), 1);
  EXPECT_EQ(s->core->exporter_bytes.load(), 32u);    // TLS 1.3: tls-exporter channel binding
  EXPECT_EQ(s->core->end_point_bytes.load(), 32u);   // SHA-256 of our certificate
}

TEST(FlowService, ClosesAConnectionWhenTheCoreAsksAfterWritingWhatIsQueued) {
  auto s = start();
  asio::io_context io;
  asio::ip::tcp::socket c(io);
  c.connect({asio::ip::make_address("127.0.0.1"), s->tcp_port});
  asio::write(c, asio::buffer(std::string("bye\n")));
  asio::streambuf buf;
  EXPECT_EQ(read_line(c, buf), "echo bye");
  std::error_code ec;
  char byte;
  c.read_some(asio::buffer(&byte, 1), ec);
  EXPECT_EQ(ec, asio::error::eof);
}

// TLS 1.3 connections lose their OpenSSL object after the handshake and our
// record layer takes over (Tls13Records): OpenSSL's client must not notice —
// not across KeyUpdates either way, not with records bigger than a read,
// and close_notify still ends the stream.
TEST(FlowService, TakesOverTls13RecordsAndStaysCompatibleWithOpenSsl) {
  auto s = start();
  asio::io_context io;
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.load_verify_file((s->dir / "confab.test.crt").string());
  ctx.set_verify_mode(asio::ssl::verify_peer);
  asio::ssl::stream<asio::ip::tcp::socket> t(io, ctx);
  t.next_layer().connect({asio::ip::make_address("127.0.0.1"), s->tls_port});
  t.handshake(asio::ssl::stream_base::client);
  ASSERT_EQ(std::string(SSL_get_version(t.native_handle())), "TLSv1.3");
  asio::streambuf buf;
  auto exchange = [&](const std::string& line) {
    asio::write(t, asio::buffer(line + "\n"));
    asio::read_until(t, buf, '\n');
    std::istream is(&buf);
    std::string got;
    std::getline(is, got);
    return got;
  };
  EXPECT_EQ(exchange("first"), "echo first");
  EXPECT_EQ(s->service->stats().tls_offloaded, 1u);
  for (int i = 0; i < 3; ++i) {
    // The client updates its keys and asks us to update ours (§4.6.3).
    ASSERT_EQ(SSL_key_update(t.native_handle(), SSL_KEY_UPDATE_REQUESTED), 1);
    EXPECT_EQ(exchange("after update " + std::to_string(i)), "echo after update " + std::to_string(i));
  }
  // Many lines in one write: several client records, several of ours back.
  std::string burst;
  for (int i = 0; i < 3000; ++i) burst += "line " + std::to_string(i) + "\n";
  asio::write(t, asio::buffer(burst));
  for (int i = 0; i < 3000; ++i) {
    asio::read_until(t, buf, '\n');
    std::istream is(&buf);
    std::string got;
    std::getline(is, got);
    ASSERT_EQ(got, "echo line " + std::to_string(i));
  }
  std::error_code ec;
  t.shutdown(ec);  // close_notify both ways
  for (int i = 0; i < 100 && s->closed.load() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(s->closed.load(), 1);
  EXPECT_EQ(s->service->stats().closed_invalid, 0u);
}

TEST(FlowService, KeepsOpenSslForTls12) {
  auto s = start();
  asio::io_context io;
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  SSL_CTX_set_max_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  ctx.load_verify_file((s->dir / "confab.test.crt").string());
  ctx.set_verify_mode(asio::ssl::verify_peer);
  asio::ssl::stream<asio::ip::tcp::socket> t(io, ctx);
  t.next_layer().connect({asio::ip::make_address("127.0.0.1"), s->tls_port});
  t.handshake(asio::ssl::stream_base::client);
  asio::write(t, asio::buffer(std::string("twelve\n")));
  asio::streambuf buf;
  asio::read_until(t, buf, '\n');
  std::istream is(&buf);
  std::string line;
  std::getline(is, line);
  EXPECT_EQ(line, "echo twelve");
  EXPECT_EQ(s->service->stats().tls_offloaded, 0u);
}
