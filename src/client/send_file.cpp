#include "client/send_file.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "client/exit_codes.hpp"
#include "client/upload_put.hpp"
#include "xmpp/data_form.hpp"
#include "xmpp/im_namespaces.hpp"
#include "xmpp/jid.hpp"
#include "xmpp/namespaces.hpp"
#include "xmpp/upload_slot.hpp"
#include "xmpp/xml_builder.hpp"

namespace confab::client {

namespace {

using xmpp::Builder;
using xmpp::Element;
namespace ns = xmpp::ns;
constexpr std::string_view oob_ns = "jabber:x:oob";  // XEP-0066

std::string client_ns() { return std::string(ns::client); }

bool is_reply_to(const Element& e, const std::string& id) {
  return e.is("iq", ns::client) && e.attribute("id").value_or("") == id &&
         (e.attribute("type") == "result" || e.attribute("type") == "error");
}

// "not-acceptable (File too large...)" from a stanza's <error/>.
std::string error_of(const Element& e) {
  const Element* err = e.child("error");
  if (!err) return "error";
  std::string out;
  for (const Element* c : err->elements())
    if (c->ns == ns::stanza_errors && c->name != "text") out = c->name;
  if (auto text = err->child_text("text", ns::stanza_errors); text && !text->empty()) out += " (" + *text + ")";
  return out.empty() ? "error" : out;
}

std::optional<Element> iq_get(XmppConnection& c, const std::string& to, Element payload, int timeout) {
  const std::string id = c.session().next_id();
  Element iq("iq", client_ns());
  iq.set_attribute("type", "get");
  iq.set_attribute("id", id);
  iq.set_attribute("to", to);
  iq.add_child(std::move(payload));
  return c.request(iq, [&](const Element& e) { return is_reply_to(e, id); }, std::chrono::seconds(timeout));
}

struct UploadService {
  std::string jid;
  std::optional<std::uint64_t> max_file_size;
};

// XEP-0363 §2: the server's items, and the server itself, asked for
// identity store/file with the upload feature.
std::optional<UploadService> discover(XmppConnection& c, const std::string& domain, int timeout) {
  std::vector<std::string> candidates;
  if (auto items = iq_get(c, domain, Element("query", std::string(ns::disco_items)), timeout);
      items && items->attribute("type") == "result")
    if (const Element* q = items->child("query", ns::disco_items))
      for (const Element* item : q->elements())
        if (auto jid = item->attribute("jid"); jid && !item->attribute("node")) candidates.emplace_back(*jid);
  candidates.push_back(domain);
  for (const std::string& jid : candidates) {
    auto info = iq_get(c, jid, Element("query", std::string(ns::disco_info)), timeout);
    if (!info || info->attribute("type") != "result") continue;
    const Element* q = info->child("query", ns::disco_info);
    if (!q) continue;
    bool store = false, feature = false;
    std::optional<std::uint64_t> max;
    for (const Element* e : q->elements()) {
      if (e->is("identity", ns::disco_info) && e->attribute("category") == "store" && e->attribute("type") == "file")
        store = true;
      if (e->is("feature", ns::disco_info) && e->attribute("var") == xmpp::upload_ns) feature = true;
      if (e->name == "x") {
        auto form = xmpp::parse_data_form(*e);
        if (!form || form->form_type() != xmpp::upload_ns) continue;
        if (auto v = form->value("max-file-size")) {
          try {
            max = std::stoull(*v);
          } catch (const std::exception&) {
          }
        }
      }
    }
    if (store && feature) return UploadService{jid, max};
  }
  return std::nullopt;
}

std::string guess_content_type(const std::string& file) {
  static const std::pair<const char*, const char*> table[] = {
      {".jpg", "image/jpeg"},  {".jpeg", "image/jpeg"},      {".png", "image/png"},         {".gif", "image/gif"},
      {".webp", "image/webp"}, {".heic", "image/heic"},       {".svg", "image/svg+xml"},     {".txt", "text/plain"},
      {".pdf", "application/pdf"}, {".zip", "application/zip"}, {".mp3", "audio/mpeg"},   {".m4a", "audio/mp4"},
      {".ogg", "audio/ogg"},   {".opus", "audio/ogg"},        {".wav", "audio/wav"},         {".mp4", "video/mp4"},
      {".mov", "video/quicktime"}, {".webm", "video/webm"},   {".html", "text/html"},        {".json", "application/json"}};
  std::string ext = std::filesystem::path(file).extension().string();
  for (auto& ch : ext) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  for (const auto& [e, t] : table)
    if (ext == e) return t;
  return "application/octet-stream";
}

std::string human_bytes(double b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (b >= 1024 && u < 4) {
    b /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", b, units[u]);
  return buf;
}

// A bar redrawn in place on a terminal; a line at each quarter otherwise.
class Progress {
 public:
  Progress(bool enabled, bool tty) : enabled_(enabled), tty_(tty), start_(Clock::now()) {}
  void update(std::uint64_t sent, std::uint64_t total) {
    if (!enabled_) return;
    const double secs = std::chrono::duration<double>(Clock::now() - start_).count();
    const double rate = secs > 0 ? static_cast<double>(sent) / secs : 0;
    const int pct = total == 0 ? 100 : static_cast<int>(sent * 100 / total);
    if (tty_) {
      const Instant now = Clock::now();
      if (sent != total && now - last_draw_ < std::chrono::milliseconds(100)) return;
      last_draw_ = now;
      constexpr int width = 30;
      std::string bar(static_cast<std::size_t>(pct * width / 100), '#');
      bar.resize(width, ' ');
      std::fprintf(stderr, "\r%3d%% [%s] %s / %s  %s/s ", pct, bar.c_str(), human_bytes(static_cast<double>(sent)).c_str(),
                   human_bytes(static_cast<double>(total)).c_str(), human_bytes(rate).c_str());
      if (sent == total) std::fprintf(stderr, "\n");
    } else if (pct >= next_line_pct_) {
      std::fprintf(stderr, "uploaded %d%% (%llu of %llu bytes, %s/s)\n", pct, static_cast<unsigned long long>(sent),
                   static_cast<unsigned long long>(total), human_bytes(rate).c_str());
      while (next_line_pct_ <= pct) next_line_pct_ += 25;
    }
    std::fflush(stderr);
  }

 private:
  bool enabled_, tty_;
  Instant start_, last_draw_{};
  int next_line_pct_ = 0;
};

}  // namespace

int run_send_file(const SendFileOptions& o) {
  const std::string cmd = "send-file";
  auto to = xmpp::Jid::parse(o.to);
  if (!to) {
    std::fprintf(stderr, "%s: \"%s\" is not a JID: %s\n", cmd.c_str(), o.to.c_str(), to.error().message.c_str());
    return exit_usage;
  }
  struct stat st {};
  if (::stat(o.file.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || ::access(o.file.c_str(), R_OK) != 0) {
    std::fprintf(stderr, "%s: %s is not a readable file\n", cmd.c_str(), o.file.c_str());
    return exit_usage;
  }
  const auto size = static_cast<std::uint64_t>(st.st_size);
  const std::string filename = std::filesystem::path(o.file).filename().string();
  if (auto why = xmpp::check_upload_filename(filename)) {
    std::fprintf(stderr, "%s: cannot upload a file named like that: %s\n", cmd.c_str(), why->c_str());
    return exit_usage;
  }
  const std::string content_type = o.content_type.empty() ? guess_content_type(o.file) : o.content_type;

  int code = exit_ok;
  auto c = XmppConnection::open(cmd, o.account, code);
  if (!c) return code;
  const int t = o.account.timeout;
  auto fail = [&](int exit_code, const std::string& why) {
    std::fprintf(stderr, "%s: %s\n", cmd.c_str(), why.c_str());
    c->close();
    return exit_code;
  };
  const std::string domain = c->session().jid().domain();
  auto service = discover(*c, domain, t);
  if (!service) return fail(exit_protocol, domain + " offers no HTTP file upload (XEP-0363)");
  if (service->max_file_size && size > *service->max_file_size)
    return fail(exit_protocol, "the file is " + std::to_string(size) + " bytes; " + service->jid + " takes at most " +
                                   std::to_string(*service->max_file_size));

  // §4: the slot.
  Element request("request", std::string(xmpp::upload_ns));
  request.set_attribute("filename", filename);
  request.set_attribute("size", std::to_string(size));
  request.set_attribute("content-type", content_type);
  auto slot = iq_get(*c, service->jid, std::move(request), t);
  if (!slot) return fail(exit_unreachable, "no answer to the slot request");
  if (slot->attribute("type") != "result") return fail(exit_protocol, service->jid + " refused a slot: " + error_of(*slot));
  const Element* s = slot->child("slot", xmpp::upload_ns);
  const Element* put = s ? s->child("put", xmpp::upload_ns) : nullptr;
  const Element* get = s ? s->child("get", xmpp::upload_ns) : nullptr;
  if (!put || !get || !put->attribute("url") || !get->attribute("url"))
    return fail(exit_protocol, "the slot lacks its PUT or GET URL");
  const std::string get_url(*get->attribute("url"));
  auto put_url = parse_https_url(std::string(*put->attribute("url")));
  if (!put_url) return fail(exit_protocol, "the PUT URL is not an https:// URL");

  PutRequest rq;
  rq.url = *put_url;
  // --server names where the domain is reached: its upload URLs too.
  if (!o.account.server.empty() && put_url->host == domain) {
    std::string host = o.account.server;
    if (auto colon = host.rfind(':'); colon != std::string::npos && host.find(']') == std::string::npos &&
                                      host.find(':') == colon)
      host.resize(colon);
    rq.connect_to = host + ":" + std::to_string(put_url->port);
  }
  rq.file = o.file;
  rq.size = size;
  rq.content_type = content_type;
  for (const Element* h : put->elements()) {
    const std::string name(h->attribute("name").value_or(""));
    // §4: only these may be passed on; a value may not break the header.
    if ((name == "Authorization" || name == "Cookie" || name == "Expires") &&
        h->text().find_first_of("\r\n") == std::string::npos)
      rq.headers.emplace_back(name, h->text());
  }
  rq.ca_file = o.account.ca_file;
  rq.verify = !o.account.insecure;
  rq.timeout = std::max(t, 30);
  Progress bar(o.progress && !o.account.json, ::isatty(STDERR_FILENO) == 1);
  const Instant started = Clock::now();
  PutResult r = https_put(rq, [&](std::uint64_t sent, std::uint64_t total) { bar.update(sent, total); });
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  if (!r.error.empty()) return fail(r.unreachable ? exit_unreachable : exit_protocol, "upload failed: " + r.error);

  // The URL in the body (what XEP-0363 §3 expects clients to send) and as
  // XEP-0066 out-of-band data, which makes Conversations, Dino, Gajim and
  // Monal show it inline.
  const std::string id = c->session().next_id();
  Element msg = Builder("message", client_ns())
                    .attr("to", to->str())
                    .attr("type", "chat")
                    .attr("id", id)
                    .tag("body")
                    .text(get_url)
                    .up()
                    .tag("x", std::string(oob_ns))
                    .tag("url")
                    .text(get_url)
                    .up()
                    .up()
                    .build();
  c->session().send(msg);
  std::optional<std::string> bounced;
  const std::string ping_id = c->session().next_id();
  auto reply = c->request(
      Builder("iq", client_ns()).attr("type", "get").attr("id", ping_id).tag("ping", std::string(ns::ping)).build(),
      [&](const Element& e) { return is_reply_to(e, ping_id); }, std::chrono::seconds(t),
      [&](const Element& e) {
        if (e.is("message", ns::client) && e.attribute("type") == "error" && e.attribute("id") == id) bounced = error_of(e);
      });
  c->pump(std::chrono::milliseconds(50));
  while (auto e = c->session().poll_stanza())
    if (e->is("message", ns::client) && e->attribute("type") == "error" && e->attribute("id") == id) bounced = error_of(*e);
  c->close();
  if (bounced) {
    std::fprintf(stderr, "%s: uploaded, but the message to %s bounced: %s\n", cmd.c_str(), to->str().c_str(),
                 bounced->c_str());
    return exit_protocol;
  }
  if (!reply) {
    std::fprintf(stderr, "%s: uploaded, but no answer from the server after the message (%s)\n", cmd.c_str(),
                 c->last_error().empty() ? "timed out" : c->last_error().c_str());
    return exit_unreachable;
  }
  const double rate = seconds > 0 ? static_cast<double>(size) / seconds : 0;
  if (o.account.json) {
    std::printf("%s\n", nlohmann::json{{"sent", true},
                                       {"to", to->str()},
                                       {"file", filename},
                                       {"size", size},
                                       {"content_type", content_type},
                                       {"url", get_url},
                                       {"service", service->jid},
                                       {"http_status", r.status},
                                       {"seconds", seconds},
                                       {"bytes_per_second", rate}}
                            .dump()
                            .c_str());
  } else {
    std::printf("sent %s (%s) to %s: %s\n", filename.c_str(), human_bytes(static_cast<double>(size)).c_str(),
                to->str().c_str(), get_url.c_str());
  }
  return exit_ok;
}

}  // namespace confab::client
