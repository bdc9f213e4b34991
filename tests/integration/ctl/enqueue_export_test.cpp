// patchqctl enqueue-export against a real redis-server (and the V7 stand-in for --resolve-urls):
// generated export folders and zips with bad files and items without a usable URL, the cursor
// across --stop-after, SIGKILL and SIGINT, dedup on --restart, and --dry-run's figures.
#include <gtest/gtest.h>
#include <zip.h>

#include <csignal>
#include <set>

#include "common/queue/key_schema.hpp"
#include "tests/integration/v7sim/json_view.hpp"
#include "tests/integration/v7sim/sim_process.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/redis_server.hpp"
#include "tests/support/stored_payload.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/wait.hpp"

namespace patchq::testing {
namespace {

using namespace std::chrono_literals;
using v7sim::testing::JsonView;
using v7sim::testing::make_png;
using v7sim::testing::SimProcess;

constexpr const char* kPrefix = "x:";

struct CtlRun {
  int code = -1;
  std::string out;
  std::string err;
};

// One Darwin JSON 2.0 export file: a 640x480 image with a "patch (2x3)" box (6 tiles), a
// "patch" keypoint (1 tile) and a "car" (no patch). `url` empty: no url field at all.
std::string item_json(const std::string& id, const std::string& url, bool with_size = true,
                      const std::string& team = "acme") {
  const std::string size = with_size ? R"J("width": 640, "height": 480, )J" : "";
  const std::string url_field = url.empty() ? "" : R"J(, "url": ")J" + url + "\"";
  return R"J({"version": "2.0", "schema_ref": "https://darwin-public.s3.eu-west-1.amazonaws.com/darwin_json/2.0/schema.json",
  "item": {"name": ")J" +
         id + R"J(.png", "path": "/",
    "source_info": {"item_id": ")J" +
         id + R"J(", "team": {"name": "Acme", "slug": ")J" + team +
         R"J("}, "dataset": {"name": "Src", "slug": "src"}},
    "slots": [{"type": "image", "slot_name": "0", )J" +
         size + R"J("source_files": [{"file_name": ")J" + id + R"J(.png")J" + url_field + R"J(}]}]},
  "annotations": [
    {"id": "a1-)J" +
         id +
         R"J(", "name": "patch (2x3)", "slot_names": ["0"], "bounding_box": {"x": 10, "y": 20, "w": 300, "h": 200}},
    {"id": "a2-)J" +
         id + R"J(", "name": "patch", "slot_names": ["0"], "keypoint": {"x": 320, "y": 240}},
    {"id": "a3-)J" +
         id +
         R"J(", "name": "car", "slot_names": ["0"], "bounding_box": {"x": 1, "y": 1, "w": 5, "h": 5}}]})J";
}

std::string good_url(const std::string& id) {
  return "https://img.example.com/" + id + ".png";
}

std::string item_name(int i) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "item-%03d", i);
  return buffer;
}

void write_zip(const std::filesystem::path& path,
               const std::vector<std::pair<std::string, std::string>>& entries) {
  int error = 0;
  zip_t* archive = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
  ASSERT_NE(archive, nullptr);
  for (const auto& [name, bytes] : entries) {
    zip_source_t* source = zip_source_buffer(archive, bytes.data(), bytes.size(), 0);
    ASSERT_NE(source, nullptr);
    ASSERT_GE(zip_file_add(archive, name.c_str(), source, ZIP_FL_ENC_UTF_8), 0);
  }
  ASSERT_EQ(zip_close(archive), 0);  // reads the buffers, which `entries` keeps alive
}

class EnqueueExport : public ::testing::Test {
 protected:
  EnqueueExport() : keys_(kPrefix) {}

  std::vector<std::string> base_args(const std::filesystem::path& export_path) const {
    return {"--prefix", kPrefix, "enqueue-export", export_path.string(),
            "--target", "crops", "--rate",         "1000"};
  }
  std::map<std::string, std::string> env() const { return {{"PATCHQ_REDIS_URL", redis_.url()}}; }

  CtlRun ctl(const std::filesystem::path& export_path, const std::vector<std::string>& extra = {},
             std::map<std::string, std::string> more_env = {}) {
    auto args = base_args(export_path);
    args.insert(args.end(), extra.begin(), extra.end());
    auto e = env();
    e.insert(more_env.begin(), more_env.end());
    ChildProcess p(binary_path("patchqctl"), args, e);
    p.wait_exit(20s);
    return {p.exit_code().value_or(-1), p.stdout_text(), p.stderr_text()};
  }

