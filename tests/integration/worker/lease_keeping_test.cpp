// Lease keeping in a running worker: a job that runs several leases long is renewed by its
// worker and never taken over by an idle one.
#include <gtest/gtest.h>

#include "tests/integration/worker/worker_fixture.hpp"

namespace patchq::testing {
namespace {

using namespace std::chrono_literals;

using LeaseKeeping = WorkerFixture;

TEST_F(LeaseKeeping, AJobLongerThanItsLeaseRunsOnceWhileAnotherWorkerIdles) {
  start_worker({"--lease", "300ms"});
  start_worker({"--lease", "300ms"});
  const std::string job = enqueue(R"({"sleep_ms":1500})");  // five leases long
  ASSERT_TRUE(wait_status(job, "done", 10s));
  EXPECT_EQ(runs(job), 1);
  EXPECT_EQ(effects(job), 1);
  EXPECT_EQ(field(job, "attempts"), "1");
}

}  // namespace
}  // namespace patchq::testing
