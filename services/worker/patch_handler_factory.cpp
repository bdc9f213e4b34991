#include "services/worker/patch_handler_factory.hpp"

#include <memory>
#include <stdexcept>

#include "common/obs/log.hpp"
#include "common/patchjob/patch_job_handler.hpp"

namespace patchq::worker {

void add_patch_handler_flags(config::FlagSet& flags, patchjob::PatchJobFlags& values) {
  patchjob::add_patch_job_flags(flags, values);
}

Status check_patch_handler_flags(const patchjob::PatchJobFlags& values) {
  if (auto config = patchjob::to_patch_job_config(values); !config) return config.error();
  return ok_status();
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
  auto limiter = std::make_shared<v7::FleetRateLimiter>(std::move(limits));

  auto handler = std::make_shared<patchjob::PatchJobHandler>(std::move(*job_config), limiter);
  return [handler](const queue::Job& job, queue::JobContext& ctx) {
    return handler->handle(job, ctx);
  };
}

}  // namespace patchq::worker
