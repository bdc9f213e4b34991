// consumer_name: host name and pid (see consumer_name.hpp).
#include "services/worker/consumer_name.hpp"

#include <unistd.h>

namespace patchq::worker {

std::string consumer_name() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') {
    std::snprintf(host, sizeof host, "unknown-host");
  }
  return std::string(host) + ":" + std::to_string(::getpid());
}

}  // namespace patchq::worker
