// ScriptedHandler: see scripted_handler.hpp.
#include "tests/integration/worker/scripted_handler.hpp"

#include <simdjson.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "common/redis/sync_client.hpp"

namespace patchq::testing {
namespace {

struct Script {
  std::int64_t sleep_ms = 0;
  std::int64_t sleep_times = -1;  // -1: every run
  std::string outcome = "done";
  std::int64_t tiles = 1;
  std::string error = "scripted failure";
  std::int64_t retry_after_ms = -1;
  bool crash = false;
  std::int64_t crash_times = -1;
  std::string succeed_flag;
};

Script parse_script(const std::string& payload) {
  Script s;
  simdjson::ondemand::parser parser;
  simdjson::padded_string padded(payload);
  auto doc = parser.iterate(padded);
  simdjson::ondemand::object script;
  if (doc["script"].get_object().get(script) != simdjson::SUCCESS) return s;
  for (auto field : script) {
    std::string_view key = field.unescaped_key().value();
    auto value = field.value();
    if (key == "sleep_ms") s.sleep_ms = value.get_int64().value();
    if (key == "sleep_times") s.sleep_times = value.get_int64().value();
    if (key == "outcome") s.outcome = std::string(value.get_string().value());
    if (key == "tiles") s.tiles = value.get_int64().value();
    if (key == "error") s.error = std::string(value.get_string().value());
    if (key == "retry_after_ms") s.retry_after_ms = value.get_int64().value();
    if (key == "crash") s.crash = value.get_bool().value();
    if (key == "crash_times") s.crash_times = value.get_int64().value();
    if (key == "succeed_flag") s.succeed_flag = std::string(value.get_string().value());
  }
  return s;
}

bool applies(std::int64_t times, std::int64_t run) {
  return times < 0 || run <= times;
}

}  // namespace

queue::JobHandler make_scripted_handler(const worker::WorkerConfig& config) {
  redis::SyncClient::Options options;
  options.endpoint = config.redis;
  auto client = std::make_shared<redis::SyncClient>(options);
  const std::string pid = std::to_string(::getpid());
  try {
    client->pipeline(
        {{"SADD", "testbed:pids", pid},
         {"SET", "testbed:upload_concurrency", std::to_string(config.upload_concurrency)},
         {"SET", "testbed:jobs_in_flight", std::to_string(config.jobs_in_flight)}});
  } catch (const redis::ConnectionError&) {
    // Redis down at start is a case the worker must survive; the tests that need these keys
    // start Redis first.
  }
  // The worker's lanes call the handler concurrently: one call at a time on the connection.
  auto mutex = std::make_shared<std::mutex>();
  auto command = [client, mutex](const std::vector<std::string>& argv) {
    std::lock_guard lock(*mutex);
    return client->command(argv);
  };
  return [client, mutex, command, pid](const queue::Job& job, queue::JobContext& ctx) {
    const Script s = parse_script(job.payload);
    const auto started = std::chrono::steady_clock::now();
    std::int64_t run = 0;
    {
      std::lock_guard lock(*mutex);
      const auto replies = client->pipeline(
          {{"INCR", "testbed:runs:" + job.id}, {"SET", "testbed:running:" + job.id, pid}});
      run = replies[0].integer;
    }
    ctx.record_stage("fetch", std::chrono::steady_clock::now() - started);
    if (s.sleep_ms > 0 && applies(s.sleep_times, run)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(s.sleep_ms));
    }
    if (s.crash && applies(s.crash_times, run)) {
      rlimit no_core{0, 0};
      ::setrlimit(RLIMIT_CORE, &no_core);
      std::abort();
    }
    std::string outcome = s.outcome;
    if (!s.succeed_flag.empty() && command({"EXISTS", s.succeed_flag}).integer == 1) {
      outcome = "done";
    }
    if (outcome == "retry") {
      std::optional<std::chrono::milliseconds> after;
      if (s.retry_after_ms >= 0) after = std::chrono::milliseconds(s.retry_after_ms);
      return queue::JobOutcome::retry(s.error, after);
    }
    if (outcome == "dead") return queue::JobOutcome::dead(s.error);
    if (outcome == "throw") throw std::runtime_error(s.error);
    command({"INCR", "testbed:effects:" + job.id});
    return queue::JobOutcome::done(s.tiles);
  };
}

}  // namespace patchq::testing