  long long queued() { return redis_.command({"XLEN", keys_.jobs_stream()}).integer; }

  // item_id of every job record.
  std::multiset<std::string> job_items() {
    std::multiset<std::string> out;
    const auto keys = redis_.command({"KEYS", keys_.job_record_prefix() + "*"});
    for (const auto& k : keys.elements) {
      out.insert(redis_.command({"HGET", k.str, "item_id"}).str);
    }
    return out;
  }
  std::string payload_of_item(const std::string& item_id) {
    const auto keys = redis_.command({"KEYS", keys_.job_record_prefix() + "*"});
    for (const auto& k : keys.elements) {
      if (redis_.command({"HGET", k.str, "item_id"}).str == item_id) {
        return stored_json(redis_.command({"HGET", k.str, "payload"}).str);
      }
    }
    return {};
  }

  // n good items, named item-000.json ...
  void write_items(const std::filesystem::path& dir, int n) {
    std::filesystem::create_directories(dir);
    for (int i = 0; i < n; ++i) {
      write_file(dir / (item_name(i) + ".json"), item_json(item_name(i), good_url(item_name(i))));
    }
  }

  RedisServer redis_;
  queue::KeySchema keys_;
  TempDir dir_;
};

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST_F(EnqueueExport, AFolderBecomesOneJobPerItemAndBadFilesAreListed) {
  const auto root = dir_ / "annotations";
  write_items(root / "sub", 4);  // items may sit in folders
  write_file(root / "broken.json", "{\"version\": \"2.0\", ");
  write_file(root / "shape.json", R"({"version": "2.0", "item": {"name": 3}})");
  write_file(root / "nourl.json", item_json("nourl", ""));
  std::filesystem::create_directories(root / ".v7");
  write_file(root / ".v7" / "metadata.json", R"({"properties": []})");
  write_file(root / "README.txt", "not an item");

  const CtlRun r = ctl(root);
  EXPECT_EQ(r.code, 1) << r.out << r.err;  // something was bad
  EXPECT_EQ(queued(), 4);
  EXPECT_TRUE(has(r.out, "item files          7\n")) << r.out;
  EXPECT_TRUE(has(r.out, "ignored files       2\n")) << r.out;
  EXPECT_TRUE(has(r.out, "enqueued            4\n")) << r.out;
  EXPECT_TRUE(has(r.out, "bad files           2\n")) << r.out;
  EXPECT_TRUE(has(r.out, "no usable url       1\n")) << r.out;
  EXPECT_TRUE(has(r.out, "  broken.json: not JSON")) << r.out;
  EXPECT_TRUE(has(r.out, "  shape.json: ")) << r.out;
  EXPECT_TRUE(has(r.out, "  nourl.json (item nourl): no image URL")) << r.out;
  EXPECT_TRUE(has(r.out, "hint: run again with --resolve-urls")) << r.out;

  // The same job the receiver makes: the file as the payload, its item id, the target.
  EXPECT_EQ(job_items(),
            (std::multiset<std::string>{"item-000", "item-001", "item-002", "item-003"}));
  EXPECT_EQ(payload_of_item("item-002"), read_file(root / "sub" / "item-002.json"));
  const auto keys = redis_.command({"KEYS", keys_.job_record_prefix() + "*"});
  EXPECT_EQ(redis_.command({"HGET", keys.elements[0].str, "target"}).str, "crops");
}

TEST_F(EnqueueExport, AZipIsReadInPlaceAndAnOversizedEntryIsBad) {
  std::vector<std::pair<std::string, std::string>> entries;
  for (int i = 0; i < 3; ++i) {
    entries.emplace_back(item_name(i) + ".json", item_json(item_name(i), good_url(item_name(i))));
  }
  entries.emplace_back("big.json", std::string(100 * 1024, ' ') + "{}");
  entries.emplace_back("bad.json", "\x89PNG not json");
  entries.emplace_back(".v7/metadata.json", "{}");
  const auto zip = dir_ / "export.zip";
  write_zip(zip, entries);

  const CtlRun r = ctl(zip, {"--max-file-bytes", "64KiB"});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_EQ(queued(), 3);
  EXPECT_TRUE(has(r.out, "(zip)")) << r.out;
  EXPECT_TRUE(has(r.out, "  big.json: larger than 65536 bytes")) << r.out;
  EXPECT_TRUE(has(r.out, "  bad.json: not JSON")) << r.out;
  EXPECT_TRUE(has(r.out, "ignored files       1\n")) << r.out;
}

