#pragma once
// An estimated call-quality score from what RTCP reports tell us: one-way
// delay, jitter and loss. ITU-T G.107 E-model, simplified the usual way for
// VoIP monitoring (Cole & Rosenbluth, "Voice over IP performance
// monitoring", ACM CCR 2001):
//
//   R  = 93.2 − Id − Ie_eff                  (R0 − Is = 93.2, A = 0)
//   d  = one-way delay + 2 × jitter           (the jitter buffer holds ~2× jitter)
//        + codec delay (optional, e.g. 26.5 ms: 20 ms frame + 6.5 ms lookahead)
//   Id = 0.024 d + 0.11 (d − 177.3) H(d − 177.3)      (H = step function)
//   Ie_eff = Ie + (95 − Ie) × Ppl / (Ppl / BurstR + Bpl)   (G.107 §7.2)
//   MOS = 1 + 0.035 R + R (R − 60)(100 − R) × 7e-6, 1 for R < 0, 4.5 for R > 100
//
// Opus has no G.113 entry. We use Ie = 0 (at call bitrates Opus is at least
// as good as G.711 on the narrowband scale the 93.2 refers to) and Bpl = 20:
// between G.729A's 19 and G.711-with-PLC's 25.1 (G.113 Appendix I), i.e. we
// credit Opus's concealment with no more robustness than those codecs'.
// With in-band FEC Opus recovers single losses, which BurstR cannot model;
// the estimate is then pessimistic. This is a monitoring figure, not a
// listening test.

namespace confab::media {

struct CodecImpairment {
  double ie = 0.0;    // equipment impairment factor without loss
  double bpl = 20.0;  // packet-loss robustness factor
};
constexpr CodecImpairment opus_impairment{0.0, 20.0};

struct CallConditions {
  double one_way_delay_ms = 0.0;  // network, e.g. RTT / 2 from RTCP
  double jitter_ms = 0.0;         // RFC 3550 interarrival jitter, in ms
  double loss_percent = 0.0;      // 0..100
  double codec_delay_ms = 0.0;    // added as is to the mouth-to-ear delay
  double burst_ratio = 1.0;       // G.107 BurstR: 1 for random loss, > 1 for bursty
  CodecImpairment codec = opus_impairment;
};

// The delay impairment Id for a mouth-to-ear delay in ms.
double delay_impairment(double mouth_to_ear_ms);
// The effective equipment impairment Ie_eff at a loss percentage.
double loss_impairment(const CodecImpairment& codec, double loss_percent, double burst_ratio = 1.0);
// R for the conditions, 0..93.2.
double r_factor(const CallConditions& c);
// G.107 Annex B: R → MOS-CQE, 1..4.5.
double mos_from_r(double r);
// The two steps together: MOS for delay, jitter and loss with Opus.
double estimate_mos(double one_way_delay_ms, double jitter_ms, double loss_percent);

}  // namespace confab::media
