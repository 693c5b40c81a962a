// XEP-0115 §5: the verification string, its hash, and the server's cache.
#include "xmpp/caps.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <tuple>

#include "core/base64.hpp"
#include "xmpp/data_form.hpp"
#include "xmpp/im_namespaces.hpp"
#include "xmpp/muc_namespaces.hpp"
#include "xmpp/namespaces.hpp"

namespace confab::xmpp {

namespace {

std::string key_of(const Caps& c) { return c.hash + ":" + c.ver; }

}  // namespace

std::optional<Caps> caps_of(const Element& presence) {
  const Element* c = presence.child("c", ns::caps);
  if (!c) return std::nullopt;
  Caps caps{std::string(c->attribute("hash").value_or("")), std::string(c->attribute("node").value_or("")),
            std::string(c->attribute("ver").value_or(""))};
  if (caps.ver.empty() || caps.node.empty()) return std::nullopt;
  return caps;
}

Element caps_element(const Caps& caps) {
  Element c("c", std::string(ns::caps));
  c.set_attribute("hash", caps.hash);
  c.set_attribute("node", caps.node);
  c.set_attribute("ver", caps.ver);
  return c;
}

Result<std::string, std::string> verification_string(const Element& query) {
  using Identity = std::tuple<std::string, std::string, std::string, std::string>;  // category, type, lang, name
  std::vector<Identity> identities;
  std::vector<std::string> features;
  std::vector<std::pair<std::string, const DataForm*>> forms;
  std::vector<DataForm> parsed;
  parsed.reserve(query.elements().size());
  for (const Element* e : query.elements()) {
    if (e->is("identity", ns::disco_info)) {
      identities.emplace_back(std::string(e->attribute("category").value_or("")),
                              std::string(e->attribute("type").value_or("")),
                              std::string(e->attribute("lang", ns::xml).value_or("")),
                              std::string(e->attribute("name").value_or("")));
    } else if (e->is("feature", ns::disco_info)) {
      features.emplace_back(e->attribute("var").value_or(""));
    } else if (e->is("x", ns::data_forms)) {
      auto form = parse_data_form(*e);
      if (!form) return unexpected("an extended info form: " + form.error());
      parsed.push_back(std::move(*form));
    }
  }
  for (const DataForm& form : parsed) {
    const FormField* type = form.field("FORM_TYPE");
    if (!type) continue;  // §5.4 3.6: ignored
    if (type->type != "hidden") return unexpected("a FORM_TYPE field that is not hidden");
    if (type->values.size() != 1) return unexpected("a FORM_TYPE field without exactly one value");
    forms.emplace_back(type->values.front(), &form);
  }
  std::sort(identities.begin(), identities.end());
  if (std::adjacent_find(identities.begin(), identities.end()) != identities.end())
    return unexpected("two identities alike");
  std::sort(features.begin(), features.end());
  if (std::adjacent_find(features.begin(), features.end()) != features.end()) return unexpected("a feature twice");
  std::sort(forms.begin(), forms.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  if (std::adjacent_find(forms.begin(), forms.end(), [](const auto& a, const auto& b) { return a.first == b.first; }) !=
      forms.end())
    return unexpected("two forms of one FORM_TYPE");

  std::string s;
  for (const auto& [category, type, lang, name] : identities) s += category + "/" + type + "/" + lang + "/" + name + "<";
  for (const std::string& f : features) s += f + "<";
  for (const auto& [form_type, form] : forms) {
    s += form_type + "<";
    std::vector<const FormField*> fields;
    for (const FormField& f : form->fields)
      if (f.var != "FORM_TYPE") fields.push_back(&f);
    std::sort(fields.begin(), fields.end(), [](const FormField* a, const FormField* b) { return a->var < b->var; });
    for (const FormField* f : fields) {
      s += f->var + "<";
      std::vector<std::string> values = f->values;
      std::sort(values.begin(), values.end());
      for (const std::string& v : values) s += v + "<";
    }
  }
  return s;
}

std::optional<std::string> caps_hash(std::string_view hash_name, std::string_view s) {
  const EVP_MD* md = hash_name == "sha-1" ? EVP_sha1() : hash_name == "sha-256" ? EVP_sha256() : nullptr;
  if (!md) return std::nullopt;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(s.data(), s.size(), digest, &size, md, nullptr) != 1) return std::nullopt;
  return base64_encode(ByteView(digest, size));
}

Element caps_for(const Element& query, std::string node) {
  Caps caps{"sha-1", std::move(node), ""};
  if (auto s = verification_string(query))
    if (auto h = caps_hash("sha-1", *s)) caps.ver = *h;
  return caps_element(caps);
}

std::optional<Element> CapsCache::announce(const Jid& full, const Caps& caps, const std::string& domain, Rng& rng) {
  if (caps.hash.empty() || !caps_hash(caps.hash, "")) return std::nullopt;  // legacy or an unknown hash
  const std::string key = key_of(caps);
  ver_of_[full] = key;
  if (features_.count(key)) return std::nullopt;
  for (const auto& [id, p] : pending_)
    if (key_of(p.caps) == key) return std::nullopt;  // asked already; its answer serves everyone
  if (pending_.size() >= config_.max_pending) return std::nullopt;
  const std::string id = "caps" + rng.random_hex(8);
  pending_.emplace(id, Pending{full, caps});
  Element iq("iq", std::string(ns::client));
  iq.set_attribute("from", domain);
  iq.set_attribute("to", full.str());
  iq.set_attribute("type", "get");
  iq.set_attribute("id", id);
  Element query("query", std::string(ns::disco_info));
  query.set_attribute("node", caps.node + "#" + caps.ver);
  iq.add_child(std::move(query));
  return iq;
}

std::optional<std::vector<Jid>> CapsCache::answer(const Element& iq) {
  auto it = pending_.find(std::string(iq.attribute("id").value_or("")));
  if (it == pending_.end()) return std::nullopt;
  // Only the entity asked may answer (a result from elsewhere is not ours).
  auto from = Jid::parse(iq.attribute("from").value_or(""));
  if (!from || *from != it->second.asked) return std::nullopt;
  const Pending p = std::move(it->second);
  pending_.erase(it);
  std::vector<Jid> learned;
  const Element* query = iq.child("query", ns::disco_info);
  if (iq.attribute("type") != "result" || !query) return learned;
  auto s = verification_string(*query);
  if (!s) return learned;
  auto h = caps_hash(p.caps.hash, *s);
  if (!h || *h != p.caps.ver) return learned;  // §5.4 3.8: a mismatch is not cached
  std::vector<std::string> features;
  for (const Element* e : query->elements())
    if (e->is("feature", ns::disco_info)) features.emplace_back(e->attribute("var").value_or(""));
  std::sort(features.begin(), features.end());
  const std::string key = key_of(p.caps);
  if (features_.size() >= config_.max_entries && !order_.empty()) {
    features_.erase(order_.front());
    order_.pop_front();
  }
  features_[key] = std::move(features);
  order_.push_back(key);
  for (const auto& [jid, ver] : ver_of_)
    if (ver == key) learned.push_back(jid);
  return learned;
}

const std::vector<std::string>* CapsCache::features_of(const Jid& full) const {
  auto v = ver_of_.find(full);
  if (v == ver_of_.end()) return nullptr;
  auto f = features_.find(v->second);
  return f == features_.end() ? nullptr : &f->second;
}

bool CapsCache::wants(const Jid& full, std::string_view feature) const {
  const auto* f = features_of(full);
  return f && std::binary_search(f->begin(), f->end(), feature);
}

void CapsCache::forget(const Jid& full) {
  ver_of_.erase(full);
  std::erase_if(pending_, [&](const auto& entry) { return entry.second.asked == full; });
}

}  // namespace confab::xmpp
