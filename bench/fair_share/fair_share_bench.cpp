// Small jobs' latency while big jobs hold the V7 budget, with the fleet rate limiter's fair
// share (--v7-share-window 1s) against first come, first served (0), in one run on one Redis.
// Calls are simulated: each caller takes its token (FleetRateLimiter::acquire, the real
// script) and then holds the "call" for --call-ms. Prints a markdown section for
// docs/BENCHMARKS.md.
//   big job    a 10,000-tile register-mode job: 5 threads (4 uploads + group-committed
//              register_upload) always calling, ~20,000 calls in all (22 min at 900/min),
//              measured while it runs
//   small job  direct mode, 20 tiles: fetch image + one direct_upload, one after the other
//              register mode, 10 tiles: register_upload, then sign + confirm per tile on 4
//              threads (21 calls)
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "common/v7/rate_limiter.hpp"
#include "tests/support/redis_server.hpp"

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using patchq::v7::FleetRateLimiter;
using patchq::v7::ShareScope;

struct Settings {
  std::int64_t rate = 900;
  std::int64_t burst = 30;
  std::chrono::milliseconds call{30};
  int direct_jobs = 8;
  int register_jobs = 3;
};

struct Figures {
  double direct_median_s = 0;
  double register_median_s = 0;
  double big_calls_per_s = 0;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

class Scenario {
 public:
  Scenario(const patchq::testing::RedisServer& redis, const Settings& settings,
           std::chrono::milliseconds window, const std::string& name)
      : settings_(settings) {
    options_.endpoint = redis.endpoint();
    options_.api_key = "bench-" + name;  // one bucket per scenario
    options_.rate_per_minute = settings.rate;
    options_.burst = settings.burst;
    options_.share_window = window;
  }

  // One limiter per calling thread, as worker processes have their own.
  std::unique_ptr<FleetRateLimiter> limiter() const {
    return std::make_unique<FleetRateLimiter>(options_);
  }

  void call(FleetRateLimiter& limiter) const {
    limiter.acquire();
    std::this_thread::sleep_for(settings_.call);
  }

  double direct_job(const std::string& id) const {
    const ShareScope share(id);
    auto l = limiter();
    const auto start = Clock::now();
    call(*l);  // fetch image
    call(*l);  // direct_upload
    return std::chrono::duration<double>(Clock::now() - start).count();
  }

  double register_job(const std::string& id) const {
    const auto start = Clock::now();
    {
      const ShareScope share(id);
      auto l = limiter();
      call(*l);  // register_upload
    }
    std::atomic<int> next{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, id] {
        const ShareScope share(id);
        auto l = limiter();
        while (next.fetch_add(1) < 10) {
          call(*l);  // sign
          call(*l);  // confirm
        }
      });
    }
    for (auto& t : threads) t.join();
    return std::chrono::duration<double>(Clock::now() - start).count();
  }

  Figures run(int big_jobs) const {
    std::atomic<bool> stop{false};
    std::atomic<long> big_calls{0};
    std::vector<std::thread> big;
    for (int j = 0; j < big_jobs; ++j) {
      for (int t = 0; t < 5; ++t) {
        big.emplace_back([&, j] {
          const ShareScope share("big-" + std::to_string(j));
          auto l = limiter();
          while (!stop) {
            call(*l);
            ++big_calls;
          }
        });
      }
    }
    if (big_jobs > 0) std::this_thread::sleep_for(3s);  // past the burst: the budget is held
    const long calls_before = big_calls.load();
    const auto measured_from = Clock::now();
    Figures f;
    std::vector<double> direct, registered;
    for (int i = 0; i < settings_.direct_jobs; ++i) {
      direct.push_back(direct_job("direct-" + std::to_string(i)));
    }
    for (int i = 0; i < settings_.register_jobs; ++i) {
      registered.push_back(register_job("register-" + std::to_string(i)));
    }
    const double span = std::chrono::duration<double>(Clock::now() - measured_from).count();
    f.big_calls_per_s = static_cast<double>(big_calls.load() - calls_before) / span;
    stop = true;
    for (auto& t : big) t.join();
    f.direct_median_s = median(direct);
    f.register_median_s = median(registered);
    return f;
  }

 private:
  Settings settings_;
  FleetRateLimiter::Options options_;
};

}  // namespace

int main() {
  const Settings settings;
  patchq::testing::RedisServer redis;
  const auto measure = [&](std::chrono::milliseconds window, int big_jobs, const char* name) {
    return Scenario(redis, settings, window, name + std::to_string(big_jobs)).run(big_jobs);
  };
  const Figures alone = measure(1000ms, 0, "alone");
  std::printf("## Fair share of the V7 budget (`bench/fair_share`)\n\n");
  std::printf(
      "Small jobs' wall time while big jobs hold the budget (%lld calls/min, burst %lld, each "
      "call held %lld ms; the real limiter script on a local Redis, calls simulated). A big job "
      "is a 10,000-tile register-mode job: 5 threads always calling (~20,000 calls, 22 min at "
      "900/min). Small: a 20-tile direct-mode job (fetch + one direct_upload, in turn) and a "
      "10-tile register-mode job (21 calls on 4 threads); medians of %d and %d jobs. Alone: "
      "direct %.2f s, register %.2f s.\n\n",
      static_cast<long long>(settings.rate), static_cast<long long>(settings.burst),
      static_cast<long long>(settings.call.count()), settings.direct_jobs, settings.register_jobs,
      alone.direct_median_s, alone.register_median_s);
  std::printf(
      "| big jobs running | limiter | direct job | register job | big jobs' calls/s |\n"
      "|---|---|---|---|---|\n");
  for (const int big : {1, 3}) {
    const Figures fifo = measure(0ms, big, "fifo");
    const Figures fair = measure(1000ms, big, "fair");
    std::printf("| %d | first come, first served | %.2f s | %.2f s | %.1f |\n", big,
                fifo.direct_median_s, fifo.register_median_s, fifo.big_calls_per_s);
    std::printf("| %d | fair share | %.2f s (%.1fx faster) | %.2f s (%.1fx faster) | %.1f |\n", big,
                fair.direct_median_s, fifo.direct_median_s / fair.direct_median_s,
                fair.register_median_s, fifo.register_median_s / fair.register_median_s,
                fair.big_calls_per_s);
    std::fflush(stdout);
  }
  return 0;
}
