// DecodedBudgetFlags: a worker process's decoded-bytes budget (decoded_budget.hpp) as flags,
// --decoded-bytes-budget and --decoded-bytes-wait with PATCHQ_* environment fallbacks. Only
// for programs that run several jobs at once (patchq-worker); patchq-tile tiles one image.
#pragma once

#include <chrono>
#include <cstdint>

#include "common/config/flag_set.hpp"
#include "common/patch/decoded_budget.hpp"
#include "common/result/result.hpp"

namespace patchq::patch {

struct DecodedBudgetFlags {
  std::uint64_t budget = 0;  // 0: the same as --max-decoded-bytes
  std::chrono::milliseconds max_wait{std::chrono::minutes(10)};
};

void add_decoded_budget_flags(config::FlagSet& flags, DecodedBudgetFlags& values);

// The budget's options for a process whose jobs each decode at most `max_decoded_bytes`, or
// the reason a value is unusable.
Result<DecodedBudget::Options> to_decoded_budget_options(const DecodedBudgetFlags& values,
                                                         std::uint64_t max_decoded_bytes);

}  // namespace patchq::patch
