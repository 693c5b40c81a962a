// XEP-0363 slots as signed URLs: what the HTTP server can check alone.
#include <gtest/gtest.h>

#include "core/rng.hpp"
#include "xmpp/upload_slot.hpp"

namespace confab::xmpp {
namespace {

const Bytes secret(32, 0x42);

UploadSlot slot() {
  SeededRng rng(1);
  UploadSlot s;
  s.id = new_slot_id(rng);
  s.filename = "très cool.jpg";
  s.size = 23456;
  s.content_type = "image/jpeg";
  s.expires = 1700000300;
  s.owner = "romeo@montague.tld";
  return s;
}

Result<SignedSlot, std::string> from_url(const std::string& url) {
  const auto path = url.substr(url.find('/', 8));
  auto t = http::parse_origin_form(path);
  EXPECT_TRUE(t);
  return slot_from_put_target(*t);
}

TEST(UploadSlot, IdsAre22UnguessableUrlSafeCharacters) {
  SeededRng rng(9);
  const auto a = new_slot_id(rng), b = new_slot_id(rng);
  EXPECT_EQ(a.size(), 22u);
  EXPECT_NE(a, b);
  EXPECT_TRUE(valid_slot_id(a));
  EXPECT_FALSE(valid_slot_id("short"));
  EXPECT_FALSE(valid_slot_id(std::string(21, 'a') + "/"));
}

TEST(UploadSlot, TheGetUrlIsThePathAndThePutUrlAddsTheSignedFields) {
  const UploadSlot s = slot();
  const std::string get = slot_get_url("https://example.org:5443", s);
  EXPECT_EQ(get, "https://example.org:5443/upload/" + s.id + "/tr%C3%A8s%20cool.jpg");
  const std::string put = slot_put_url("https://example.org:5443", s, secret);
  EXPECT_EQ(put.rfind(get + "?size=23456&type=image%2Fjpeg&exp=1700000300&owner=romeo%40montague.tld&sig=", 0), 0u);
}

TEST(UploadSlot, APutUrlReadBackVerifiesWithTheSecret) {
  const UploadSlot s = slot();
  auto back = from_url(slot_put_url("https://h", s, secret));
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(back->slot.id, s.id);
  EXPECT_EQ(back->slot.filename, s.filename);
  EXPECT_EQ(back->slot.size, s.size);
  EXPECT_EQ(back->slot.content_type, s.content_type);
  EXPECT_EQ(back->slot.owner, s.owner);
  EXPECT_TRUE(verify_slot_signature(back->slot, secret, back->signature));
  EXPECT_FALSE(verify_slot_signature(back->slot, Bytes(32, 0x43), back->signature));
}

TEST(UploadSlot, ChangingAnySignedFieldBreaksTheSignature) {
  const UploadSlot s = slot();
  const std::string sig = slot_signature(s, secret);
  auto changed = [&](auto mutate) {
    UploadSlot t = s;
    mutate(t);
    return verify_slot_signature(t, secret, sig);
  };
  EXPECT_TRUE(changed([](UploadSlot&) {}));
  EXPECT_FALSE(changed([](UploadSlot& t) { t.size += 1; }));
  EXPECT_FALSE(changed([](UploadSlot& t) { t.expires += 3600; }));
  EXPECT_FALSE(changed([](UploadSlot& t) { t.owner = "juliet@capulet.tld"; }));
  EXPECT_FALSE(changed([](UploadSlot& t) { t.content_type = "text/html"; }));
  EXPECT_FALSE(changed([](UploadSlot& t) { t.filename = "x.jpg"; }));
  EXPECT_FALSE(changed([](UploadSlot& t) { t.id[0] = t.id[0] == 'A' ? 'B' : 'A'; }));
  EXPECT_FALSE(verify_slot_signature(s, secret, sig.substr(1)));
  EXPECT_FALSE(verify_slot_signature(s, secret, ""));
}

TEST(UploadSlot, PutTargetsWithoutTheirFieldsAreRefused) {
  const UploadSlot s = slot();
  const std::string get = slot_get_url("https://h", s);
  EXPECT_FALSE(from_url(get));
  EXPECT_FALSE(from_url(get + "?size=1&exp=2&owner=a"));
  EXPECT_FALSE(from_url(get + "?size=x&exp=2&owner=a&sig=s"));
  EXPECT_FALSE(from_url(get + "?size=01&exp=2&owner=a&sig=s"));
  auto t = http::parse_origin_form("/other/" + s.id + "/a?size=1&exp=2&owner=a&sig=s");
  EXPECT_FALSE(slot_from_put_target(*t));
}

TEST(UploadSlot, FilenamesThatCouldEscapeTheirDirectoryAreRefused) {
  EXPECT_FALSE(check_upload_filename("photo.jpg"));
  EXPECT_FALSE(check_upload_filename("très cool.jpg"));
  EXPECT_FALSE(check_upload_filename(".hidden"));
  for (std::string bad : {std::string(""), std::string("."), std::string(".."), std::string("a/b"),
                          std::string("a\\b"), std::string("a\nb"), std::string("a\0b", 3), std::string("\xff.jpg"),
                          std::string(201, 'a')})
    EXPECT_TRUE(check_upload_filename(bad)) << bad;
}

TEST(UploadSlot, ContentTypesAreTypeSlashSubtype) {
  EXPECT_TRUE(valid_content_type("image/jpeg"));
  EXPECT_TRUE(valid_content_type("text/plain; charset=utf-8"));
  EXPECT_TRUE(valid_content_type("application/vnd.ms-excel"));
  EXPECT_FALSE(valid_content_type("jpeg"));
  EXPECT_FALSE(valid_content_type("image/"));
  EXPECT_FALSE(valid_content_type("/jpeg"));
  EXPECT_FALSE(valid_content_type("image/jpeg\r\nX: y"));
  EXPECT_FALSE(valid_content_type("ima ge/jpeg"));
}

}  // namespace
}  // namespace confab::xmpp