TEST_F(EnqueueExport, ACleanExportExitsZero) {
  write_items(dir_ / "e", 3);
  const CtlRun r = ctl(dir_ / "e");
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(queued(), 3);
}

TEST_F(EnqueueExport, ASecondRunEnqueuesNothingAndRestartFindsTheDuplicates) {
  write_items(dir_ / "e", 5);
  ASSERT_EQ(ctl(dir_ / "e").code, 0);
  CtlRun again = ctl(dir_ / "e");
  EXPECT_EQ(again.code, 0) << again.out << again.err;
  EXPECT_TRUE(has(again.out, "behind cursor       5\n")) << again.out;
  EXPECT_TRUE(has(again.out, "enqueued            0\n")) << again.out;
  // Without the cursor the receiver's dedup still answers with the original jobs.
  again = ctl(dir_ / "e", {"--restart"});
  EXPECT_EQ(again.code, 0) << again.out << again.err;
  EXPECT_TRUE(has(again.out, "enqueued            0\n")) << again.out;
  EXPECT_TRUE(has(again.out, "duplicates          5\n")) << again.out;
  EXPECT_EQ(queued(), 5);
}

TEST_F(EnqueueExport, StopAfterThenARerunEnqueuesOnlyWhatIsLeft) {
  write_items(dir_ / "e", 10);
  const CtlRun first = ctl(dir_ / "e", {"--stop-after", "4"});
  EXPECT_EQ(first.code, 0) << first.out << first.err;
  EXPECT_TRUE(has(first.err, "stopped after 4 new jobs")) << first.err;
  EXPECT_EQ(queued(), 4);
  const CtlRun second = ctl(dir_ / "e");
  EXPECT_EQ(second.code, 0) << second.out << second.err;
  EXPECT_TRUE(has(second.out, "behind cursor       4\n")) << second.out;
  EXPECT_TRUE(has(second.out, "enqueued            6\n")) << second.out;
  const auto items = job_items();
  EXPECT_EQ(items.size(), 10u);
  EXPECT_EQ(std::set<std::string>(items.begin(), items.end()).size(), 10u);
}

TEST_F(EnqueueExport, AKilledRunLosesNothingAndRepeatsNothing) {
  write_items(dir_ / "e", 30);
  auto args = base_args(dir_ / "e");
  args.back() = "40";  // --rate 40: the run takes ~0.75 s, killed a quarter in
  {
    ChildProcess p(binary_path("patchqctl"), args, env());
    ASSERT_TRUE(wait_until([&] { return queued() >= 8; }, 10s, 1ms));
    p.signal(SIGKILL);
    p.wait_exit(5s);
  }
  const long long before = queued();
  ASSERT_LT(before, 30);
  const CtlRun rerun = ctl(dir_ / "e");
  EXPECT_EQ(rerun.code, 0) << rerun.out << rerun.err;
  EXPECT_TRUE(has(rerun.out, "enqueued            " + std::to_string(30 - before) + "\n"))
      << before << "\n"
      << rerun.out;
  EXPECT_TRUE(has(rerun.out, "duplicates          0\n")) << rerun.out;
  const auto items = job_items();
  EXPECT_EQ(items.size(), 30u);
  EXPECT_EQ(std::set<std::string>(items.begin(), items.end()).size(), 30u);
}

TEST_F(EnqueueExport, SigintStopsBetweenTwoItemsWithExit130) {
  write_items(dir_ / "e", 30);
  auto args = base_args(dir_ / "e");
  args.back() = "20";
  ChildProcess p(binary_path("patchqctl"), args, env());
  ASSERT_TRUE(wait_until([&] { return queued() >= 3; }, 10s, 1ms));
  p.signal(SIGINT);
  p.wait_exit(5s);
  EXPECT_EQ(p.exit_code(), 130) << p.stderr_text();
  EXPECT_TRUE(has(p.stderr_text(), "interrupted; run the same command again")) << p.stderr_text();
  const long long before = queued();
  EXPECT_LT(before, 30);
  EXPECT_TRUE(has(p.stdout_text(), "enqueued            " + std::to_string(before) + "\n"))
      << p.stdout_text();
  EXPECT_EQ(ctl(dir_ / "e").code, 0);
  EXPECT_EQ(queued(), 30);
}

