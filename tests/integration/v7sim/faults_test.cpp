// patchq-v7sim's fault injection and stats: deterministic failures with their status and
// Retry-After, resets, latency, clearing, and the counters tests read.
#include <gtest/gtest.h>

#include <chrono>

#include "tests/integration/v7sim/json_view.hpp"
#include "tests/integration/v7sim/sim_process.hpp"

namespace patchq::v7sim::testing {
namespace {

using namespace std::chrono_literals;

std::string header(const patchq::testing::HttpReply& reply, const std::string& name) {
  const auto it = reply.headers.find(name);
  return it == reply.headers.end() ? "" : it->second;
}

TEST(V7SimFaults, FailNextGivesTheConfiguredStatusAndRetryAfter) {
  SimProcess sim;
  const auto set =
      sim.call("POST", "/_sim/faults",
               R"({"endpoint":"token_info","fail_next":2,"status":503,"retry_after_s":7})");
  ASSERT_EQ(set.status, 200) << set.body;
  for (int i = 0; i < 2; ++i) {
    const auto failed = sim.api("GET", "/api/users/token_info");
    EXPECT_EQ(failed.status, 503);
    EXPECT_EQ(header(failed, "retry-after"), "7");
  }
  EXPECT_EQ(sim.api("GET", "/api/users/token_info").status, 200);
}

TEST(V7SimFaults, AFaultOnOneEndpointLeavesTheOthersAlone) {
  SimProcess sim;
  sim.call("POST", "/_sim/faults", R"({"endpoint":"sign","fail_next":5,"status":500})");
  EXPECT_EQ(sim.api("GET", "/api/users/token_info").status, 200);
  EXPECT_EQ(sim.api("GET", "/api/datasets").status, 200);
}

TEST(V7SimFaults, StarAppliesToEveryEndpoint) {
  SimProcess sim;
  sim.call("POST", "/_sim/faults", R"({"endpoint":"*","fail_next":2,"status":429})");
  EXPECT_EQ(sim.api("GET", "/api/users/token_info").status, 429);
  EXPECT_EQ(sim.api("GET", "/api/datasets").status, 429);
  EXPECT_EQ(sim.api("GET", "/api/datasets").status, 200);
}

TEST(V7SimFaults, FaultsComeBeforeTheKeyCheck) {
  SimProcess sim;
  sim.call("POST", "/_sim/faults", R"({"fail_next":1,"status":502})");
  EXPECT_EQ(sim.api("GET", "/api/datasets", "", "wrong-key").status, 502);
  EXPECT_EQ(sim.api("GET", "/api/datasets", "", "wrong-key").status, 401);
}

TEST(V7SimFaults, ClearRemovesEveryRule) {
  SimProcess sim;
  sim.call("POST", "/_sim/faults", R"({"endpoint":"*","fail_next":100,"status":503})");
  sim.call("POST", "/_sim/faults", R"({"endpoint":"datasets","p5xx":1.0})");
  EXPECT_EQ(sim.api("GET", "/api/datasets").status / 100, 5);
  ASSERT_EQ(sim.call("POST", "/_sim/faults", R"({"clear":true})").status, 200);
  EXPECT_EQ(sim.api("GET", "/api/datasets").status, 200);
  EXPECT_EQ(sim.api("GET", "/api/users/token_info").status, 200);
  EXPECT_EQ(JsonView(sim.call("GET", "/_sim/faults").body).at("rules").get_object().size(), 0u);
}

TEST(V7SimFaults, ResetClosesTheConnectionWithoutAnAnswer) {
  SimProcess sim;
  sim.call("POST", "/_sim/faults", R"({"endpoint":"token_info","fail_next":1,"reset":true})");
  const auto reset = sim.api("GET", "/api/users/token_info");
  EXPECT_EQ(reset.status, 0);
  EXPECT_FALSE(reset.error.empty());
  EXPECT_EQ(sim.api("GET", "/api/users/token_info").status, 200);
  EXPECT_EQ(
      JsonView(sim.call("GET", "/_sim/stats").body).num("endpoints.token_info.by_status.reset"), 1);
}

TEST(V7SimFaults, ProbabilityOneAlwaysFails) {
  SimProcess sim;
  sim.call("POST", "/_sim/faults", R"({"endpoint":"datasets","p429":1.0,"retry_after_s":2})");
  for (int i = 0; i < 5; ++i) {
    const auto reply = sim.api("GET", "/api/datasets");
    EXPECT_EQ(reply.status, 429);
    EXPECT_EQ(header(reply, "retry-after"), "2");
  }
}

TEST(V7SimFaults, LatencyDelaysTheAnswer) {
  SimProcess sim;
  sim.call("POST", "/_sim/faults", R"({"endpoint":"token_info","latency_ms":300})");
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(sim.api("GET", "/api/users/token_info").status, 200);
  EXPECT_GE(std::chrono::steady_clock::now() - started, 300ms);
}

TEST(V7SimFaults, ControlApiIsNeverFaulted) {
  SimProcess sim;
  sim.call("POST", "/_sim/faults", R"({"endpoint":"*","p5xx":1.0})");
  EXPECT_EQ(sim.call("GET", "/_sim/stats").status, 200);
  EXPECT_EQ(sim.call("GET", "/_sim/health").status, 200);
}

TEST(V7SimFaults, BadFaultRequestsAre400) {
  SimProcess sim;
  EXPECT_EQ(sim.call("POST", "/_sim/faults", R"({"endpoint":"nope","fail_next":1})").status, 400);
  EXPECT_EQ(sim.call("POST", "/_sim/faults", R"({"p429":0.8,"p5xx":0.5})").status, 400);
  EXPECT_EQ(sim.call("POST", "/_sim/faults", R"({"status":99,"fail_next":1})").status, 400);
  EXPECT_EQ(sim.call("POST", "/_sim/faults", "nope").status, 400);
}

TEST(V7SimStats, CountsCallsPerEndpointAndStatus) {
  SimProcess sim;
  sim.api("GET", "/api/users/token_info");
  sim.api("GET", "/api/users/token_info");
  sim.api("GET", "/api/users/token_info", "", "bad");
  sim.api("POST", "/api/datasets", R"({"name":"a"})");
  sim.api("POST", "/api/datasets", R"({"name":"a"})");
  const JsonView stats(sim.call("GET", "/_sim/stats").body);
  EXPECT_EQ(stats.num("requests_total"), 5);
  EXPECT_EQ(stats.num("endpoints.token_info.total"), 3);
  EXPECT_EQ(stats.num("endpoints.token_info.by_status.200"), 2);
  EXPECT_EQ(stats.num("endpoints.token_info.by_status.401"), 1);
  EXPECT_EQ(stats.num("endpoints.datasets.by_status.200"), 1);
  EXPECT_EQ(stats.num("endpoints.datasets.by_status.422"), 1);

  ASSERT_EQ(sim.call("POST", "/_sim/stats/reset").status, 200);
  EXPECT_EQ(JsonView(sim.call("GET", "/_sim/stats").body).num("requests_total"), 0);
}

// handling_ms sums the time spent answering an endpoint's calls, without injected latency.
TEST(V7SimStats, HandlingTimeLeavesInjectedLatencyOut) {
  SimProcess sim;
  ASSERT_EQ(
      sim.call("POST", "/_sim/faults", R"({"endpoint":"token_info","latency_ms":400})").status,
      200);
  sim.api("GET", "/api/users/token_info");
  sim.api("GET", "/api/users/token_info");
  const JsonView stats(sim.call("GET", "/_sim/stats").body);
  EXPECT_EQ(stats.num("endpoints.token_info.total"), 2);
  EXPECT_GE(stats.num("endpoints.token_info.handling_ms"), 0);
  EXPECT_LT(stats.num("endpoints.token_info.handling_ms"), 400);  // 800 with the latency
  ASSERT_EQ(sim.call("POST", "/_sim/stats/reset").status, 200);
  sim.call("POST", "/_sim/faults", R"({"clear":true})");
  sim.api("GET", "/api/users/token_info");
  EXPECT_LT(JsonView(sim.call("GET", "/_sim/stats").body).num("endpoints.token_info.handling_ms"),
            400);
}

}  // namespace
}  // namespace patchq::v7sim::testing
