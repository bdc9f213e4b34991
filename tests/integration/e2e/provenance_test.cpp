// Provenance: each tile's item keeps where it came from — the source item's folder and tags
// naming the patch annotation and the source item — in every upload mode, and both follow the
// --tile-path / --tile-tags templates.
#include <gtest/gtest.h>

#include "tests/integration/e2e/chain.hpp"
#include "tests/integration/e2e/payload_annotations.hpp"
#include "tests/integration/e2e/street_image.hpp"
#include "tests/support/wait.hpp"

namespace patchq::e2e {
namespace {

using namespace std::chrono_literals;

constexpr int kTiles = 4;

std::vector<DatasetItem> deliver_and_wait(Chain& chain, const std::string& target) {
  const std::string payload = with_annotations(
      chain.add_image("survey", "pole 7.jpg", street_image_jpeg(320, 240), "/city/north"),
      "[" + grid_annotation("d0000000-0000-4000-8000-000000000001", 2, 2, 0, 0, 320, 240) + "]");
  const auto reply = chain.post_webhook(payload, target);
  EXPECT_EQ(reply.status, 202) << reply.body;
  std::vector<DatasetItem> items;
  EXPECT_TRUE(testing::wait_until(
      [&] {
        items = chain.dataset_items(target);
        return items.size() >= static_cast<std::size_t>(kTiles);
      },
      60s, 50ms))
      << items.size() << " tiles\n"
      << chain.logs();
  return items;
}

class DefaultProvenance : public ::testing::TestWithParam<std::string> {};

TEST_P(DefaultProvenance, TilesKeepTheSourceFolderAndTagsInEveryUploadMode) {
  Chain chain(ChainOptions{.worker_args = {"--upload-mode", GetParam()}});
  const auto items = deliver_and_wait(chain, "survey-patches");
  ASSERT_EQ(items.size(), static_cast<std::size_t>(kTiles));
  for (const auto& item : items) {
    EXPECT_EQ(item.path, "/city/north") << item.name;
    EXPECT_EQ(item.tags, (std::vector<std::string>{"patch (2x2)", "source:pole 7.jpg"}))
        << item.name;
  }
}

INSTANTIATE_TEST_SUITE_P(UploadModes, DefaultProvenance, ::testing::Values("direct", "register"));

TEST(Provenance, TemplatesChooseTheFolderAndTheTags) {
  Chain chain(ChainOptions{.worker_args = {"--tile-path", "/patches/{source_dataset}/{item_stem}",
                                           "--tile-tags", "{annotation_id}"}});
  const auto items = deliver_and_wait(chain, "survey-patches");
  ASSERT_EQ(items.size(), static_cast<std::size_t>(kTiles));
  for (const auto& item : items) {
    EXPECT_EQ(item.path, "/patches/survey/pole 7") << item.name;
    EXPECT_EQ(item.tags, (std::vector<std::string>{"d0000000-0000-4000-8000-000000000001"}));
  }
}

TEST(Provenance, NoTagsWhenTheTemplateListIsEmpty) {
  Chain chain(ChainOptions{.worker_args = {"--tile-tags="}});
  const auto items = deliver_and_wait(chain, "survey-patches");
  ASSERT_EQ(items.size(), static_cast<std::size_t>(kTiles));
  for (const auto& item : items) EXPECT_TRUE(item.tags.empty()) << item.name;
}

}  // namespace
}  // namespace patchq::e2e
