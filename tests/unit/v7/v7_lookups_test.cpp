// V7Lookups: one cache per worker process, shared by its lanes. Concurrent misses make one
// call and share its answer (its error too); errors are not kept; a forgotten dataset is
// listed again.
#include "common/v7/v7_lookups.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>
#include <vector>

#include "tests/support/wait.hpp"

namespace patchq::v7 {
namespace {

using namespace std::chrono_literals;

std::vector<DatasetRef> listing() {
  DatasetRef tiles;
  tiles.slug = "tiles";
  tiles.name = "Tiles";
  return {tiles};
}

// Runs `lookup` on 8 threads while the call they share is held open until all 8 entered (or,
// without single-flight, until more than one call is under way).
template <typename Lookup>
void eight_at_once(std::atomic<int>& calls, Lookup lookup, std::promise<void>& open) {
  std::atomic<int> entered{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      ++entered;
      lookup();
    });
  }
  ASSERT_TRUE(testing::wait_until([&] { return entered == 8 && calls >= 1; }, 5s, 1ms));
  // Give a missing single-flight the chance to show: a second call would start here.
  testing::wait_until([&] { return calls > 1; }, 200ms, 5ms);
  open.set_value();
  for (auto& t : threads) t.join();
}

TEST(V7Lookups, ConcurrentDatasetMissesListOnce) {
  V7Lookups lookups;
  std::atomic<int> calls{0};
  std::promise<void> open;
  std::shared_future<void> opened = open.get_future().share();
  std::atomic<int> found{0};
  eight_at_once(
      calls,
      [&] {
        auto slug =
            lookups.list_and_find("team", "Tiles", [&]() -> V7Result<std::vector<DatasetRef>> {
              ++calls;
              opened.wait();
              return listing();
            });
        if (slug && *slug && **slug == "tiles") ++found;
      },
      open);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(found, 8);
  EXPECT_EQ(lookups.calls(), 1u);
  EXPECT_EQ(lookups.known_dataset("team", "tiles"), "tiles");
}

TEST(V7Lookups, ConcurrentTeamMissesAskOnce) {
  V7Lookups lookups;
  std::atomic<int> calls{0};
  std::promise<void> open;
  std::shared_future<void> opened = open.get_future().share();
  std::atomic<int> answered{0};
  eight_at_once(
      calls,
      [&] {
        auto team = lookups.token_team([&]() -> V7Result<std::string> {
          ++calls;
          opened.wait();
          return std::string("acme");
        });
        if (team && *team == "acme") ++answered;
      },
      open);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(answered, 8);
  // Kept: no further call.
  auto again = lookups.token_team(
      []() -> V7Result<std::string> { return V7Error::permanent("must not be asked"); });
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, "acme");
}

TEST(V7Lookups, AFailedListingIsSharedButNotKept) {
  V7Lookups lookups;
  std::atomic<int> calls{0};
  std::promise<void> open;
  std::shared_future<void> opened = open.get_future().share();
  std::atomic<int> failed{0};
  eight_at_once(
      calls,
      [&] {
        auto slug =
            lookups.list_and_find("team", "tiles", [&]() -> V7Result<std::vector<DatasetRef>> {
              ++calls;
              opened.wait();
              return V7Error::retryable_error("datasets: 503", 503);
            });
        if (!slug && slug.error().http_status == 503) ++failed;
      },
      open);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(failed, 8);
  auto next = lookups.list_and_find("team", "tiles", [&]() -> V7Result<std::vector<DatasetRef>> {
    ++calls;
    return listing();
  });
  ASSERT_TRUE(next);
  EXPECT_EQ(*next, "tiles");
  EXPECT_EQ(calls, 2);
}

TEST(V7Lookups, AForgottenDatasetIsListedAgain) {
  V7Lookups lookups;
  int calls = 0;
  const auto list = [&]() -> V7Result<std::vector<DatasetRef>> {
    ++calls;
    return listing();
  };
  ASSERT_TRUE(lookups.list_and_find("team", "Tiles", list));
  EXPECT_EQ(lookups.known_dataset("team", "Tiles"), "tiles");
  lookups.forget_dataset("team", "tiles");
  EXPECT_EQ(lookups.known_dataset("team", "Tiles"), std::nullopt);
  EXPECT_EQ(lookups.known_dataset("team", "tiles"), std::nullopt);
  ASSERT_TRUE(lookups.list_and_find("team", "tiles", list));
  EXPECT_EQ(calls, 2);
}

TEST(V7Lookups, LanesMissingTheSameDatasetResolveItOnce) {
  V7Lookups lookups;
  std::atomic<int> calls{0};
  std::promise<void> open;
  std::shared_future<void> opened = open.get_future().share();
  std::atomic<int> found{0};
  eight_at_once(
      calls,
      [&] {
        auto slug = lookups.dataset("team", "New", [&]() -> V7Result<std::string> {
          ++calls;
          opened.wait();
          lookups.remember_created("team", "New", "new");  // what a creation does
          return std::string("new");
        });
        if (slug && *slug == "new") ++found;
      },
      open);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(found, 8);
}

TEST(V7Lookups, ACreatedDatasetIsKnownByNameAndSlug) {
  V7Lookups lookups;
  lookups.remember_created("team", "My Tiles", "my-tiles");
  EXPECT_EQ(lookups.known_dataset("team", "My Tiles"), "my-tiles");
  EXPECT_EQ(lookups.known_dataset("team", "my-tiles"), "my-tiles");
  EXPECT_EQ(lookups.known_dataset("other", "my-tiles"), std::nullopt);
}

}  // namespace
}  // namespace patchq::v7
