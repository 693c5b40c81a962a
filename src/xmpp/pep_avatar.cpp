// XEP-0398 user avatar to vCard-based avatar conversion: one avatar per
// account, whichever way a client sets it.
//
//   XEP-0084 → vCard: a publish to urn:xmpp:avatar:metadata whose <info/>
//   (one without a url, its image in urn:xmpp:avatar:data under the same id)
//   becomes the vCard's PHOTO (TYPE, BINVAL); an empty <metadata/> removes
//   it. The rest of the vCard is kept. A vCard that would grow past
//   max_vcard_bytes is left as it is (the avatar stays PEP-only).
//   vCard → XEP-0084: a stored vCard with a PHOTO publishes its image to the
//   data node (id: the SHA-1 of the image, hex) and then the metadata; no
//   PHOTO publishes an empty <metadata/> when there was an avatar.
//   Presence: the avatar's hash (XEP-0153's, the same SHA-1) goes into the
//   account's available presence as <x xmlns='vcard-temp:x:update'><photo/>,
//   replacing what the client put there, or added when the account has an
//   avatar. Remembered per account (bounded), read from the vCard once.
//
// Conversions go through publish() and the store, so nodes are created as
// any publish makes them and contacts with +notify are told; converting_
// keeps a conversion from being converted back.
#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "core/base64.hpp"
#include "xmpp/pep_service.hpp"
#include "xmpp/xml_stream_parser.hpp"
#include "xmpp/xml_writer.hpp"

namespace confab::xmpp {

namespace {

std::string without_whitespace(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s)
    if (!std::isspace(static_cast<unsigned char>(c))) out += c;
  return out;
}

// The hex SHA-1 of the image `b64` holds (XEP-0084 §4.2 and XEP-0153 §3.2
// both name it so), or nullopt if it is not base64.
std::optional<std::pair<std::string, std::size_t>> image_id(const std::string& b64) {
  auto bytes = base64_decode(b64);
  if (!bytes || bytes->empty()) return std::nullopt;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(bytes->data(), bytes->size(), digest, &size, EVP_sha1(), nullptr) != 1) return std::nullopt;
  std::string hex;
  char two[3];
  for (unsigned int i = 0; i < size; ++i) {
    std::snprintf(two, sizeof two, "%02x", digest[i]);
    hex += two;
  }
  return std::pair{hex, bytes->size()};
}

// The vCard's PHOTO as (type, base64), or nullopt.
std::optional<std::pair<std::string, std::string>> photo_of(const Element& vcard) {
  const Element* photo = vcard.child("PHOTO", vcard_ns);
  if (!photo) return std::nullopt;
  std::string b64 = without_whitespace(photo->child_text("BINVAL", vcard_ns).value_or(""));
  if (b64.empty()) return std::nullopt;
  return std::pair{without_whitespace(photo->child_text("TYPE", vcard_ns).value_or("image/png")), b64};
}

}  // namespace

void PepService::avatar_to_vcard(const IqRequest& r) {
  const Jid owner = r.from.bare();
  auto item = newest_item(owner, std::string(ns::avatar_metadata));
  if (!item) return;
  auto metadata = parse_element(item->payload);
  if (!metadata || !metadata->is("metadata", ns::avatar_metadata)) return;
  std::optional<std::pair<std::string, std::string>> photo;  // type, base64
  std::string hash;
  bool has_info = false;
  for (const Element* info : metadata->elements()) {
    if (!info->is("info", ns::avatar_metadata)) continue;
    has_info = true;
    if (info->attribute("url")) continue;  // stored elsewhere: not ours to copy
    const std::string id(info->attribute("id").value_or(""));
    auto data = store_.pep_items(owner, std::string(ns::avatar_data), config_.max_items);
    if (!data) return;
    auto found = std::find_if(data->begin(), data->end(), [&](const PepItem& d) { return d.id == id; });
    if (found == data->end()) continue;
    auto payload = parse_element(found->payload);
    if (!payload || !payload->is("data", ns::avatar_data)) continue;
    photo = std::pair{std::string(info->attribute("type").value_or("image/png")), without_whitespace(payload->text())};
    hash = id;
    break;
  }
  if (has_info && !photo) return;  // an image this server does not hold: the vCard stays
  auto stored = store_.vcard(owner);
  if (!stored) return;
  Element vcard("vCard", std::string(vcard_ns));
  if (*stored)
    if (auto e = parse_element(**stored); e && e->is("vCard", vcard_ns)) vcard = std::move(*e);
  std::erase_if(vcard.children, [](const Node& n) {
    const Element* e = n.element();
    return e && e->is("PHOTO", vcard_ns);
  });
  if (photo) {
    Element& p = vcard.add_child(Element("PHOTO", std::string(vcard_ns)));
    p.add_child(Element("TYPE", std::string(vcard_ns))).add_text(photo->first);
    p.add_child(Element("BINVAL", std::string(vcard_ns))).add_text(photo->second);
  }
  const std::string xml = serialize(vcard);
  if (xml.size() > config_.max_vcard_bytes) return;
  if (!store_.set_vcard(owner, xml)) return;
  if (avatar_hashes_.size() >= config_.avatar_hashes) avatar_hashes_.clear();
  avatar_hashes_[owner] = hash;
}

