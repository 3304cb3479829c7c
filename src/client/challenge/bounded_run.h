// Jobs 0..n-1 run on at most `parallel` threads at once (the calling thread
// is one of them): DnsProviderSolver's per-zone updates, so 50 zones go to
// the provider a few at a time (issue 15: "keeps per-provider concurrency").
// With stop_at_failure, a failure keeps the jobs not yet started from
// starting (those running finish). Returns the failure of the lowest index
// among the jobs that ran, or success.
#pragma once

#include <cstddef>
#include <functional>

#include "core/error.h"

namespace acmekit::client::challenge {

[[nodiscard]] Status run_bounded(std::size_t n, int parallel, bool stop_at_failure,
                                 const std::function<Status(std::size_t)>& job);

}  // namespace acmekit::client::challenge
