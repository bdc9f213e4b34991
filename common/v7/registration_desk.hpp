// RegistrationDesk: storage mode's register_existing(_readonly) calls shared by the jobs of the
// whole fleet. V7 allows 100 register_existing_readonly calls a minute per key (patchq paces
// them at kRegistrationRatePerMinute) and 100 items a call; read-write register_existing calls
// spend the key's 1000 a minute like any call (patchq keeps them to 100 items too). Either way
// one call per job (~20 tiles) costs far more than needed. The desk group-commits
// instead: a job's items wait on a desk in Redis, and one caller at a time takes the
// token (registration or API, above) and then every waiting item (any job's, up to 100) into its
// call.
//
// Per desk (team, dataset, storage slug, read-only; and the API key's hash), keys under
// "<p>regdesk:<hash>:": `queue` (list of tickets "<job ticket>/<name>", FIFO), `items` (hash:
// ticket -> the item), `caller` (the caller lock, PX lease), `callers` (zset: caller id ->
// deadline, ms Redis clock), `inflight:<caller id>` (list: the tickets a caller took). Per job
// ticket: "<p>regdesk:result:<job ticket>" (hash: name -> answer, expires) and
// "<p>regdesk:wake:<job ticket>" (list a caller pushes to after writing answers).
//
// register_items(): put the items (Lua: each ticket once), then until every item has an
// answer: read the answers; else try the caller lock: the holder reclaims the in-flight lists
// of callers past their deadline (back to the queue's head), prepays its token
// (the wait is where other jobs' items gather), takes up to 100 waiting tickets into its own
// in-flight list (Lua, atomic), makes the call, writes each item's answer where its job reads
// it (first answer wins), wakes those jobs and drops its in-flight list; it serves until its
// own items are answered, then releases the lock and wakes the next waiting job. Jobs that do
// not hold the lock wait on their wake list (bounded). Items without an answer after
// `repost_after` are put again (a no-op for those still waiting or in flight).
//
// Correctness does not depend on timing: a call whose caller died or ran past its lease is
// made again by another caller, and V7 blocks a second registration of the same name with
// ALREADY_EXISTS, which counts as done. A job gives up after `give_up_after` with a retryable
// failure for the items still unanswered (a job retry is idempotent).
// Redis unreachable: the job makes its own call for the items still unanswered (logged), as
// without a desk.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/redis/redis_url.hpp"
#include "common/v7/existing_registrar.hpp"
#include "common/v7/prepaying_limiter.hpp"

namespace patchq::redis {
class SyncClient;
}

namespace patchq::v7 {

class RegistrationDesk : public ExistingRegistrar {
 public:
  struct Options {
    redis::RedisEndpoint endpoint;
    std::string key_prefix = "patchq:";
    std::string api_key;                   // only its SHA-256 prefix ends up in key names
    std::size_t max_items_per_call = 100;  // V7's limit
    // How long a caller may hold the lock and its in-flight list before others reclaim them:
    // longer than a register call normally takes (a slow call past it is only made twice).
    std::chrono::milliseconds caller_lease{60'000};
    std::chrono::milliseconds wake_poll{200};  // a waiting job re-checks at least this often
    std::chrono::milliseconds repost_after{75'000};
    std::chrono::milliseconds give_up_after{240'000};
    std::chrono::milliseconds answer_ttl{600'000};
    std::chrono::milliseconds redis_timeout{2'000};
  };
  // `pacer` paces register_existing_readonly calls (V7 allows 100 a minute): V7Api must use
  // the same pacer as its registration limiter. `api_pacer` (may be null: no prepaid token)
  // is the key's budget, which read-write register_existing calls spend: V7Api's limiter. So
  // a prepaid token is spent by the call it was taken for.
  RegistrationDesk(Options options, std::shared_ptr<PrepayingLimiter> pacer,
                   std::shared_ptr<PrepayingLimiter> api_pacer = nullptr);
  ~RegistrationDesk() override;

  std::vector<ItemRegistration> register_items(const V7Api& api, net::HttpClient& http,
                                               const ExistingTarget& target,
                                               const std::vector<ExistingItem>& items) override;

  // "<prefix>regdesk:<first 16 hex of sha256(api key, team, dataset, slug, readonly)>:".
  std::string desk_prefix(const ExistingTarget& target) const;

  struct Counters {
    std::uint64_t calls = 0;       // register calls this process made for the desk
    std::uint64_t items_sent = 0;  // items in those calls (any job's)
    std::uint64_t reclaimed = 0;   // tickets moved back from dead callers' in-flight lists
    std::uint64_t fallbacks = 0;   // batches registered without the desk (Redis unreachable)
  };
  Counters counters() const;

 private:
  class Session;
  std::unique_ptr<redis::SyncClient> borrow_client();
  void give_back(std::unique_ptr<redis::SyncClient> client);

  Options options_;
  std::string key_hash_;
  std::shared_ptr<PrepayingLimiter> pacer_;
  std::shared_ptr<PrepayingLimiter> api_pacer_;
  PrepayingLimiter& pacer_for(const ExistingTarget& target) const;
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<redis::SyncClient>> idle_clients_;
  Counters counters_;
  friend class Session;
};

}  // namespace patchq::v7