void PepService::vcard_set(const IqRequest& r, const Element& vcard) {
  const Jid owner = r.from.bare();
  auto photo = photo_of(vcard);
  std::optional<std::pair<std::string, std::size_t>> id;
  if (photo) id = image_id(photo->second);
  if (avatar_hashes_.size() >= config_.avatar_hashes) avatar_hashes_.clear();
  // A PHOTO that is not base64: its hash is not ours to tell.
  avatar_hashes_[owner] = id ? std::optional(id->first) : photo ? std::nullopt : std::optional<std::string>("");
  if (converting_ || (photo && !id)) return;
  // What the metadata says now: nothing to do if it already says this.
  std::string current;
  if (auto item = newest_item(owner, std::string(ns::avatar_metadata))) {
    if (auto m = parse_element(item->payload))
      if (const Element* info = m->child("info", ns::avatar_metadata)) current = info->attribute("id").value_or("");
  } else if (!id) {
    return;  // no avatar either way
  }
  if ((id ? id->first : "") == current) return;
  converting_ = true;
  if (id) {
    Element data("data", std::string(ns::avatar_data));
    data.add_text(photo->second);
    auto published = publish(r, publish_request(ns::avatar_data, id->first, std::move(data)), nullptr);
    // The metadata only for an image the data node took (not one too big for it).
    if (std::holds_alternative<std::optional<Element>>(published)) {
      Element metadata("metadata", std::string(ns::avatar_metadata));
      Element& info = metadata.add_child(Element("info", std::string(ns::avatar_metadata)));
      info.set_attribute("id", id->first);
      info.set_attribute("bytes", std::to_string(id->second));
      info.set_attribute("type", photo->first);
      publish(r, publish_request(ns::avatar_metadata, id->first, std::move(metadata)), nullptr);
    }
  } else {
    // XEP-0084 §4.5: an empty <metadata/> says there is no avatar.
    publish(r, publish_request(ns::avatar_metadata, "current", Element("metadata", std::string(ns::avatar_metadata))),
            nullptr);
  }
  converting_ = false;
}

std::optional<std::string> PepService::avatar_hash(const Jid& owner) {
  if (auto it = avatar_hashes_.find(owner); it != avatar_hashes_.end()) return it->second;
  std::optional<std::string> hash = "";
  auto stored = store_.vcard(owner);
  if (!stored) return std::nullopt;  // unknown for now: asked again next time
  if (*stored)
    if (auto e = parse_element(**stored))
      if (auto photo = photo_of(*e)) {
        auto id = image_id(photo->second);
        hash = id ? std::optional(id->first) : std::nullopt;
      }
  if (avatar_hashes_.size() >= config_.avatar_hashes) avatar_hashes_.clear();
  avatar_hashes_[owner] = hash;
  return hash;
}

void PepService::presence_outgoing(Instant, const Jid& full, Element& presence) {
  Element* x = presence.child("x", ns::vcard_update);
  const std::optional<std::string> known = avatar_hash(full.bare());
  if (!known) return;  // the server cannot tell: the client's word stands
  const std::string& hash = *known;
  // A client that says nothing of avatars, of an account with none, is left alone.
  if (!x && hash.empty()) return;
  // XEP-0153 §4.2: an empty <x/> says the client is not ready to tell.
  if (x && x->elements().empty() && x->text().empty()) return;
  if (!x) x = &presence.add_child(Element("x", std::string(ns::vcard_update)));
  x->children.clear();
  Element& photo = x->add_child(Element("photo", std::string(ns::vcard_update)));
  if (!hash.empty()) photo.add_text(hash);
}

}  // namespace confab::xmpp
