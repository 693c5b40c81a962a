// The simplified E-model; formulas and constants are explained in the header.
#include "media/quality.hpp"

#include <algorithm>

namespace confab::media {

double delay_impairment(double d) {
  d = std::max(0.0, d);
  return 0.024 * d + (d > 177.3 ? 0.11 * (d - 177.3) : 0.0);
}

double loss_impairment(const CodecImpairment& codec, double loss_percent, double burst_ratio) {
  const double ppl = std::clamp(loss_percent, 0.0, 100.0);
  const double burst = std::max(1.0, burst_ratio);
  return codec.ie + (95.0 - codec.ie) * ppl / (ppl / burst + codec.bpl);
}

double r_factor(const CallConditions& c) {
  const double d = std::max(0.0, c.one_way_delay_ms) + 2.0 * std::max(0.0, c.jitter_ms) + std::max(0.0, c.codec_delay_ms);
  const double r = 93.2 - delay_impairment(d) - loss_impairment(c.codec, c.loss_percent, c.burst_ratio);
  return std::clamp(r, 0.0, 93.2);
}

double mos_from_r(double r) {
  if (r <= 0.0) return 1.0;
  if (r >= 100.0) return 4.5;
  return std::clamp(1.0 + 0.035 * r + r * (r - 60.0) * (100.0 - r) * 7e-6, 1.0, 4.5);
}

double estimate_mos(double one_way_delay_ms, double jitter_ms, double loss_percent) {
  CallConditions c;
  c.one_way_delay_ms = one_way_delay_ms;
  c.jitter_ms = jitter_ms;
  c.loss_percent = loss_percent;
  return mos_from_r(r_factor(c));
}

}  // namespace confab::media
