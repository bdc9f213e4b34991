// patchq-v7sim's webhook stage: it POSTs a payload with the stage's Authorization header and
// retries failures like V7, against a real HTTP server run by the test.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <vector>

#include "common/http/server.hpp"
#include "tests/integration/v7sim/json_view.hpp"
#include "tests/integration/v7sim/sim_process.hpp"
#include "tests/support/wait.hpp"

namespace patchq::v7sim::testing {
namespace {

namespace bhttp = boost::beast::http;
using patchq::testing::wait_until;

// A webhook receiver that fails its first `failures` deliveries with 503.
class StageTarget {
 public:
  explicit StageTarget(int failures)
      : failures_(failures),
        server_(http::ServerOptions{}, [this](http::Request&& req, http::Responder respond) {
          std::lock_guard lock(mu_);
          authorizations_.emplace_back(req[bhttp::field::authorization]);
          bodies_.push_back(req.body());
          const bool fail = static_cast<int>(bodies_.size()) <= failures_;
          respond(http::make_response(
              req, fail ? bhttp::status::service_unavailable : bhttp::status::accepted, "{}"));
        }) {
    server_.start();
  }
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(server_.port()) + "/webhook?target=t";
  }
  std::vector<std::string> authorizations() {
    std::lock_guard lock(mu_);
    return authorizations_;
  }
  std::vector<std::string> bodies() {
    std::lock_guard lock(mu_);
    return bodies_;
  }

 private:
  int failures_;
  std::mutex mu_;
  std::vector<std::string> authorizations_;
  std::vector<std::string> bodies_;
  http::HttpServer server_;  // last: it stops before the members it uses go away
};

std::string stage_state(const SimProcess& sim, std::int64_t id) {
  const JsonView j(sim.call("GET", "/_sim/stage/attempts?stage_id=" + std::to_string(id)).body);
  return j.str("stages.0.state");
}

TEST(V7SimStage, RetriesUntilTheTargetSucceeds) {
  SimProcess sim;
  StageTarget target(2);
  const std::string body =
      R"({"url":")" + target.url() +
      R"(","payload":{"version":"2.0","item":{"name":"a.png"}},)"
      R"("authorization":"Bearer hook-token","retries":5,"retry_delay_ms":50})";
  const auto started = sim.call("POST", "/_sim/stage", body);
  ASSERT_EQ(started.status, 202) << started.body;
  const auto id = JsonView(started.body).num("stage_id");
  ASSERT_TRUE(wait_until([&] { return stage_state(sim, id) != "running"; }));

  const JsonView j(sim.call("GET", "/_sim/stage/attempts?stage_id=" + std::to_string(id)).body);
  EXPECT_EQ(j.str("stages.0.state"), "delivered");
  ASSERT_EQ(j.size("attempts"), 3u);
  EXPECT_EQ(j.num("attempts.0.status"), 503);
  EXPECT_EQ(j.num("attempts.1.status"), 503);
  EXPECT_EQ(j.num("attempts.2.status"), 202);
  EXPECT_GE(j.num("attempts.1.at_ms") - j.num("attempts.0.at_ms"), 50);
  EXPECT_EQ(target.authorizations(), std::vector<std::string>(3, "Bearer hook-token"));
  EXPECT_EQ(target.bodies().front(), R"({"version":"2.0","item":{"name":"a.png"}})");
}

TEST(V7SimStage, GivesUpAfterTheRetries) {
  SimProcess sim;
  StageTarget target(100);
  const auto started =
      sim.call("POST", "/_sim/stage",
               R"({"url":")" + target.url() + R"(","payload":{},"retries":2,"retry_delay_ms":10})");
  const auto id = JsonView(started.body).num("stage_id");
  ASSERT_TRUE(wait_until([&] { return stage_state(sim, id) != "running"; }));
  const JsonView j(sim.call("GET", "/_sim/stage/attempts").body);
  EXPECT_EQ(j.str("stages.0.state"), "failed");
  EXPECT_EQ(j.size("attempts"), 3u);  // the first try and two retries
  EXPECT_EQ(target.bodies().size(), 3u);
}

TEST(V7SimStage, AnUnreachableTargetCountsAsAFailedAttempt) {
  SimProcess sim;
  const int closed_port = patchq::testing::free_port();
  const auto started =
      sim.call("POST", "/_sim/stage",
               R"({"url":"http://127.0.0.1:)" + std::to_string(closed_port) +
                   R"(/webhook","payload":{},"retries":1,"retry_delay_ms":10,"timeout_ms":2000})");
  const auto id = JsonView(started.body).num("stage_id");
  ASSERT_TRUE(wait_until([&] { return stage_state(sim, id) != "running"; }));
  const JsonView j(sim.call("GET", "/_sim/stage/attempts").body);
  EXPECT_EQ(j.str("stages.0.state"), "failed");
  EXPECT_EQ(j.num("attempts.0.status"), 0);
  EXPECT_FALSE(j.str("attempts.0.error").empty());
}

TEST(V7SimStage, BadStageRequestsAre400) {
  SimProcess sim;
  EXPECT_EQ(sim.call("POST", "/_sim/stage", R"({"payload":{}})").status, 400);
  EXPECT_EQ(sim.call("POST", "/_sim/stage", R"({"url":"http://127.0.0.1:1/"})").status, 400);
  EXPECT_EQ(
      sim.call("POST", "/_sim/stage", R"({"url":"http://127.0.0.1:1/","payload":{},"retries":-1})")
          .status,
      400);
}

}  // namespace
}  // namespace patchq::v7sim::testing
