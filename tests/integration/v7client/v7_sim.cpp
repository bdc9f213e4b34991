#include "tests/integration/v7client/v7_sim.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <stdexcept>

#include "common/codec/sha256.hpp"
#include "tests/support/http_call.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/wait.hpp"

namespace patchq::testing {
namespace {

simdjson::dom::element parse(simdjson::dom::parser& parser, const std::string& json) {
  simdjson::dom::element doc;
  if (parser.parse(json).get(doc) != simdjson::SUCCESS) {
    throw std::runtime_error("simulator answered with invalid JSON: " + json.substr(0, 200));
  }
  return doc;
}

}  // namespace

V7Sim::V7Sim(std::vector<std::string> extra_args) {
  std::vector<std::string> args = {"--listen=127.0.0.1:0", std::string("--api-key=") + kSimApiKey,
                                   "--log-level=warn"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  process_ = std::make_unique<ChildProcess>(binary_path("patchq-v7sim"), args);
  const bool up =
      wait_until([&] { return process_->stdout_text().find("\"port\":") != std::string::npos; },
                 std::chrono::seconds(10));
  if (!up) throw std::runtime_error("patchq-v7sim did not start: " + process_->stderr_text());
  simdjson::dom::parser parser;
  const std::string out = process_->stdout_text();
  const std::string line = out.substr(0, out.find('\n'));
  port_ = static_cast<int>(parse(parser, line)["port"].get_uint64().value());
}

v7::V7ClientConfig V7Sim::client_config() const {
  v7::V7ClientConfig c;
  c.api_url = url();
  c.api_key = kSimApiKey;
  c.allow_private_hosts = true;
  c.connect_timeout = std::chrono::seconds(2);
  c.transfer_timeout = std::chrono::seconds(10);
  c.quick_backoff_base = std::chrono::milliseconds(10);
  c.quick_backoff_cap = std::chrono::milliseconds(2000);
  return c;
}

std::string V7Sim::add_image(const std::string& dataset, const std::string& name,
                             const std::string& bytes) {
  HttpCall call;
  call.method = "POST";
  call.port = port_;
  call.target = "/_sim/datasets/" + dataset + "/images?name=" + name;
  call.body = bytes;
  call.headers["Content-Type"] = "application/octet-stream";
  const auto reply = http_call(call);
  if (reply.status != 201) {
    throw std::runtime_error("add_image: " + std::to_string(reply.status) + " " + reply.body);
  }
  simdjson::dom::parser parser;
  std::string_view url;
  if (parse(parser, reply.body)["item"]["slots"].at(0)["source_files"].at(0)["url"].get(url) !=
      simdjson::SUCCESS) {
    throw std::runtime_error("payload without a file url: " + reply.body);
  }
  return std::string(url);
}

void V7Sim::set_fault(const std::string& json_rule) {
  const auto reply = http_post(port_, "/_sim/faults", json_rule);
  if (reply.status != 200) throw std::runtime_error("set_fault: " + reply.body);
}

std::string V7Sim::stats_json() const {
  const auto reply = http_get(port_, "/_sim/stats");
  if (reply.status != 200) throw std::runtime_error("stats: " + reply.body);
  return reply.body;
}

long V7Sim::count(const std::string& endpoint, const std::string& status) const {
  simdjson::dom::parser parser;
  const std::string json = stats_json();
  auto doc = parse(parser, json);
  simdjson::dom::element e;
  if (doc["endpoints"][endpoint].get(e) != simdjson::SUCCESS) return 0;
  std::uint64_t n = 0;
  if (status.empty()) return e["total"].get_uint64().get(n) == simdjson::SUCCESS ? long(n) : 0;
  return e["by_status"][status].get_uint64().get(n) == simdjson::SUCCESS ? long(n) : 0;
}

long V7Sim::storage_auth_headers_seen() const {
  simdjson::dom::parser parser;
  const std::string json = stats_json();
  return static_cast<long>(parse(parser, json)["storage_auth_headers_seen"].get_uint64().value());
}

long V7Sim::requests_total() const {
  simdjson::dom::parser parser;
  const std::string json = stats_json();
  return static_cast<long>(parse(parser, json)["requests_total"].get_uint64().value());
}

std::vector<std::string> V7Sim::item_names(const std::string& dataset) const {
  const auto reply = http_get(port_, "/_sim/datasets/" + dataset + "/items");
  std::vector<std::string> names;
  if (reply.status != 200) return names;
  simdjson::dom::parser parser;
  for (auto item : parse(parser, reply.body)["items"].get_array()) {
    names.emplace_back(std::string_view(item["name"].get_string().value()));
  }
  return names;
}

namespace {

// Calls `read` with the listed item named `name` of `dataset`, if there is one.
template <typename Read>
void with_listed_item(int port, const std::string& dataset, const std::string& name, Read read) {
  const auto reply = http_get(port, "/_sim/datasets/" + dataset + "/items");
  if (reply.status != 200) return;
  simdjson::dom::parser parser;
  for (auto item : parse(parser, reply.body)["items"].get_array()) {
    if (std::string_view(item["name"].get_string().value()) == name) {
      read(item);
      return;
    }
  }
}

}  // namespace

std::string V7Sim::item_sha256(const std::string& dataset, const std::string& name) const {
  std::string out;
  with_listed_item(port_, dataset, name, [&](simdjson::dom::element item) {
    out = std::string(std::string_view(item["sha256"].get_string().value()));
  });
  return out;
}

std::string V7Sim::item_path(const std::string& dataset, const std::string& name) const {
  std::string out;
  with_listed_item(port_, dataset, name, [&](simdjson::dom::element item) {
    out = std::string(std::string_view(item["path"].get_string().value()));
  });
  return out;
}

std::vector<std::string> V7Sim::item_tags(const std::string& dataset,
                                          const std::string& name) const {
  std::vector<std::string> out;
  with_listed_item(port_, dataset, name, [&](simdjson::dom::element item) {
    for (auto tag : item["tags"].get_array()) out.emplace_back(std::string_view(tag.get_string()));
  });
  return out;
}

std::string noise_png(int width, int height, unsigned seed) {
  cv::Mat image(height, width, CV_8UC3);
  cv::RNG rng(seed);
  rng.fill(image, cv::RNG::UNIFORM, 0, 256);
  std::vector<uchar> out;
  cv::imencode(".png", image, out);
  return std::string(out.begin(), out.end());
}

std::string sha256_hex(const std::string& bytes) {
  return codec::sha256_hex(bytes);
}

}  // namespace patchq::testing
