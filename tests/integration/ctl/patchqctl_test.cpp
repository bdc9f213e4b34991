// patchqctl against a real redis-server: output of stats/job/dead list, the dead-letter
// operations, enqueue, and the exit codes and error texts of the failure cases.
#include <gtest/gtest.h>

#include "common/queue/enqueue_script.hpp"
#include "common/queue/job_queue.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/redis_server.hpp"
#include "tests/support/stored_payload.hpp"
#include "tests/support/temp_dir.hpp"

namespace patchq::testing {
namespace {

using namespace std::chrono_literals;

struct CtlRun {
  int code = -1;
  std::string out;
  std::string err;
};

class Patchqctl : public ::testing::Test {
 protected:
  Patchqctl() : client_({redis_.endpoint()}), queue_(client_, queue::KeySchema("c:")) {
    queue_.ensure_group();
  }

  CtlRun ctl(const std::vector<std::string>& args, std::map<std::string, std::string> env = {}) {
    std::vector<std::string> full = {"--prefix", "c:"};
    full.insert(full.end(), args.begin(), args.end());
    env.emplace("PATCHQ_REDIS_URL", redis_.url());
    ChildProcess p(binary_path("patchqctl"), full, env);
    p.wait_exit(10s);
    return {p.exit_code().value_or(-1), p.stdout_text(), p.stderr_text()};
  }

  std::string enqueue(const std::string& item = "item-1") {
    queue::JobSpec spec;
    spec.payload = "{}";
    spec.target = "ds";
    spec.item_id = item;
    return queue_.enqueue(spec);
  }
  queue::Job take() {
    auto d = queue_.read("w1", 500ms);
    return *queue_.start(*d, "w1");
  }
  std::string dead_job(const std::string& error) {
    const std::string id = enqueue();
    queue_.bury(take(), "w1", "permanent", error);
    return id;
  }

