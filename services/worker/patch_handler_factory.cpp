#include "services/worker/patch_handler_factory.hpp"

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <stop_token>
#include <string_view>
#include <thread>
#include <vector>

#include "common/net/http_client.hpp"
#include "common/obs/log.hpp"
#include "common/obs/metrics.hpp"
#include "common/patchjob/patch_job_handler.hpp"
#include "common/storage/object_store.hpp"
#include "common/storage/storage_config.hpp"
#include "common/v7/prepaying_limiter.hpp"
#include "common/v7/registration_desk.hpp"
#include "common/v7/upload_journal.hpp"
#include "common/v7/v7_lookups.hpp"
#include "services/worker/readiness.hpp"

namespace patchq::worker {

void add_patch_handler_flags(config::FlagSet& flags, patchjob::PatchJobFlags& values) {
  patchjob::add_patch_job_flags(flags, values);
  patch::add_decoded_budget_flags(flags, values.decoded_budget);
}

namespace {

constexpr std::string_view kStorage = "storage";
constexpr std::chrono::seconds kStorageRecheck{15};

enum class StorageCheck { ready, unreachable, refused };

// Storage mode's bucket is listed and written under the prefix. `why` gets the reason when it
// is not ready.
StorageCheck check_storage_once(const patchjob::PatchJobConfig& config, std::string& why) {
  auto store = storage::ObjectStore::open(config.storage);
  if (!store) {
    why = store.error().reason;
    return StorageCheck::refused;
  }
  net::HttpClientOptions options;
  std::vector<net::TrustedOrigin> trusted;
  if (auto origin = storage::private_storage_origin(config.storage); !origin.empty()) {
    trusted.push_back({std::move(origin), true});
  }
  options.rules = net::HostRules({}, config.v7.allow_private_hosts, std::move(trusted));
  options.connect_timeout = config.v7.connect_timeout;
  options.transfer_timeout = config.v7.transfer_timeout;
  net::HttpClient http(options);
  auto checked = (*store)->check(http);
  if (checked) {
    obs::log_info("storage_ready").field("storage", (*store)->describe());
    return StorageCheck::ready;
  }
  why = "storage " + (*store)->describe() + ": " + checked.error().reason;
  return checked.error().retryable() ? StorageCheck::unreachable : StorageCheck::refused;
}

// Checked once at start: wrong credentials or a missing bucket stop the worker with the reason
// instead of dead-lettering every job; an unreachable one is logged and makes /readyz answer
// 503 until a re-check passes (jobs retry until it answers).
Status check_storage(const patchjob::PatchJobConfig& config) {
  if (!config.storage.enabled()) return ok_status();
  std::string why;
  switch (check_storage_once(config, why)) {
    case StorageCheck::ready:
      set_ready(kStorage);
      return ok_status();
    case StorageCheck::refused:
      return fail(why);
    case StorageCheck::unreachable:
      break;
  }
  obs::log_warn("storage_unreachable_at_start").field("reason", why);
  set_not_ready(kStorage, "unreachable at start, re-checked every " +
                              std::to_string(kStorageRecheck.count()) + " s: " + why);
  return ok_status();
}

// While the storage is not ready, a worker process re-checks it in the background until it
// passes (then /readyz says ready). Stops with the process.
class StorageRechecker {
 public:
  explicit StorageRechecker(patchjob::PatchJobConfig config)
      : thread_([this, config = std::move(config)](std::stop_token stop) { run(stop, config); }) {}

 private:
  void run(const std::stop_token& stop, const patchjob::PatchJobConfig& config) {
    std::mutex mutex;
    std::condition_variable_any wakeup;
    for (;;) {
      std::unique_lock lock(mutex);
      if (wakeup.wait_for(lock, stop, kStorageRecheck, [] { return false; })) return;
      if (stop.stop_requested()) return;
      std::string why;
      const auto state = check_storage_once(config, why);
      if (state == StorageCheck::ready) {
        set_ready(kStorage);
        return;
      }
      set_not_ready(kStorage,
                    std::string(state == StorageCheck::refused ? "refused" : "unreachable") +
                        ", re-checked every " + std::to_string(kStorageRecheck.count()) +
                        " s: " + why);
    }
  }
  std::jthread thread_;
};

// The handler the worker's job lanes call, up to --jobs-in-flight at once. A PatchJobHandler
// (its V7 client, connections) serves one job at a time, so each concurrent job borrows one;
// they share the fleet limiter, the V7 lookup cache, the registration desk and the journal,
// which are thread-safe, so the jobs of one process fill the same registration calls. Handlers are
// made when first needed: at most one per lane.
class PatchHandlerPool {
 public:
  using Make = std::function<std::unique_ptr<patchjob::PatchJobHandler>()>;
  explicit PatchHandlerPool(Make make) : make_(std::move(make)) {}

  void prepare_one() { give_back(make_()); }

  queue::JobOutcome handle(const queue::Job& job, queue::JobContext& ctx) {
    std::unique_ptr<patchjob::PatchJobHandler> handler = borrow();
    struct GiveBack {
      PatchHandlerPool& pool;
      std::unique_ptr<patchjob::PatchJobHandler>& handler;
      ~GiveBack() { pool.give_back(std::move(handler)); }
    } give_back{*this, handler};
    return handler->handle(job, ctx);
  }