TEST_F(EnqueueExport, DryRunCountsItemsPatchAnnotationsAndTilesAndEnqueuesNothing) {
  write_items(dir_ / "e", 4);
  write_file(dir_ / "e" / "nourl.json", item_json("nourl", ""));
  write_file(dir_ / "e" / "nosize.json", item_json("nosize", good_url("nosize"), false));
  write_file(dir_ / "e" / "broken.json", "[");
  const CtlRun r = ctl(dir_ / "e", {"--dry-run", "--rate", "2"});
  EXPECT_EQ(r.code, 1) << r.out << r.err;  // a bad file and an item without URL
  EXPECT_EQ(queued(), 0);
  EXPECT_EQ(redis_.command({"KEYS", std::string(kPrefix) + "backfill:*"}).elements.size(), 0u);
  EXPECT_TRUE(has(r.out, "dry run             nothing enqueued\n")) << r.out;
  EXPECT_TRUE(has(r.out, "items               6\n")) << r.out;
  // 5 items with a size, each "patch (2x3)" (6 tiles) + "patch" keypoint (1 tile).
  EXPECT_TRUE(has(r.out, "patch annotations   10\n")) << r.out;
  EXPECT_TRUE(has(r.out, "expected tiles      35\n")) << r.out;
  EXPECT_TRUE(has(r.out, "without size        1\n")) << r.out;
  EXPECT_TRUE(has(r.out, "would enqueue       5\n")) << r.out;
  EXPECT_TRUE(has(r.out, "rate                2.00 jobs/s\n")) << r.out;
  EXPECT_TRUE(has(r.out, "bad files           1\n")) << r.out;
  EXPECT_TRUE(has(r.out, "no usable url       1\n")) << r.out;
}

