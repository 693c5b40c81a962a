#pragma once
// The SNATMAP reflector wired to sockets: a Reflector per UDP worker and one
// for TCP, counters published through atomics for `confabd status`.
#include <spdlog/logger.h>

#include <memory>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "net/flow_service.hpp"
#include "net/udp_service.hpp"
#include "server/config.hpp"
#include "snatmap/reflector.hpp"

namespace confab::server {

struct PublishedCounters;  // per-worker counters, readable from any thread

struct SnatmapStatus {
  snatmap::ReflectorCounters udp;
  snatmap::ReflectorCounters tcp;
  net::FlowStats connections;
  std::vector<std::string> listening;  // "udp 0.0.0.0:5678", ...
};

class SnatmapService {
 public:
  // Error: one line naming the address, the config key and the reason.
  static Result<std::unique_ptr<SnatmapService>, std::string> start(const Config& config,
                                                                     std::shared_ptr<spdlog::logger> log);
  ~SnatmapService();
  void stop();
  SnatmapStatus status() const;

 private:
  SnatmapService() = default;
  std::vector<std::unique_ptr<PublishedCounters>> published_;  // one per UDP worker, then TCP
  std::unique_ptr<net::UdpService> udp_;
  std::unique_ptr<net::FlowService> tcp_;
  std::vector<std::string> listening_;
};

snatmap::ReflectorConfig reflector_config(const SnatmapConfig& c);

}  // namespace confab::server
