// V7Sim: one patchq-v7sim process for a test (loopback, free port, scratch data dir), with
// the /_sim control calls the V7 client's tests need: add a source image, set faults, read
// per-endpoint counters and the items that reached a dataset.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/v7/client_config.hpp"
#include "common/v7/v7_client.hpp"
#include "tests/support/child_process.hpp"

namespace patchq::testing {

inline constexpr const char* kSimApiKey = "sim-api-key-0123456789";

class V7Sim {
 public:
  explicit V7Sim(std::vector<std::string> extra_args = {});
  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // A client config pointed at this simulator (loopback allowed, quick retries kept short).
  v7::V7ClientConfig client_config() const;

  // Stores an image in `dataset` (created on demand); returns the file URL of its slot.
  std::string add_image(const std::string& dataset, const std::string& name,
                        const std::string& bytes);
  void set_fault(const std::string& json_rule);  // POST /_sim/faults
  // /_sim/stats: calls of `endpoint` answered with `status` ("200", "503", "reset"), or all.
  long count(const std::string& endpoint, const std::string& status = "") const;
  long storage_auth_headers_seen() const;
  long requests_total() const;
  // Names of confirmed items in a dataset, and the sha256 the simulator computed for one.
  std::vector<std::string> item_names(const std::string& dataset) const;
  std::string item_sha256(const std::string& dataset, const std::string& name) const;
  // The folder and tags a confirmed item was registered with ("" and none when not found).
  std::string item_path(const std::string& dataset, const std::string& name) const;
  std::vector<std::string> item_tags(const std::string& dataset, const std::string& name) const;

 private:
  std::string stats_json() const;
  std::unique_ptr<ChildProcess> process_;
  int port_ = 0;
};

// A PNG of `width` x `height` random pixels (incompressible: its size is about w*h*3 bytes).
std::string noise_png(int width, int height, unsigned seed = 1);
std::string sha256_hex(const std::string& bytes);

// Uploads ready tiles the way the job handler does: start_upload, add each, finish.
inline v7::UploadReport upload_all(v7::V7Client& client, std::string team, std::string dataset,
                                   std::vector<v7::Tile> tiles) {
  auto uploader = client.start_upload(std::move(team), std::move(dataset));
  for (auto& tile : tiles) uploader->add(std::move(tile));
  return uploader->finish();
}

}  // namespace patchq::testing
