// JobLanes: the jobs one worker process has in flight at once (--jobs-in-flight N). Each lane
// is a thread with its own JobRunner (its own lease keeper and Redis connections) and runs one
// job at a time; the job loop reads a job only when a lane is free, so the process never holds
// more than N jobs and never holds one it has not started. Why several: a storage-mode job
// spends much of its time waiting for its tiles' registration (the registration desk
// group-commits the waiting items of every job into one call), and the process's CPU keeps
// tiling the other lanes' jobs meanwhile, and their items fill the same calls.
// Invariants: the handler is called from up to N lanes at once (it must be thread-safe); every
// job is acked by its own lane only after its handler returned (the JobRunner rules); the
// finish() waits for every lane's job to have its outcome written; release_leases() gives up
// the leases of every job still running (shutdown past its grace), none is acked.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "services/worker/job_runner.hpp"

namespace patchq::worker {

class JobLanes {
 public:
  JobLanes(const WorkerConfig& config, const std::string& consumer, queue::JobHandler handler,
           WorkerMetrics& metrics, StopToken& stop);
  ~JobLanes();  // finish()
  JobLanes(const JobLanes&) = delete;
  JobLanes& operator=(const JobLanes&) = delete;

  // Blocks until a lane is free (true) or stop is requested (false).
  bool wait_for_free_lane();
  // Runs the job on a free lane. Only after wait_for_free_lane() returned true (the job loop
  // is the only caller that starts jobs).
  void start(queue::Job job);
  // Waits for the jobs in flight to have their outcomes written, then ends the lanes' threads.
  // No start() after it. Idempotent.
  void finish();
  // Shutdown past its grace: every running job's lease is given up. Safe from any thread.
  void release_leases();

  std::size_t size() const { return lanes_.size(); }
  std::size_t busy() const;

 private:
  struct Lane {
    std::unique_ptr<JobRunner> runner;
    std::optional<queue::Job> job;  // set by start(), cleared by the lane once its run is over
    std::thread thread;
  };
  void run_lane(Lane& lane);
  std::size_t busy_locked() const;

  queue::JobHandler handler_;
  WorkerMetrics& metrics_;
  StopToken& stop_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;  // a job was given to a lane, a lane got free, or closing
  bool closing_ = false;
  std::vector<std::unique_ptr<Lane>> lanes_;
};

}  // namespace patchq::worker
