// patchq_v7_throttled_total: every 429 the V7 API answers is counted (the alert
// PatchqV7Throttled in deploy/monitoring reads it), in-client retries included.
#include <gtest/gtest.h>

#include "common/obs/metrics.hpp"
#include "common/v7/v7_client.hpp"
#include "tests/integration/v7client/v7_sim.hpp"

namespace patchq::v7 {
namespace {

using testing::V7Sim;

std::int64_t throttled_total() {
  const std::string text = obs::process_registry().render();
  const std::string name = "\npatchq_v7_throttled_total ";
  const auto at = text.find(name);
  if (at == std::string::npos) return -1;
  return std::stoll(text.substr(at + name.size()));
}

TEST(V7ThrottledMetric, CountsEvery429FromTheApi) {
  V7Sim sim;
  const std::string url = sim.add_image("source", "cars.png", testing::noise_png(8, 8));
  V7Client client(sim.client_config(), nullptr);
  const std::int64_t before = throttled_total();
  ASSERT_GE(before, 0) << "the series exists once a client does";
  sim.set_fault(R"({"endpoint": "download", "fail_next": 2, "status": 429})");
  auto bytes = client.fetch_image(url);
  ASSERT_TRUE(bytes) << bytes.error().reason;  // the third quick try succeeds
  EXPECT_EQ(sim.count("download", "429"), 2);
  EXPECT_EQ(throttled_total() - before, 2);
}

}  // namespace
}  // namespace patchq::v7
