// A multi-slot item end to end: each patch annotation is cut from the image slot it names,
// the tiles carry the slot name, and a patch naming the video slot is skipped with a reason.
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>

#include "common/patch/tile_name.hpp"
#include "tests/integration/e2e/chain.hpp"
#include "tests/integration/e2e/payload_annotations.hpp"
#include "tests/integration/e2e/street_image.hpp"
#include "tests/support/wait.hpp"

namespace patchq::e2e {
namespace {

using namespace std::chrono_literals;

std::string first(const std::string& text, const std::string& pattern) {
  std::smatch m;
  return std::regex_search(text, m, std::regex(pattern)) ? m[1].str() : std::string();
}

TEST(MultiSlot, EachPatchIsCutFromTheSlotItNamesAndTilesCarryTheSlot) {
  Chain chain;
  const std::string left = chain.add_image("slots-source", "left.jpg", street_image_jpeg(300, 200));
  const std::string right =
      chain.add_image("slots-source", "right.jpg", street_image_jpeg(120, 80));
  const std::string left_url = first(left, R"re("url":"([^"]+)")re");
  const std::string right_url = first(right, R"re("url":"([^"]+)")re");
  ASSERT_FALSE(left_url.empty() || right_url.empty()) << left;
  // The left item's payload, with both images as its slots and a video slot between them.
  std::string payload = left;
  const auto slots_at = payload.find(R"("slots":[)");
  const auto slots_end = payload.find("]}]", slots_at);
  ASSERT_NE(slots_at, std::string::npos);
  ASSERT_NE(slots_end, std::string::npos) << payload;
  payload.replace(
      slots_at, slots_end + 3 - slots_at,
      R"("slots":[{"type":"image","slot_name":"L","width":300,"height":200,"source_files":[{"file_name":"left.jpg","url":")" +
          left_url +
          R"("}]},{"type":"video","slot_name":"V","source_files":[{"url":"https://example.invalid/v.mp4"}]},{"type":"image","slot_name":"R","width":120,"height":80,"source_files":[{"file_name":"right.jpg","url":")" +
          right_url + R"("}]}])");
  const std::string annotations =
      R"j([{"id":"a0000000-0000-4000-8000-00000000000a","name":"patch","slot_names":["L"],)j"
      R"j("bounding_box":{"x":0,"y":0,"w":300,"h":200}},)j"
      R"j({"id":"b0000000-0000-4000-8000-00000000000b","name":"patch (1x2)","slot_names":["R"],)j"
      R"j("bounding_box":{"x":0,"y":0,"w":120,"h":80}},)j"
      R"j({"id":"c0000000-0000-4000-8000-00000000000c","name":"patch","slot_names":["V"],)j"
      R"j("bounding_box":{"x":0,"y":0,"w":10,"h":10}}])j";
  payload = with_annotations(payload, annotations);

  const auto reply = chain.post_webhook(payload, "slot-crops");
  ASSERT_EQ(reply.status, 202) << reply.body;
  const std::string job_id = testing::job_id_of(reply.body);
  CtlRun job;
  const std::regex done_status(R"((^|\n)status +done\n)");
  ASSERT_TRUE(testing::wait_until(
      [&] {
        job = chain.ctl({"job", job_id});
        return job.code == 0 && std::regex_search(job.out, done_status);
      },
      60s, 50ms))
      << job.out << job.err << chain.logs();
  std::vector<std::string> names;
  for (const auto& item : chain.dataset_items("slot-crops")) names.push_back(item.name);
  std::sort(names.begin(), names.end());
  const std::string left_key = patch::box_key({0, 0, 300, 200}, {1, 1});
  const std::string right_key = patch::box_key({0, 0, 120, 80}, {1, 2});
  const std::vector<std::string> expected = {
      "left_L_a0000000-0000-4000-8000-00000000000a_" + left_key + "_r0c0.png",
      "left_R_b0000000-0000-4000-8000-00000000000b_" + right_key + "_r0c0.png",
      "left_R_b0000000-0000-4000-8000-00000000000b_" + right_key + "_r0c1.png"};
  EXPECT_EQ(names, expected) << chain.logs();
  EXPECT_NE(job.out.find("names slot \"V\", which is not an image slot of the item"),
            std::string::npos)
      << job.out;
}

}  // namespace
}  // namespace patchq::e2e
