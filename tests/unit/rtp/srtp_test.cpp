// SRTP through libsrtp2: libsrtp's own known-answer vectors (srtp_validate,
// AES-CM-128 with the RFC 3711 key derivation), round trips, tampering,
// replays and retransmissions.
#include <gtest/gtest.h>

#include "rtp/packet.hpp"
#include "rtp/srtp.hpp"
#include "rtp_test_util.hpp"

namespace confab::rtp {
namespace {

using test::from_hex;

const Bytes key_salt = from_hex("e1f97a0d3e018be0d64fa32c06de4139 0ec675ad498afeebb6960b3aabe6");
const Bytes rtp_plain = from_hex("800f1234decafbadcafebabe abababababababababababababababab");
const Bytes srtp_80 = from_hex(
    "800f1234decafbadcafebabe 4e55dc4ce79978d88ca4d215949d2402 b78d6acc99ea179b8dbb");
const Bytes srtp_32 = from_hex("800f1234decafbadcafebabe 4e55dc4ce79978d88ca4d215949d2402 b78d6acc");
const Bytes rtcp_plain = from_hex("81c8000bcafebabe abababababababababababababababab");
const Bytes srtcp_80 = from_hex(
    "81c8000bcafebabe 7128035be487b9bdbef89041f977a5a8 80000001 993e08cd54d6c1230798");

SrtpContext make(SrtpProfile p, SrtpDirection d, ByteView key) {
  auto c = SrtpContext::create(p, d, key);
  EXPECT_TRUE(c) << (c ? "" : c.error().message());
  return std::move(c).value();
}

Bytes rtp_packet(std::uint16_t seq, std::uint32_t ssrc = 0x11223344) {
  RtpHeader h;
  h.payload_type = 111;
  h.sequence_number = seq;
  h.timestamp = seq * 960u;
  h.ssrc = ssrc;
  const Bytes payload(60, static_cast<std::uint8_t>(seq));
  return serialize(h, payload);
}

TEST(Srtp, ProtectsRtpLikeLibsrtpsKnownAnswer) {
  auto tx = make(SrtpProfile::aes_cm_128_hmac_sha1_80, SrtpDirection::outbound, key_salt);
  Bytes p = rtp_plain;
  auto n = tx.protect_rtp(p);
  ASSERT_TRUE(n) << n.error().message();
  EXPECT_EQ(*n, 38u);
  EXPECT_EQ(p, srtp_80);

  auto rx = make(SrtpProfile::aes_cm_128_hmac_sha1_80, SrtpDirection::inbound, key_salt);
  auto m = rx.unprotect_rtp(p);
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(p, rtp_plain);
}

TEST(Srtp, ProtectsRtcpLikeLibsrtpsKnownAnswer) {
  auto tx = make(SrtpProfile::aes_cm_128_hmac_sha1_80, SrtpDirection::outbound, key_salt);
  Bytes p = rtcp_plain;
  ASSERT_TRUE(tx.protect_rtcp(p));
  EXPECT_EQ(p, srtcp_80);
  auto rx = make(SrtpProfile::aes_cm_128_hmac_sha1_80, SrtpDirection::inbound, key_salt);
  ASSERT_TRUE(rx.unprotect_rtcp(p));
  EXPECT_EQ(p, rtcp_plain);
}

TEST(Srtp, The32BitTagProfileTruncatesTheRtpTagOnly) {
  auto tx = make(SrtpProfile::aes_cm_128_hmac_sha1_32, SrtpDirection::outbound, key_salt);
  Bytes p = rtp_plain;
  ASSERT_TRUE(tx.protect_rtp(p));
  EXPECT_EQ(p, srtp_32);
  Bytes r = rtcp_plain;
  ASSERT_TRUE(tx.protect_rtcp(r));
  EXPECT_EQ(r, srtcp_80);  // SRTCP keeps the 80-bit tag (RFC 4568 §6.2.2)
}

TEST(Srtp, AesGcmMatchesLibsrtpsKnownAnswer) {
  const Bytes gcm_key = from_hex("000102030405060708090a0b0c0d0e0f a0a1a2a3a4a5a6a7a8a9aaab");
  auto tx = make(SrtpProfile::aead_aes_128_gcm, SrtpDirection::outbound, gcm_key);
  Bytes p = rtp_plain;
  ASSERT_TRUE(tx.protect_rtp(p));
  EXPECT_EQ(p, from_hex("800f1234decafbadcafebabe c5002ede04cfdd2eb91159e0880aa06e d2976826f796b201df3131a127e8a392"));
}

TEST(Srtp, AesGcmRoundTrips) {
  const Bytes gcm_key = from_hex("000102030405060708090a0b0c0d0e0f a0a1a2a3a4a5a6a7a8a9aaab");
  auto session_a = SrtpSession::create(SrtpProfile::aead_aes_128_gcm, gcm_key, gcm_key);
  ASSERT_TRUE(session_a) << session_a.error().message();
  Bytes p = rtp_packet(1);
  const Bytes plain = p;
  ASSERT_TRUE(session_a->protect_rtp(p));
  EXPECT_EQ(p.size(), plain.size() + 16);
  ASSERT_TRUE(session_a->unprotect_rtp(p));
  EXPECT_EQ(p, plain);
}

TEST(Srtp, ASessionTalksToItsMirror) {
  const Bytes alice_key(30, 0xA1);
  const Bytes bob_key(30, 0xB0);
  auto alice = SrtpSession::create(SrtpProfile::aes_cm_128_hmac_sha1_80, alice_key, bob_key);
  auto bob = SrtpSession::create(SrtpProfile::aes_cm_128_hmac_sha1_80, bob_key, alice_key);
  ASSERT_TRUE(alice && bob);
  for (std::uint16_t seq = 65530; seq != 5; ++seq) {  // across the rollover
    Bytes p = rtp_packet(seq);
    const Bytes plain = p;
    ASSERT_TRUE(alice->protect_rtp(p));
    EXPECT_NE(p, plain);
    auto r = bob->unprotect_rtp(p);
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(p, plain);
  }
  Bytes rtcp = rtcp_plain;
  ASSERT_TRUE(bob->protect_rtcp(rtcp));
  ASSERT_TRUE(alice->unprotect_rtcp(rtcp));
  EXPECT_EQ(rtcp, rtcp_plain);
}

TEST(Srtp, ATamperedPacketFailsAuthentication) {
  auto tx = make(SrtpProfile::aes_cm_128_hmac_sha1_80, SrtpDirection::outbound, key_salt);
  auto rx = make(SrtpProfile::aes_cm_128_hmac_sha1_80, SrtpDirection::inbound, key_salt);
  Bytes p = rtp_packet(10);
  ASSERT_TRUE(tx.protect_rtp(p));
  p[20] ^= 0x01;
  const std::size_t size = p.size();
  auto r = rx.unprotect_rtp(p);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is_auth_failure());
  EXPECT_EQ(p.size(), size);
  EXPECT_EQ(r.error().message(), "srtp_unprotect: srtp_err_status_auth_fail (authentication failure)");
}

TEST(Srtp, AReplayedPacketIsRejected) {
  auto tx = make(SrtpProfile::aes_cm_128_hmac_sha1_80, SrtpDirection::outbound, key_salt);
  auto rx = make(SrtpProfile::aes_cm_128_hmac_sha1_80, SrtpDirection::inbound, key_salt);
  Bytes p = rtp_packet(10);
  ASSERT_TRUE(tx.protect_rtp(p));
  Bytes copy = p;
  ASSERT_TRUE(rx.unprotect_rtp(p));
  auto r = rx.unprotect_rtp(copy);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is_replay());
  EXPECT_NE(r.error().message().find("srtp_err_status_replay_fail"), std::string::npos);
}

