// Message storage, header lookup and editing, typed accessors.
#include "sip/message.hpp"

#include <algorithm>

#include "sip/lex.hpp"

namespace confab::sip {
namespace {

template <class T>
std::optional<T> ok(Result<T, DecodeError>&& r) {
  if (!r) return std::nullopt;
  return std::move(*r);
}

}  // namespace

std::string_view Message::intern(std::string_view s) {
  if (s.empty()) return {};
  return adopt(std::string(s));
}

std::string_view Message::adopt(std::string&& bytes) {
  auto owned = std::make_shared<const std::string>(std::move(bytes));
  std::string_view view = *owned;
  storage_.push_back(std::move(owned));
  return view;
}

const Header* Message::find(HeaderId id) const {
  for (const Header& h : headers)
    if (h.id == id) return &h;
  return nullptr;
}

const Header* Message::find(std::string_view name) const {
  const HeaderId id = header_id(name);
  if (id != HeaderId::other) return find(id);
  for (const Header& h : headers)
    if (h.id == HeaderId::other && lex::iequals(h.name, name)) return &h;
  return nullptr;
}

std::size_t Message::count(HeaderId id) const {
  return static_cast<std::size_t>(std::count_if(headers.begin(), headers.end(), [id](const Header& h) { return h.id == id; }));
}

std::optional<std::string_view> Message::value(HeaderId id) const {
  const Header* h = find(id);
  if (h == nullptr) return std::nullopt;
  return h->value;
}

std::vector<std::string_view> Message::values(HeaderId id) const {
  std::vector<std::string_view> out;
  for (const Header& h : headers) {
    if (h.id != id) continue;
    if (!is_list_header(id)) {
      out.push_back(h.value);
      continue;
    }
    if (auto items = split_list(h.value))
      for (const ListItem& item : *items) out.push_back(item.text);
  }
  return out;
}

void Message::prepend(HeaderId id, std::string_view value) {
  auto at = std::find_if(headers.begin(), headers.end(), [id](const Header& h) { return h.id == id; });
  if (at == headers.end()) at = headers.begin();
  headers.insert(at, Header{id, header_name(id), intern(value), 0});
}

void Message::append(HeaderId id, std::string_view value) {
  headers.push_back(Header{id, header_name(id), intern(value), 0});
}

void Message::append(std::string_view name, std::string_view value) {
  const HeaderId id = header_id(name);
  if (id != HeaderId::other) return append(id, value);
  headers.push_back(Header{id, intern(name), intern(value), 0});
}

std::size_t Message::remove(HeaderId id) {
  return static_cast<std::size_t>(std::erase_if(headers, [id](const Header& h) { return h.id == id; }));
}

bool Message::remove_first(HeaderId id) {
  auto at = std::find_if(headers.begin(), headers.end(), [id](const Header& h) { return h.id == id; });
  if (at == headers.end()) return false;
  headers.erase(at);
  return true;
}

void Message::set(HeaderId id, std::string_view value) {
  auto at = std::find_if(headers.begin(), headers.end(), [id](const Header& h) { return h.id == id; });
  if (at == headers.end()) return append(id, value);
  at->value = intern(value);
  at->name = header_name(id);
  std::size_t seen = 0;
  std::erase_if(headers, [&](const Header& h) { return h.id == id && seen++ != 0; });
}

void Message::set_body(std::string_view new_body, std::string_view content_type) {
  body = intern(new_body);
  if (new_body.empty()) {
    remove(HeaderId::content_type);
  } else {
    set(HeaderId::content_type, content_type);
  }
  set(HeaderId::content_length, std::to_string(new_body.size()));
}

std::optional<Uri> Message::uri() const {
  if (!is_request()) return std::nullopt;
  return ok(parse_uri(request_uri));
}

std::vector<Via> Message::vias() const {
  std::vector<Via> out;
  for (const Header& h : headers) {
    if (h.id != HeaderId::via) continue;
    if (auto v = parse_via(h.value)) {
      for (Via& one : *v) out.push_back(std::move(one));
    }
  }
  return out;
}

std::optional<Via> Message::top_via() const {
  const Header* h = find(HeaderId::via);
  if (h == nullptr) return std::nullopt;
  auto v = parse_via(h->value);
  if (!v || v->empty()) return std::nullopt;
  return std::move(v->front());
}

std::optional<NameAddr> Message::from() const {
  auto v = value(HeaderId::from);
  return v ? ok(parse_address(*v)) : std::nullopt;
}

std::optional<NameAddr> Message::to() const {
  auto v = value(HeaderId::to);
  return v ? ok(parse_address(*v)) : std::nullopt;
}

std::optional<std::string_view> Message::call_id() const {
  auto v = value(HeaderId::call_id);
  return v ? ok(parse_call_id(*v)) : std::nullopt;
}

std::optional<CSeq> Message::cseq() const {
  auto v = value(HeaderId::cseq);
  return v ? ok(parse_cseq(*v)) : std::nullopt;
}

std::optional<std::uint8_t> Message::max_forwards() const {
  auto v = value(HeaderId::max_forwards);
  if (!v) return std::nullopt;
  auto n = ok(parse_number(*v, 255));
  return n ? std::optional(static_cast<std::uint8_t>(*n)) : std::nullopt;
}

std::optional<std::uint32_t> Message::expires() const {
  auto v = value(HeaderId::expires);
  if (!v) return std::nullopt;
  auto n = ok(parse_number(*v, 0xFFFFFFFFu));
  return n ? std::optional(static_cast<std::uint32_t>(*n)) : std::nullopt;
}

std::optional<std::size_t> Message::content_length() const {
  auto v = value(HeaderId::content_length);
  if (!v) return std::nullopt;
  auto n = ok(parse_number(*v, 0xFFFFFFFFu));
  return n ? std::optional(static_cast<std::size_t>(*n)) : std::nullopt;
}

std::optional<MediaType> Message::content_type() const {
  auto v = value(HeaderId::content_type);
  return v ? ok(parse_media_type(*v)) : std::nullopt;
}

std::optional<ContactList> Message::contact() const {
  std::optional<ContactList> out;
  for (const Header& h : headers) {
    if (h.id != HeaderId::contact) continue;
    auto c = parse_contact(h.value);
    if (!c) continue;
    if (!out) out.emplace();
    out->star = out->star || c->star;
    for (NameAddr& na : c->contacts) out->contacts.push_back(std::move(na));
  }
  return out;
}

std::vector<NameAddr> Message::routes(HeaderId id) const {
  std::vector<NameAddr> out;
  for (const Header& h : headers) {
    if (h.id != id) continue;
    if (auto r = parse_route(h.value))
      for (NameAddr& na : *r) out.push_back(std::move(na));
  }
  return out;
}

std::vector<std::string_view> Message::tokens(HeaderId id) const {
  std::vector<std::string_view> out;
  for (const Header& h : headers) {
    if (h.id != id) continue;
    if (auto t = parse_token_list(h.value)) out.insert(out.end(), t->begin(), t->end());
  }
  return out;
}

bool Message::decrement_max_forwards() {
  auto mf = max_forwards();
  if (!mf) {
    set(HeaderId::max_forwards, "70");  // RFC 3261 §16.6 item 3: add one, of 70
    return true;
  }
  if (*mf == 0) return false;
  set(HeaderId::max_forwards, std::to_string(*mf - 1));
  return true;
}

std::vector<HeaderId> missing_required(const Message& m) {
  std::vector<HeaderId> out;
  for (HeaderId id : {HeaderId::to, HeaderId::from, HeaderId::cseq, HeaderId::call_id, HeaderId::via})
    if (m.find(id) == nullptr) out.push_back(id);
  if (m.is_request() && m.find(HeaderId::max_forwards) == nullptr) out.push_back(HeaderId::max_forwards);
  return out;
}

std::vector<HeaderId> duplicated_single_valued(const Message& m) {
  std::vector<HeaderId> out;
  for (HeaderId id : {HeaderId::to, HeaderId::from, HeaderId::cseq, HeaderId::call_id, HeaderId::max_forwards,
                      HeaderId::content_length, HeaderId::content_type, HeaderId::expires, HeaderId::min_expires})
    if (m.count(id) > 1) out.push_back(id);
  return out;
}

}  // namespace confab::sip
