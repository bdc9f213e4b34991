#include "common/patch/decoded_budget_flags.hpp"

namespace patchq::patch {

void add_decoded_budget_flags(config::FlagSet& flags, DecodedBudgetFlags& v) {
  flags
      .add_bytes("decoded-bytes-budget", &v.budget, "PATCHQ_DECODED_BYTES_BUDGET",
                 "decoded-image bytes all jobs of one worker process may hold at once (a job "
                 "waits its turn before decoding; an image larger than the budget decodes "
                 "alone); 0: --max-decoded-bytes, so jobs in flight add no decode memory")
      .add_duration("decoded-bytes-wait", &v.max_wait, "PATCHQ_DECODED_BYTES_WAIT",
                    "longest a job waits for --decoded-bytes-budget before it is retried later");
}

Result<DecodedBudget::Options> to_decoded_budget_options(const DecodedBudgetFlags& v,
                                                         std::uint64_t max_decoded_bytes) {
  if (v.max_wait <= std::chrono::milliseconds(0)) {
    return fail("--decoded-bytes-wait must be positive");
  }
  DecodedBudget::Options options;
  options.capacity = v.budget == 0 ? max_decoded_bytes : v.budget;
  if (options.capacity == 0) return fail("--decoded-bytes-budget must be at least 1 byte");
  options.max_wait = v.max_wait;
  return options;
}

}  // namespace patchq::patch
