// Duty: the skeleton every periodic duty of a worker fills in, as Asynq's forwarder,
// recoverer, heartbeat and janitor share one: params (the constructor) -> start ->
// exec() every interval -> stop. A new duty derives from Duty, passes its name and interval,
// and writes exec(): one round of its work, returning the wait before the next round
// (interval() normally, longer to back off after a failure, zero to go again at once).
//
// Two ways to drive a duty:
//   - on its own thread: start() ... stop() (RetryForwarder, LeaseKeeper);
//   - from its owner's thread, between other work: run_if_due() (Reclaimer, which runs on the
//     job loop's thread so that a job it claims is run at once by the worker that claimed it).
//
// Invariants: exec() never runs twice at once; the first round comes one interval after
// start(); stop() ends the thread after the round in progress (a wait ends at once) and is
// idempotent. A derived duty started on a thread calls stop() in its own destructor, before
// the members exec() uses are destroyed. An exception out of exec() on the duty's thread is
// logged and the next round comes one interval later; from run_if_due() it reaches the
// caller and the round is due again at the next call.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace patchq::worker {

class Duty {
 public:
  struct Params {
    std::string name;                    // in logs
    std::chrono::milliseconds interval;  // between two rounds
  };

  explicit Duty(Params params);
  virtual ~Duty();  // stops the thread if the derived destructor has not
  Duty(const Duty&) = delete;
  Duty& operator=(const Duty&) = delete;

  void start();
  void stop();
  // Runs one round on the caller's thread when it is due; not with start().
  void run_if_due();

  const std::string& name() const { return params_.name; }
  std::chrono::milliseconds interval() const { return params_.interval; }

 protected:
  virtual std::chrono::milliseconds exec() = 0;
  // The wait in progress on the duty's thread starts over: the next round comes one interval
  // from now. Safe from any thread.
  void restart_wait();

 private:
  using Clock = std::chrono::steady_clock;
  void run();

  Params params_;
  std::mutex mutex_;
  std::condition_variable changed_;
  bool stopping_ = false;
  std::uint64_t restarts_ = 0;
  std::thread thread_;
  Clock::time_point next_round_{};  // run_if_due() only
};

}  // namespace patchq::worker
