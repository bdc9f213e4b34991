// Job ids (UUIDv7).
#include "common/queue/job_id.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>

namespace patchq::queue {
namespace {

using namespace std::chrono_literals;

TEST(JobId, IsAVersion7UuidInCanonicalForm) {
  const std::string id = new_job_id();
  EXPECT_TRUE(std::regex_match(
      id, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")))
      << id;
}

TEST(JobId, CarriesTheCreationTimeInItsFirst48Bits) {
  const auto t = std::chrono::system_clock::time_point(1700000000123ms);
  const std::string id = new_job_id(t);
  const std::string hex = id.substr(0, 8) + id.substr(9, 4);
  EXPECT_EQ(std::stoull(hex, nullptr, 16), 1700000000123ull);
}

TEST(JobId, SortsByCreationTime) {
  const auto t = std::chrono::system_clock::now();
  EXPECT_LT(new_job_id(t), new_job_id(t + 1ms));
}

TEST(JobId, IsUniqueWithinTheSameMillisecond) {
  const auto t = std::chrono::system_clock::now();
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) seen.insert(new_job_id(t));
  EXPECT_EQ(seen.size(), 10000u);
}

}  // namespace
}  // namespace patchq::queue