  RedisServer redis_;
  redis::SyncClient client_;
  queue::JobQueue queue_;
};

TEST_F(Patchqctl, StatsPrintsEveryCountAsText) {
  enqueue();
  queue_.complete(take(), "w1", 1, 60s);
  dead_job("gone");
  const CtlRun r = ctl({"stats"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out,
            "queued     0\npending    0\nretrying   0\ndead       1\ndone       1\n"
            "skipped    0\nconsumers  1\nlag        0.000s\n");
}

// A delivery recorded as skipped (nothing to cut) counts once; its redelivery is a duplicate.
TEST_F(Patchqctl, StatsCountsSkippedDeliveries) {
  auto skipped = [this](const std::string& job_id, const std::string& dedup_hash) {
    queue::EnqueueRequest request;
    request.job_id = job_id;
    request.payload = "{}";
    request.target = "ds";
    request.item_id = "item-without-image";
    request.delivery_id = "d-" + dedup_hash;
    request.dedup_hash = dedup_hash;
    request.received_at_ms = 1;
    request.skip_reason = "no image slot";
    return queue::enqueue_sync(client_, queue::KeySchema("c:"), std::move(request)).status;
  };
  EXPECT_EQ(skipped("s-1", "h-1"), queue::EnqueueStatus::skipped);
  EXPECT_EQ(skipped("s-2", "h-2"), queue::EnqueueStatus::skipped);
  EXPECT_EQ(skipped("s-3", "h-1"), queue::EnqueueStatus::duplicate);
  enqueue();

  const CtlRun text = ctl({"stats"});
  ASSERT_EQ(text.code, 0) << text.err;
  EXPECT_NE(text.out.find("\nskipped    2\n"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("queued     1\n"), std::string::npos) << text.out;
  const CtlRun json = ctl({"stats", "--json"});
  ASSERT_EQ(json.code, 0) << json.err;
  EXPECT_NE(json.out.find("\"skipped\":2"), std::string::npos) << json.out;
}

TEST_F(Patchqctl, StatsJsonIsOneObject) {
  enqueue();
  const CtlRun r = ctl({"stats", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("\"queued\":1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"lag_seconds\":"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.front(), '{');
}

TEST_F(Patchqctl, JobPrintsTheRecordWithReadableTimes) {
  const std::string id = enqueue("item-7");
  take();
  const CtlRun r = ctl({"job", id});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("status          running"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("item_id         item-7"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("worker          w1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("payload         2 bytes"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Z\n"), std::string::npos) << r.out;  // ISO times
}

TEST_F(Patchqctl, JobJsonShowsTheDeadReason) {
  const std::string id = dead_job("404 item");
  const CtlRun r = ctl({"job", id, "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("\"status\":\"dead\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"dead_reason\":\"permanent\""), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("\"payload\":"), std::string::npos) << r.out;
}

TEST_F(Patchqctl, AnUnknownJobIsExit1WithAReason) {
  const CtlRun r = ctl({"job", "nope"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("no job nope"), std::string::npos) << r.err;
}

TEST_F(Patchqctl, DeadListShowsEachLetterAndTheTotal) {
  const std::string a = dead_job("first error");
  const std::string b = dead_job("second error");
  CtlRun r = ctl({"dead", "list", "--limit", "1"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find(a), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("error=first error"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find(b), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("1 of 2 dead letters"), std::string::npos) << r.out;
  r = ctl({"dead", "list", "--json"});
  EXPECT_NE(r.out.find("\"total\":2"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"reason\":\"permanent\""), std::string::npos) << r.out;
}

TEST_F(Patchqctl, DeadRetryRequeuesOneJob) {
  const std::string id = dead_job("x");
  const CtlRun r = ctl({"dead", "retry", id});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "requeued " + id + "\n");
  EXPECT_EQ(redis_.command({"HGET", "c:job:" + id, "status"}).str, "queued");
  EXPECT_EQ(redis_.command({"XLEN", "c:jobs"}).integer, 1);
}

TEST_F(Patchqctl, DeadRetryAllRequeuesEveryDeadJob) {
  dead_job("x");
  dead_job("y");
  const CtlRun r = ctl({"dead", "retry", "--all"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "requeued 2 dead jobs\n");
  EXPECT_EQ(redis_.command({"XLEN", "c:dead"}).integer, 0);
}

TEST_F(Patchqctl, DeadRetryRefusesAJobThatIsNotDead) {
  const std::string id = enqueue();
  const CtlRun r = ctl({"dead", "retry", id});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("is not dead (status queued)"), std::string::npos) << r.err;
}

TEST_F(Patchqctl, PayloadPrintsTheStoredPayloadDecompressedOrSaysWhyNot) {
  TempDir dir;
  const std::string json = R"({"item":{"id":"p-1","name":"a.jpg"}})";
  write_file(dir / "p.json", json);
  const CtlRun enqueued =
      ctl({"enqueue", "--payload", (dir / "p.json").string(), "--target", "patches"});
  ASSERT_EQ(enqueued.code, 0) << enqueued.err;
  const std::string id = enqueued.out.substr(0, enqueued.out.find('\n'));
  const CtlRun shown = ctl({"payload", id});
  ASSERT_EQ(shown.code, 0) << shown.err;
  EXPECT_EQ(shown.out, json + "\n");

  redis_.command({"HSET", "c:job:" + id, "payload", std::string("\x28\xb5\x2f\xfd broken")});
  const CtlRun corrupt = ctl({"payload", id});
  EXPECT_EQ(corrupt.code, 1);
  EXPECT_NE(corrupt.err.find("stored payload"), std::string::npos) << corrupt.err;
  const CtlRun missing = ctl({"payload", "no-such-job"});
  EXPECT_EQ(missing.code, 1);
  EXPECT_NE(missing.err.find("no job no-such-job"), std::string::npos) << missing.err;
}

TEST_F(Patchqctl, DeadPurgeDeletesLettersAndRecords) {
  const std::string id = dead_job("x");
  const CtlRun r = ctl({"dead", "purge"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "purged 1 dead letters\n");
  EXPECT_EQ(redis_.command({"EXISTS", "c:job:" + id}).integer, 0);
}

TEST_F(Patchqctl, EnqueueStoresThePayloadFileAndPrintsTheJobId) {
  TempDir dir;
  write_file(dir / "p.json", R"({"item":{"id":"abc"}})");
  const CtlRun r = ctl({"enqueue", "--payload", (dir / "p.json").string(), "--target", "patches",
                        "--item-id", "abc"});
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string id = r.out.substr(0, r.out.find('\n'));
  EXPECT_EQ(patchq::testing::stored_json(redis_.command({"HGET", "c:job:" + id, "payload"}).str),
            R"({"item":{"id":"abc"}})");
  EXPECT_EQ(redis_.command({"HGET", "c:job:" + id, "target"}).str, "patches");
  EXPECT_EQ(redis_.command({"HGET", "c:job:" + id, "delivery_id"}).str, "manual-" + id);
}

TEST_F(Patchqctl, EnqueueWithoutTargetOrReadablePayloadIsAUsageError) {
  CtlRun r = ctl({"enqueue", "--payload", "/nonexistent/p.json", "--target", "ds"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("cannot read /nonexistent/p.json"), std::string::npos) << r.err;
  r = ctl({"enqueue", "--payload", "/nonexistent/p.json"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--target SLUG is required"), std::string::npos) << r.err;
}

TEST_F(Patchqctl, AFlagOfAnotherCommandIsRefusedByName) {
  const CtlRun r = ctl({"stats", "--all"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("unknown flag --all"), std::string::npos) << r.err;
}

TEST_F(Patchqctl, AnUnknownCommandIsAUsageError) {
  const CtlRun r = ctl({"frobnicate"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("unknown command 'frobnicate'"), std::string::npos) << r.err;
}

TEST_F(Patchqctl, UnreachableRedisIsExit3WithAReason) {
  const CtlRun r = ctl({"stats"}, {{"PATCHQ_REDIS_URL", "redis://127.0.0.1:1/0"}});
  EXPECT_EQ(r.code, 3);
  EXPECT_NE(r.err.find("Redis unreachable"), std::string::npos) << r.err;
}

TEST_F(Patchqctl, HelpListsTheCommands) {
  const CtlRun r = ctl({"--help"});
  EXPECT_EQ(r.code, 0);
  for (const char* cmd :
       {"stats", "job <id>", "dead list", "dead retry", "dead purge", "enqueue"}) {
    EXPECT_NE(r.out.find(cmd), std::string::npos) << cmd;
  }
}

}  // namespace
}  // namespace patchq::testing
