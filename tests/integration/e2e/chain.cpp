// Chain (see chain.hpp).
#include "tests/integration/e2e/chain.hpp"

#include <signal.h>
#include <simdjson.h>

#include <cctype>
#include <stdexcept>

#include "tests/support/temp_dir.hpp"

namespace patchq::e2e {
namespace {

using namespace std::chrono_literals;

std::string escaped_query_value(const std::string& text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (const unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

}  // namespace

Chain::Chain(ChainOptions options) {
  sim_ = std::make_unique<v7sim::testing::SimProcess>(v7sim::testing::with_args(options.sim_args));
  receiver_ = std::make_unique<testing::ReceiverProcess>(
      redis_, std::vector<std::string>{"--webhook-token", testing::kReceiverToken});
  std::vector<std::string> args = {
      "--processes",
      std::to_string(options.worker_processes),
      "--redis",
      redis_.url(),
      "--v7-api-url",
      sim_->base_url(),
      options.allow_private_hosts ? "--allow-private-hosts" : "--allow-private-v7-api",
      "--block",
      "200ms",
      "--shutdown-grace",
      "2s",
      "--log-level",
      "warn"};
  if (options.create_target) args.push_back("--create-target");
  args.insert(args.end(), options.worker_args.begin(), options.worker_args.end());
  // The key goes through the environment, as in production.
  std::map<std::string, std::string> env = options.worker_env;
  env["V7_API_KEY"] = sim_->options().api_key;
  worker_ =
      std::make_unique<testing::ChildProcess>(testing::binary_path("patchq-worker"), args, env);
}

Chain::~Chain() {
  if (worker_ && worker_->running()) {
    worker_->signal(SIGTERM);
    worker_->wait_exit(15s);
  }
}

std::string Chain::add_image(const std::string& slug, const std::string& name,
                             const std::string& image, const std::string& path) {
  const auto reply =
      sim_->call("POST",
                 "/_sim/datasets/" + slug + "/images?name=" + escaped_query_value(name) +
                     "&path=" + escaped_query_value(path),
                 image, {{"Content-Type", "application/octet-stream"}});
  if (reply.status != 201) {
    throw std::runtime_error("stand-in refused image " + name + ": " +
                             std::to_string(reply.status) + " " + reply.body);
  }
  return reply.body;
}

testing::HttpReply Chain::post_webhook(const std::string& payload, const std::string& target) {
  return testing::post_webhook(receiver_->port(), payload,
                               "?target=" + escaped_query_value(target));
}

std::vector<DatasetItem> Chain::dataset_items(const std::string& slug) {
  const auto reply = sim_->call("GET", "/_sim/datasets/" + slug + "/items");
  if (reply.status != 200) return {};
  simdjson::dom::parser parser;
  const simdjson::padded_string text(reply.body);
  simdjson::dom::array items;
  if (parser.parse(text)["items"].get(items) != simdjson::SUCCESS) {
    throw std::runtime_error("stand-in item list is not {\"items\":[..]}: " + reply.body);
  }
  std::vector<DatasetItem> out;
  for (const auto item : items) {
    std::string_view name, path;
    if (item["name"].get(name) != simdjson::SUCCESS) throw std::runtime_error("item without name");
    if (item["path"].get(path) != simdjson::SUCCESS) path = "";
    std::vector<std::string> tags;
    simdjson::dom::array tag_list;
    if (item["tags"].get(tag_list) == simdjson::SUCCESS) {
      for (const auto tag : tag_list) {
        std::string_view text;
        if (tag.get(text) == simdjson::SUCCESS) tags.emplace_back(text);
      }
    }
    out.push_back({std::string(name), std::string(path), std::move(tags)});
  }
  return out;
}

std::string Chain::dataset_file(const std::string& slug, const std::string& name) {
  const auto reply = sim_->call("GET", "/_sim/datasets/" + slug + "/items/" + name + "/file");
  if (reply.status != 200) {
    throw std::runtime_error("no file " + slug + "/" + name + ": " + std::to_string(reply.status));
  }
  return reply.body;
}

CtlRun Chain::ctl(const std::vector<std::string>& args) {
  testing::ChildProcess p(testing::binary_path("patchqctl"), args,
                          {{"PATCHQ_REDIS_URL", redis_.url()}});
  if (!p.wait_exit(10s)) return {-1, p.stdout_text(), "patchqctl did not exit in 10 s"};
  return {p.exit_code().value_or(-1), p.stdout_text(), p.stderr_text()};
}

QueueCounts Chain::counts() {
  const CtlRun run = ctl({"stats", "--json"});
  if (run.code != 0) throw std::runtime_error("patchqctl stats failed: " + run.err);
  simdjson::dom::parser parser;
  const simdjson::padded_string text(run.out);
  simdjson::dom::element doc;
  QueueCounts c;
  if (parser.parse(text).get(doc) != simdjson::SUCCESS ||
      doc["queued"].get(c.queued) != simdjson::SUCCESS ||
      doc["pending"].get(c.pending) != simdjson::SUCCESS ||
      doc["retrying"].get(c.retrying) != simdjson::SUCCESS ||
      doc["dead"].get(c.dead) != simdjson::SUCCESS ||
      doc["done"].get(c.done) != simdjson::SUCCESS) {
    throw std::runtime_error("patchqctl stats --json is not the expected object: " + run.out);
  }
  return c;
}

std::string Chain::logs() {
  return "---- receiver stderr ----\n" + receiver_->process().stderr_text() +
         "---- worker stderr ----\n" + worker_->stderr_text();
}

}  // namespace patchq::e2e