TEST(Srtp, AResentPacketProtectsToTheSameBytes) {
  // What a NACK answer does (nack.hpp): the same packet, the same index.
  auto tx = make(SrtpProfile::aes_cm_128_hmac_sha1_80, SrtpDirection::outbound, key_salt);
  auto rx = make(SrtpProfile::aes_cm_128_hmac_sha1_80, SrtpDirection::inbound, key_salt);
  Bytes first = rtp_packet(10);
  Bytes lost = rtp_packet(11);
  Bytes third = rtp_packet(12);
  Bytes resent = lost;
  ASSERT_TRUE(tx.protect_rtp(first));
  ASSERT_TRUE(tx.protect_rtp(lost));
  ASSERT_TRUE(tx.protect_rtp(third));
  auto again = tx.protect_rtp(resent);
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_EQ(resent, lost);
  ASSERT_TRUE(rx.unprotect_rtp(first));
  ASSERT_TRUE(rx.unprotect_rtp(third));
  ASSERT_TRUE(rx.unprotect_rtp(resent));  // late but inside the replay window
}

TEST(Srtp, RejectsAKeyOfTheWrongLength) {
  auto c = SrtpContext::create(SrtpProfile::aes_cm_128_hmac_sha1_80, SrtpDirection::outbound, Bytes(16, 1));
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().message(),
            "key length: AES_CM_128_HMAC_SHA1_80 needs 30 bytes of master key and salt, got 16");
  EXPECT_FALSE(SrtpContext::create(SrtpProfile::aead_aes_128_gcm, SrtpDirection::inbound, Bytes(30, 1)));
}

TEST(Srtp, AContextOnlyWorksInItsDirection) {
  auto rx = make(SrtpProfile::aes_cm_128_hmac_sha1_80, SrtpDirection::inbound, key_salt);
  Bytes p = rtp_packet(1);
  auto r = rx.protect_rtp(p);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().status, 0);
  EXPECT_EQ(p, rtp_packet(1));
}

TEST(Srtp, GarbageIsAnErrorNotACrash) {
  auto rx = make(SrtpProfile::aes_cm_128_hmac_sha1_80, SrtpDirection::inbound, key_salt);
  Bytes tiny = from_hex("80 00 01");
  EXPECT_FALSE(rx.unprotect_rtp(tiny));
  Bytes empty;
  EXPECT_FALSE(rx.unprotect_rtcp(empty));
}

TEST(SrtpProfiles, NamesFollowRfc4568AndDtlsIds) {
  EXPECT_EQ(sdes_name(SrtpProfile::aes_cm_128_hmac_sha1_32), "AES_CM_128_HMAC_SHA1_32");
  EXPECT_EQ(srtp_profile_from_sdes_name("AEAD_AES_128_GCM"), SrtpProfile::aead_aes_128_gcm);
  EXPECT_FALSE(srtp_profile_from_sdes_name("F8_128_HMAC_SHA1_80"));
  EXPECT_EQ(dtls_srtp_profile_id(SrtpProfile::aes_cm_128_hmac_sha1_80), 0x0001);
  EXPECT_EQ(master_key_salt_length(SrtpProfile::aead_aes_128_gcm), 28u);
  EXPECT_EQ(srtp_status_name(9), "srtp_err_status_replay_fail");
  EXPECT_EQ(srtp_status_name(99), "srtp_err_status_unknown");
}

}  // namespace
}  // namespace confab::rtp