 private:
  std::unique_ptr<patchjob::PatchJobHandler> borrow() {
    {
      std::lock_guard lock(mutex_);
      if (!idle_.empty()) {
        auto handler = std::move(idle_.back());
        idle_.pop_back();
        return handler;
      }
    }
    return make_();
  }
  void give_back(std::unique_ptr<patchjob::PatchJobHandler> handler) {
    std::lock_guard lock(mutex_);
    idle_.push_back(std::move(handler));
  }

  Make make_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<patchjob::PatchJobHandler>> idle_;
};

bool storage_not_ready() {
  for (const auto& reason : not_ready_reasons()) {
    if (reason.starts_with(std::string(kStorage) + ":")) return true;
  }
  return false;
}

}  // namespace

Status check_patch_handler_flags(const patchjob::PatchJobFlags& values) {
  auto config = patchjob::to_patch_job_config(values);
  if (!config) return config.error();
  auto budget =
      patch::to_decoded_budget_options(values.decoded_budget, values.tiles.max_decoded_bytes);
  if (!budget) return budget.error();
  return check_storage(*config);
}

std::int64_t default_jobs_in_flight(const patchjob::PatchJobFlags& values) {
  if (values.storage.enabled()) return kStorageJobsInFlight;
  return values.v7.upload_mode == "direct" ? kDirectJobsInFlight : 1;
}

queue::JobHandler make_patch_handler(const patchjob::PatchJobFlags& values,
                                     const WorkerConfig& config) {
  auto job_config = patchjob::to_patch_job_config(values);
  if (!job_config) throw std::invalid_argument(job_config.error().reason);
  // One flag, owned by the worker, says how many tile uploads a job keeps in flight.
  job_config->v7.upload_concurrency = config.upload_concurrency;
  // The process's jobs in flight share one decode memory budget (one per process, after fork).
  auto budget_options =
      patch::to_decoded_budget_options(values.decoded_budget, values.tiles.max_decoded_bytes);
  if (!budget_options) throw std::invalid_argument(budget_options.error().reason);
  budget_options->metrics = &obs::process_registry();
  job_config->tiles.decoded_budget = std::make_shared<patch::DecodedBudget>(*budget_options);

  v7::FleetRateLimiter::Options limits;
  limits.endpoint = config.redis;
  limits.key_prefix = config.prefix;
  limits.api_key = job_config->v7.api_key;
  limits.rate_per_minute = job_config->v7.rate_per_minute;
  limits.burst = job_config->v7.rate_burst;
  limits.share_window = job_config->v7.rate_share_window;
  v7::FleetRateLimiter::Options registration_limits = limits;
  registration_limits.bucket = std::string(v7::kRegistrationBucket);
  registration_limits.rate_per_minute = v7::kRegistrationRatePerMinute;
  registration_limits.burst = v7::kRegistrationBurst;
  // Prepaying: the direct-upload desk's leader takes its token before it picks the call's tiles.
  auto limiter = std::make_shared<v7::PrepayingLimiter>(
      std::make_shared<v7::FleetRateLimiter>(std::move(limits)));
  // Storage mode: register calls are shared by the fleet's jobs through a desk in Redis; the
  // pacer lets a desk caller take its token before it picks the call's items.
  auto registration_pacer = std::make_shared<v7::PrepayingLimiter>(
      std::make_shared<v7::FleetRateLimiter>(std::move(registration_limits)));
  std::shared_ptr<v7::RegistrationDesk> desk;
  if (job_config->storage.enabled()) {
    v7::RegistrationDesk::Options desk_options;
    desk_options.endpoint = config.redis;
    desk_options.key_prefix = config.prefix;
    desk_options.api_key = job_config->v7.api_key;
    desk = std::make_shared<v7::RegistrationDesk>(std::move(desk_options), registration_pacer,
                                                  limiter);
  }

  const patchjob::PatchJobConfig recheck_config = *job_config;
  // The register way resumes only uploads it recorded itself (never overwrites an item).
  v7::RedisUploadJournal::Options journal_options;
  journal_options.endpoint = config.redis;
  journal_options.key_prefix = config.prefix;
  auto journal = std::make_shared<v7::RedisUploadJournal>(std::move(journal_options));
  auto cut_ledger = std::make_shared<patchjob::RedisCutLedger>(
      patchjob::RedisCutLedger::Options{config.redis, config.prefix});
  // One set for the process: its lanes look each answer up once between them, and jobs that
  // finish together (or wait for the budget together) share a direct_upload call.
  v7::DirectUploadDesk::Options direct_desk;
  direct_desk.call_bytes = job_config->v7.direct_upload_call_bytes;
  direct_desk.budget = limiter;
  direct_desk.metrics = &obs::process_registry();
  const patchjob::ProcessShared shared{std::make_shared<v7::V7Lookups>(),
                                       std::make_shared<patchjob::CarriedClasses>(),
                                       std::make_shared<v7::DirectUploadDesk>(direct_desk)};
  auto pool =
      std::make_shared<PatchHandlerPool>([job_config = std::move(*job_config), limiter,
                                          registration_pacer, desk, journal, cut_ledger, shared] {
        return std::make_unique<patchjob::PatchJobHandler>(job_config, limiter, registration_pacer,
                                                           desk, journal, cut_ledger, shared);
      });
  pool->prepare_one();  // now: a configuration it refuses stops the process at start, not a job
  std::shared_ptr<StorageRechecker> rechecker;
  if (storage_not_ready()) rechecker = std::make_shared<StorageRechecker>(recheck_config);
  return [pool, rechecker](const queue::Job& job, queue::JobContext& ctx) {
    return pool->handle(job, ctx);
  };
}

}  // namespace patchq::worker
