// PrepayingLimiter: a budget (the fleet's API calls, or kRegistrationBucket) as V7Api sees it,
// with one addition: a caller may take a token before it builds its call (prepay), so that
// what goes into the call is chosen after the wait — a desk (RegistrationDesk,
// DirectUploadDesk) collects the items of every job that arrived while it waited for its token. The
// next acquire() on the same thread then spends the prepaid token instead of taking another;
// in-client retries take tokens as usual.
#pragma once

#include <chrono>
#include <memory>

#include "common/v7/rate_limiter.hpp"

namespace patchq::v7 {

class PrepayingLimiter : public RateLimiter {
 public:
  // `budget` may be null (no limit); shared with whoever else paces by it.
  explicit PrepayingLimiter(std::shared_ptr<RateLimiter> budget);

  std::chrono::milliseconds acquire() override;
  // Waits for one token and keeps it for this thread's next acquire(). A thread holds at most
  // one prepaid token; prepaying again while holding one does not wait.
  std::chrono::milliseconds prepay();
  // Drops this thread's prepaid token unspent (the call was not made after all).
  void forfeit();

 private:
  std::shared_ptr<RateLimiter> budget_;
};

}  // namespace patchq::v7
