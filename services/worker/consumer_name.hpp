// The worker's consumer name in the group: "<host>:<pid>". Unique among live processes (a pod's
// host name is unique; pids are unique on a host) and stable for the life of the process, so
// XPENDING shows which process holds which job.
#pragma once

#include <string>

namespace patchq::worker {

std::string consumer_name();

}  // namespace patchq::worker
