#include "sasl/mechanism.hpp"

namespace confab::sasl {

std::string_view name_of(Mechanism m) {
  switch (m) {
    case Mechanism::scram_sha256_plus: return "SCRAM-SHA-256-PLUS";
    case Mechanism::scram_sha1_plus: return "SCRAM-SHA-1-PLUS";
    case Mechanism::scram_sha256: return "SCRAM-SHA-256";
    case Mechanism::scram_sha1: return "SCRAM-SHA-1";
    case Mechanism::plain: return "PLAIN";
  }
  return "";
}

std::optional<Mechanism> parse_mechanism(std::string_view name) {
  for (Mechanism m : all_mechanisms)
    if (name_of(m) == name) return m;
  return std::nullopt;
}

bool is_scram(Mechanism m) { return m != Mechanism::plain; }

bool is_plus(Mechanism m) { return m == Mechanism::scram_sha256_plus || m == Mechanism::scram_sha1_plus; }

ScramMechanism scram_hash_of(Mechanism m) {
  return m == Mechanism::scram_sha1 || m == Mechanism::scram_sha1_plus ? ScramMechanism::sha1
                                                                        : ScramMechanism::sha256;
}

}  // namespace confab::sasl
