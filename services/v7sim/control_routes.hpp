// ControlRoutes: the /_sim API that tests, the demo and benchmarks use to drive the
// simulator. Never faulted, never counted in stats, no API key (the simulator binds loopback
// by default).
//   GET  /_sim/health                                   {"ok":true}
//   POST /_sim/datasets/{slug}/images?name=&path=       raw image bytes -> 201 webhook payload
//   GET  /_sim/datasets/{slug}/items                    confirmed items (name, path, size, sha256)
//   GET  /_sim/datasets/{slug}/items/{name}/file?path=  the stored bytes
//   GET  /_sim/items/{item_id}/payload                  the webhook payload of an item again
//   POST /_sim/items/{item_id}/payload                  {"slots","annotations",
//                                                        "include_annotations"} -> the payload
//                                                        V7 would send (stage_payload.hpp)
//   PUT  /_sim/items/{item_id}/annotations              JSON the annotations endpoint answers
//   GET  /_sim/faults        POST /_sim/faults          fault rules (see faults.hpp)
//   GET  /_sim/stats         POST /_sim/stats/reset     counters (see sim_stats.hpp)
//   POST /_sim/stage         GET  /_sim/stage/attempts[?stage_id=]   webhook stage (stage.hpp)
#pragma once

#include <string>
#include <vector>

#include "common/http/message.hpp"
#include "common/http/target.hpp"
#include "services/v7sim/faults.hpp"
#include "services/v7sim/sim_stats.hpp"
#include "services/v7sim/sim_store.hpp"
#include "services/v7sim/sim_urls.hpp"
#include "services/v7sim/stage.hpp"

namespace patchq::v7sim {

class ControlRoutes {
 public:
  ControlRoutes(SimStore& store, const SimUrls& urls, FaultTable& faults, SimStats& stats,
                StageRunner& stages, std::string team_name);
  // `segments` start with "_sim".
  http::Response handle(const http::Request& req, const http::Target& target,
                        const std::vector<std::string>& segments);

 private:
  http::Response add_image(const http::Request& req, const http::Target& target,
                           const std::string& slug);
  http::Response list_items(const http::Request& req, const std::string& slug) const;
  http::Response item_file(const http::Request& req, const http::Target& target,
                           const std::string& slug, const std::string& name) const;
  http::Response item_payload(const http::Request& req, const std::string& item_id) const;
  http::Response made_payload(const http::Request& req, const std::string& item_id) const;
  http::Response seed_annotations(const http::Request& req, const std::string& item_id);
  http::Response set_faults(const http::Request& req);
  http::Response start_stage(const http::Request& req);
  http::Response stage_attempts(const http::Request& req, const http::Target& target) const;

  SimStore& store_;
  const SimUrls& urls_;
  FaultTable& faults_;
  SimStats& stats_;
  StageRunner& stages_;
  std::string team_name_;
};

}  // namespace patchq::v7sim
