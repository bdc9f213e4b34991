// patchq-v7sim as a process: flags, start-up errors, clean stop, and persistence of datasets,
// items and files across a restart with the same --data-dir.
#include <gtest/gtest.h>

#include "common/codec/sha256.hpp"
#include "tests/integration/v7sim/json_view.hpp"
#include "tests/integration/v7sim/sim_process.hpp"
#include "tests/support/temp_dir.hpp"

namespace patchq::v7sim::testing {
namespace {

using patchq::testing::ChildProcess;
using patchq::testing::TempDir;

TEST(V7SimProcess, HelpListsTheFlagsAndExits0) {
  ChildProcess p(patchq::testing::binary_path("patchq-v7sim"), {"--help"});
  ASSERT_TRUE(p.wait_exit(std::chrono::seconds(10)));
  EXPECT_EQ(p.exit_code(), 0);
  for (const char* flag : {"--listen", "--api-key", "--team", "--data-dir", "--public-url",
                           "--threads", "--enforce-rate-limit"}) {
    EXPECT_NE(p.stdout_text().find(flag), std::string::npos) << flag;
  }
}

TEST(V7SimProcess, MissingApiKeyExits2WithAReason) {
  ChildProcess p(patchq::testing::binary_path("patchq-v7sim"), {"--listen", "127.0.0.1:0"},
                 {{"V7_API_KEY", ""}});
  ASSERT_TRUE(p.wait_exit(std::chrono::seconds(10)));
  EXPECT_EQ(p.exit_code(), 2);
  EXPECT_NE(p.stderr_text().find("--api-key"), std::string::npos);
}

TEST(V7SimProcess, SigtermStopsItWithExitCode0) {
  SimProcess sim;
  EXPECT_EQ(sim.stop(), 0);
}

TEST(V7SimProcess, PublicUrlIsUsedInFileUrls) {
  SimProcess sim(with_args({"--public-url", "http://v7sim.internal:9000/"}));
  const JsonView p(sim.call("POST", "/_sim/datasets/d/images?name=a.png", make_png(4, 4)).body);
  EXPECT_TRUE(p.str("item.slots.0.source_files.0.url")
                  .starts_with("http://v7sim.internal:9000/api/v2/teams/sim-team/uploads/"));
}

TEST(V7SimProcess, ARestartWithTheSameDataDirServesTheSameItems) {
  TempDir dir;
  const std::string png = make_png(24, 16);
  std::string upload_path;
  {
    SimProcess sim(in_dir(dir.path()));
    ASSERT_EQ(sim.api("POST", "/api/datasets", R"({"name":"Kept Tiles"})").status, 200);
    const JsonView added(sim.call("POST", "/_sim/datasets/kept-tiles/images?name=a.png", png).body);
    upload_path = split_url(added.str("item.slots.0.source_files.0.url")).second;
    // A registration left half-way must survive too.
    ASSERT_EQ(sim.api("POST", "/api/v2/teams/sim-team/items/register_upload",
                      R"({"items":[{"name":"pending.png"}],"dataset_slug":"kept-tiles"})")
                  .status,
              200);
    EXPECT_EQ(sim.stop(), 0);
  }
  SimProcess sim(in_dir(dir.path()));
  const JsonView datasets(sim.api("GET", "/api/datasets").body);
  ASSERT_EQ(datasets.size(""), 1u);
  EXPECT_EQ(datasets.str("0.name"), "Kept Tiles");
  const JsonView listed(sim.call("GET", "/_sim/datasets/kept-tiles/items").body);
  ASSERT_EQ(listed.size("items"), 1u);
  EXPECT_EQ(listed.str("items.0.sha256"), codec::sha256_hex(png));
  // The old file URL (same path, new port) still downloads the same bytes.
  const auto redirect = sim.api("GET", upload_path);
  ASSERT_EQ(redirect.status, 302);
  EXPECT_EQ(sim.call_url("GET", redirect.headers.at("location")).body, png);
  const auto again = sim.api("POST", "/api/v2/teams/sim-team/items/register_upload",
                             R"({"items":[{"name":"pending.png"}],"dataset_slug":"kept-tiles"})");
  EXPECT_EQ(JsonView(again.body).str("blocked_items.0.slots.0.reason"), "ALREADY_EXISTS");
  // Dataset ids keep counting from where they were.
  const JsonView next(sim.api("POST", "/api/datasets", R"({"name":"second"})").body);
  EXPECT_GT(next.num("id"), datasets.num("0.id"));
}

}  // namespace
}  // namespace patchq::v7sim::testing
