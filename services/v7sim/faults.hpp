// FaultTable: the failures the simulator injects into V7 API and storage calls (never into
// the /_sim control API), configured through POST /_sim/faults.
// Endpoint names (also the keys of /_sim/stats):
//   token_info, datasets, item, download, storage_get, register_upload, sign, storage_put,
//   confirm, direct_upload, register_existing, register_existing_readonly; "*" is every one.
// A rule for an endpoint replaces an earlier rule for the same name; a call uses its
// endpoint's own rule when there is one, else the "*" rule. Per call, in order:
//   1. latency_ms: the answer (real or faulty) is delayed by that much;
//   2. fail_next > 0: the call fails deterministically (status, default 503, or a connection
//      reset with "reset": true) and the count goes down by one;
//   3. otherwise one draw: preset -> connection reset, p429 -> 429, p5xx -> one of
//      500/502/503/504; the probabilities add up to at most 1.
// Retry-After (whole seconds) is sent with every injected status when retry_after_s >= 0.
// Thread-safe; "seed" makes the draws reproducible.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace patchq::v7sim {

const std::vector<std::string_view>& fault_endpoint_names();

struct FaultRule {
  double p429 = 0;
  double p5xx = 0;
  double preset = 0;
  std::int64_t retry_after_s = -1;  // < 0: no Retry-After header
  std::int64_t latency_ms = 0;
  std::int64_t fail_next = 0;
  int status = 503;    // for fail_next
  bool reset = false;  // fail_next resets the connection instead
};

struct FaultDecision {
  enum class Kind { none, status, reset } kind = Kind::none;
  int status = 0;
  std::optional<std::int64_t> retry_after_s;
  std::chrono::milliseconds delay{0};
};

// A parsed POST /_sim/faults body.
struct ClearFaults {};
struct SetFault {
  std::string endpoint;
  FaultRule rule;
  std::optional<std::uint64_t> seed;
};
using FaultCommand = std::variant<ClearFaults, SetFault>;
// The command, or the reason the body is not one (for a 400).
std::variant<FaultCommand, std::string> parse_fault_command(std::string_view json_body);

class FaultTable {
 public:
  FaultTable();
  void apply(const FaultCommand& command);
  FaultDecision decide(std::string_view endpoint);
  std::string to_json() const;  // {"rules":{"<endpoint>":{...}}}

 private:
  mutable std::mutex mu_;
  std::map<std::string, FaultRule, std::less<>> rules_;
  std::mt19937_64 rng_;
};

}  // namespace patchq::v7sim
