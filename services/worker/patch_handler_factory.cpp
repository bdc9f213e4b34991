#include "services/worker/patch_handler_factory.hpp"

#include <memory>
#include <stdexcept>

#include "common/net/http_client.hpp"
#include "common/obs/log.hpp"
#include "common/patchjob/patch_job_handler.hpp"
#include "common/storage/object_store.hpp"
#include "common/v7/registration_desk.hpp"

namespace patchq::worker {

void add_patch_handler_flags(config::FlagSet& flags, patchjob::PatchJobFlags& values) {
  patchjob::add_patch_job_flags(flags, values);
}

namespace {

// Storage mode's bucket is checked once at start (listed and written under the prefix): wrong
// credentials or a missing bucket stop the worker with the reason instead of dead-lettering
// every job; an unreachable one is only logged, since jobs retry until it answers.
Status check_storage(const patchjob::PatchJobConfig& config) {
  if (!config.storage.enabled()) return ok_status();
  auto store = storage::ObjectStore::open(config.storage);
  if (!store) return store.error();
  net::HttpClientOptions options;
  options.rules = net::HostRules({}, config.v7.allow_private_hosts);
  options.connect_timeout = config.v7.connect_timeout;
  options.transfer_timeout = config.v7.transfer_timeout;
  net::HttpClient http(options);
  auto checked = (*store)->check(http);
  if (checked) {
    obs::log_info("storage_ready").field("storage", (*store)->describe());
    return ok_status();
  }
  if (!checked.error().retryable()) {
    return fail("storage " + (*store)->describe() + ": " + checked.error().reason);
  }
  obs::log_warn("storage_unreachable_at_start")
      .field("storage", (*store)->describe())
      .field("reason", checked.error().reason);
  return ok_status();
}

}  // namespace

Status check_patch_handler_flags(const patchjob::PatchJobFlags& values) {
  auto config = patchjob::to_patch_job_config(values);
  if (!config) return config.error();
  return check_storage(*config);
}

queue::JobHandler make_patch_handler(const patchjob::PatchJobFlags& values,
                                     const WorkerConfig& config) {
  auto job_config = patchjob::to_patch_job_config(values);
  if (!job_config) throw std::invalid_argument(job_config.error().reason);
  // One flag, owned by the worker, says how many tile uploads a job keeps in flight.
  job_config->v7.upload_concurrency = config.upload_concurrency;

  v7::FleetRateLimiter::Options limits;
  limits.endpoint = config.redis;
  limits.key_prefix = config.prefix;
  limits.api_key = job_config->v7.api_key;
  limits.rate_per_minute = job_config->v7.rate_per_minute;
  limits.burst = job_config->v7.rate_burst;
  v7::FleetRateLimiter::Options registration_limits = limits;
  registration_limits.bucket = std::string(v7::kRegistrationBucket);
  registration_limits.rate_per_minute = v7::kRegistrationRatePerMinute;
  registration_limits.burst = v7::kRegistrationBurst;
  auto limiter = std::make_shared<v7::FleetRateLimiter>(std::move(limits));
  // Storage mode: register calls are shared by the fleet's jobs through a desk in Redis; the
  // pacer lets a desk caller take its token before it picks the call's items.
  auto registration_pacer = std::make_shared<v7::RegistrationPacer>(
      std::make_shared<v7::FleetRateLimiter>(std::move(registration_limits)));
  std::shared_ptr<v7::RegistrationDesk> desk;
  if (job_config->storage.enabled()) {
    v7::RegistrationDesk::Options desk_options;
    desk_options.endpoint = config.redis;
    desk_options.key_prefix = config.prefix;
    desk_options.api_key = job_config->v7.api_key;
    desk = std::make_shared<v7::RegistrationDesk>(std::move(desk_options), registration_pacer);
  }

  auto handler = std::make_shared<patchjob::PatchJobHandler>(std::move(*job_config), limiter,
                                                             registration_pacer, desk);
  return [handler](const queue::Job& job, queue::JobContext& ctx) {
    return handler->handle(job, ctx);
  };
}

}  // namespace patchq::worker
