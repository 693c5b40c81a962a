// RFC 6762 §10: TTLs, goodbyes and cache-flush, on the cache alone.
#include <gtest/gtest.h>

#include "mdns/cache.hpp"

namespace confab::mdns {
namespace {

const Name host = Name::parse("h.local");
const Instant t0 = Instant{} + 1000s;

Record a(std::uint8_t last, std::uint32_t ttl = 120, bool flush = true) {
  return Record{host, type::a, class_in, flush, ttl, ARecord{{192, 0, 2, last}}};
}

TEST(Cache, ARecordLivesForItsTtl) {
  Cache c;
  const Record r = a(1);
  c.insert(t0, {&r}, 1);
  EXPECT_FALSE(c.expire(t0 + 119s));
  EXPECT_EQ(c.find(host, type::a).size(), 1u);
  EXPECT_TRUE(c.expire(t0 + 120s));
  EXPECT_TRUE(c.find(host, type::a).empty());
}

TEST(Cache, AGoodbyeRemovesTheRecordOneSecondLater) {
  Cache c;
  const Record r = a(1);
  c.insert(t0, {&r}, 1);
  const Record bye = a(1, 0);
  c.insert(t0 + 10s, {&bye}, 1);
  EXPECT_FALSE(c.expire(t0 + 10s + 999ms));
  EXPECT_TRUE(c.expire(t0 + 11s));
}

TEST(Cache, CacheFlushReplacesOlderMembersOfTheSetButNotItsOwnPacket) {
  Cache c;
  const Record old1 = a(1), old2 = a(2);
  c.insert(t0, {&old1, &old2}, 1);
  // Five seconds later the host says its address set is {.2, .3}.
  const Record keep = a(2), added = a(3);
  c.insert(t0 + 5s, {&keep, &added}, 1);
  c.expire(t0 + 6s);
  std::vector<std::uint8_t> left;
  for (const auto* e : c.find(host, type::a)) left.push_back(std::get<ARecord>(e->record.data).address[3]);
  std::sort(left.begin(), left.end());
  EXPECT_EQ(left, (std::vector<std::uint8_t>{2, 3}));
}

TEST(Cache, RecordsWithoutCacheFlushAccumulate) {
  Cache c;
  const Record p1{Name::parse("_presence._tcp.local"), type::ptr, class_in, false, 4500, PtrRecord{Name::parse("a._presence._tcp.local")}};
  const Record p2{Name::parse("_presence._tcp.local"), type::ptr, class_in, false, 4500, PtrRecord{Name::parse("b._presence._tcp.local")}};
  c.insert(t0, {&p1}, 1);
  c.insert(t0 + 5s, {&p2}, 1);
  c.expire(t0 + 10s);
  EXPECT_EQ(c.find(Name::parse("_presence._tcp.local"), type::ptr).size(), 2u);
}

TEST(Cache, IsBoundedInSize) {
  Cache c(10);
  std::vector<Record> many;
  for (int i = 0; i < 50; ++i)
    many.push_back({Name({"n" + std::to_string(i), "local"}), type::a, class_in, true, 120, ARecord{}});
  std::vector<const Record*> ptrs;
  for (const auto& r : many) ptrs.push_back(&r);
  c.insert(t0, ptrs, 1);
  EXPECT_EQ(c.entries().size(), 10u);
}

}  // namespace
}  // namespace confab::mdns