TEST_F(EnqueueExport, DryRunRulesFollowThePatchFlags) {
  write_items(dir_ / "e", 2);
  const CtlRun r = ctl(dir_ / "e", {"--dry-run", "--keywords", "car"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_TRUE(has(r.out, "patch annotations   2\n")) << r.out;  // only the "car" boxes
  EXPECT_TRUE(has(r.out, "expected tiles      2\n")) << r.out;
}

TEST_F(EnqueueExport, ExpiredPresignedUrlsAreReported) {
  std::filesystem::create_directories(dir_ / "e");
  write_file(dir_ / "e" / "old.json",
             item_json("old",
                       "https://b.s3.amazonaws.com/old.png?X-Amz-Date=20200101T000000Z"
                       "&X-Amz-Expires=3600&X-Amz-Signature=ab"));
  write_file(dir_ / "e" / "fresh.json",
             item_json("fresh",
                       "https://b.s3.amazonaws.com/f.png?X-Amz-Date=20990101T000000Z"
                       "&X-Amz-Expires=3600&X-Amz-Signature=ab"));
  const CtlRun r = ctl(dir_ / "e");
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_EQ(queued(), 1);
  EXPECT_TRUE(has(r.out, "  old.json (item old): image URL expired 2020-01-01T01:00:00")) << r.out;
}

TEST_F(EnqueueExport, ProgressIsPlainLinesWhenNotATerminal) {
  write_items(dir_ / "e", 5);
  const CtlRun r = ctl(dir_ / "e", {"--progress-every", "1ms"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(has(r.err, "progress 5/5 100.0% ")) << r.err;
  EXPECT_TRUE(has(r.err, " ETA 0s enqueued 5\n")) << r.err;
  EXPECT_FALSE(has(r.err, "\r")) << r.err;
}

TEST_F(EnqueueExport, ProgressIsABarRedrawnInPlaceOnATerminal) {
  write_items(dir_ / "e", 5);
  // util-linux `script` gives the command a pseudo-terminal and copies what it shows.
  std::string command = binary_path("patchqctl").string();
  for (const auto& a : base_args(dir_ / "e")) command += " '" + a + "'";
  ChildProcess p("/usr/bin/script", {"-qec", command, "/dev/null"}, env());
  p.wait_exit(20s);
  ASSERT_EQ(p.exit_code(), 0) << p.stdout_text() << p.stderr_text();
  const std::string screen = p.stdout_text();
  EXPECT_TRUE(has(screen, "\r[##############################] 5/5 100.0% ")) << screen;
  EXPECT_TRUE(has(screen, "\x1b[K")) << screen;
  EXPECT_FALSE(has(screen, "progress ")) << screen;
}

TEST_F(EnqueueExport, UsageErrorsNameTheProblem) {
  write_items(dir_ / "e", 1);
  CtlRun r = ctl(dir_ / "missing");
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(has(r.err, "no such file or folder")) << r.err;
  r = ctl(dir_ / "e", {"--rate", "fast"});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(has(r.err, "--rate must be a number")) << r.err;
  r = ctl(dir_ / "e", {"--resolve-urls"});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(has(r.err, "no V7 API key")) << r.err;
  ChildProcess p(binary_path("patchqctl"), {"enqueue-export", (dir_ / "e").string()}, env());
  p.wait_exit(10s);
  EXPECT_EQ(p.exit_code(), 2);
  EXPECT_TRUE(has(p.stderr_text(), "--target SLUG is required")) << p.stderr_text();
}

TEST_F(EnqueueExport, MissingAndExpiredUrlsAreResolvedThroughV7) {
  SimProcess sim;
  const std::string team = sim.options().team;
  std::vector<std::string> ids;
  std::vector<std::string> urls;
  for (const char* name : {"a.png", "b.png", "c.png"}) {
    const auto added =
        sim.call("POST", std::string("/_sim/datasets/src/images?name=") + name, make_png(64, 48));
    ASSERT_EQ(added.status, 201) << added.body;
    const JsonView payload(added.body);
    ids.push_back(payload.str("item.source_info.item_id"));
    urls.push_back(payload.str("item.slots.0.source_files.0.url"));
  }
  const auto root = dir_ / "e";
  std::filesystem::create_directories(root);
  write_file(root / "a.json", item_json(ids[0], "", true, team));
  write_file(
      root / "b.json",
      item_json(ids[1], urls[1] + "?X-Amz-Date=20200101T000000Z&X-Amz-Expires=60", true, team));
  write_file(root / "c.json", item_json(ids[2], urls[2], true, team));
  write_file(root / "d.json", item_json("not-in-v7", "", true, team));

  CtlRun r = ctl(root);
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_EQ(queued(), 1);
  EXPECT_TRUE(has(r.out, "no usable url       3\n")) << r.out;

  const std::map<std::string, std::string> key = {{"V7_API_KEY", sim.options().api_key}};
  r = ctl(root, {"--resolve-urls", "--v7-api-url", sim.base_url(), "--allow-private-hosts"}, key);
  EXPECT_EQ(r.code, 1) << r.out << r.err;                       // d is not in V7
  EXPECT_TRUE(has(r.out, "behind cursor       1\n")) << r.out;  // c.json, enqueued before
  EXPECT_TRUE(has(r.out, "enqueued            2\n")) << r.out;
  EXPECT_TRUE(has(r.out, "resolved urls       2\n")) << r.out;
  EXPECT_TRUE(has(r.out, "  d.json (item not-in-v7): no image URL; V7 item not-in-v7: ")) << r.out;
  EXPECT_EQ(queued(), 3);
  EXPECT_TRUE(has(payload_of_item(ids[0]), "\"url\":\"" + urls[0] + "\""))
      << payload_of_item(ids[0]);
  EXPECT_TRUE(has(payload_of_item(ids[1]), "\"url\":\"" + urls[1] + "\""))
      << payload_of_item(ids[1]);
  // The look-ups went through the fleet's V7 budget in Redis: one bucket (beside it the fair
  // share's keys, `<bucket>:...`).
  std::size_t buckets = 0;
  for (const auto& key : redis_.command({"KEYS", std::string(kPrefix) + "v7rate:*"}).elements) {
    if (key.str.find(':', std::string(kPrefix).size() + 7) == std::string::npos) ++buckets;
  }
  EXPECT_EQ(buckets, 1u);
  const JsonView stats(sim.call("GET", "/_sim/stats").body);
  EXPECT_EQ(stats.num("endpoints.item.by_status.200"), 2);

  // Only d is left; a third run tries it alone.
  r = ctl(root, {"--resolve-urls", "--v7-api-url", sim.base_url(), "--allow-private-hosts"}, key);
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_TRUE(has(r.out, "behind cursor       3\n")) << r.out;
  EXPECT_TRUE(has(r.out, "enqueued            0\n")) << r.out;
  EXPECT_EQ(queued(), 3);
}

}  // namespace
}  // namespace patchq::testing
