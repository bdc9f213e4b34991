// PatchJobHandler's refusals that need no V7: a payload that cannot be read ends the job dead,
// with the reason, before any call is made (the V7 address here accepts no connections).
#include "common/patchjob/patch_job_handler.hpp"

#include <gtest/gtest.h>

namespace patchq::patchjob {
namespace {

PatchJobHandler handler_without_v7() {
  PatchJobConfig config;
  config.v7.api_url = "http://127.0.0.1:1";
  config.v7.allow_private_hosts = true;
  return PatchJobHandler(config, nullptr);
}

TEST(PatchJobHandler, AStoredPayloadThatCouldNotBeDecodedIsDeadWithItsReason) {
  auto handler = handler_without_v7();
  queue::Job job;
  job.id = "j-1";
  job.payload_error = "stored payload is corrupt: Unknown frame descriptor";
  queue::JobContext ctx;
  const auto outcome = handler.handle(job, ctx);
  EXPECT_EQ(outcome.kind, queue::JobOutcome::Kind::dead);
  EXPECT_EQ(outcome.error, "payload refused: stored payload is corrupt: Unknown frame descriptor");
}

TEST(PatchJobHandler, APayloadThatIsNotAV7ItemIsDeadWithTheParsersReason) {
  auto handler = handler_without_v7();
  queue::Job job;
  job.id = "j-2";
  job.payload = R"({"item": 3})";
  queue::JobContext ctx;
  const auto outcome = handler.handle(job, ctx);
  EXPECT_EQ(outcome.kind, queue::JobOutcome::Kind::dead);
  EXPECT_EQ(outcome.error.rfind("payload refused: ", 0), 0u) << outcome.error;
}

TEST(PatchJobHandler, AnItemWithoutAnImageSlotIsDoneWithItsReasonBeforeAnyCall) {
  auto handler = handler_without_v7();
  queue::Job job;
  job.id = "j-3";
  job.payload = R"({"version": "2.0", "item": {"name": "v.mp4", "source_info": {"item_id": "i",
      "team": {"slug": "t"}, "dataset": {"slug": "d"}},
      "slots": [{"type": "video", "source_files": [{"url": "https://h/v.mp4"}]}]},
      "annotations": [{"id": "a", "name": "patch", "keypoint": {"x": 1, "y": 2}}]})";
  queue::JobContext ctx;
  const auto outcome = handler.handle(job, ctx);
  EXPECT_EQ(outcome.kind, queue::JobOutcome::Kind::done);
  EXPECT_EQ(outcome.tiles, 0);
  EXPECT_EQ(outcome.note,
            "the item has no image slot (slot types: \"video\"); patchq cuts image slots only");
}

}  // namespace
}  // namespace patchq::patchjob
