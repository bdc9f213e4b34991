// FaultTable: see faults.hpp for the rules and their order.
#include "services/v7sim/faults.hpp"

#include <simdjson.h>

#include <algorithm>

#include "common/json/json_writer.hpp"

namespace patchq::v7sim {

const std::vector<std::string_view>& fault_endpoint_names() {
  static const std::vector<std::string_view> names = {"token_info",
                                                      "datasets",
                                                      "item",
                                                      "download",
                                                      "storage_get",
                                                      "register_upload",
                                                      "sign",
                                                      "storage_put",
                                                      "confirm",
                                                      "direct_upload",
                                                      "register_existing",
                                                      "register_existing_readonly",
                                                      "annotations",
                                                      "annotation_classes",
                                                      "import_annotations",
                                                      "annotation_types",
                                                      "create_annotation_class",
                                                      "update_annotation_class",
                                                      "attributes"};
  return names;
}

namespace {

bool known_endpoint(std::string_view name) {
  const auto& names = fault_endpoint_names();
  return name == "*" || std::find(names.begin(), names.end(), name) != names.end();
}

// Reads an optional number field into `out`; false when present but not a number.
bool read_number(simdjson::dom::object obj, std::string_view key, double& out) {
  simdjson::dom::element e;
  if (obj[key].get(e) != simdjson::SUCCESS) return true;
  return e.get_double().get(out) == simdjson::SUCCESS;
}

bool read_int(simdjson::dom::object obj, std::string_view key, std::int64_t& out) {
  double value = 0;
  simdjson::dom::element e;
  if (obj[key].get(e) != simdjson::SUCCESS) return true;
  if (e.get_double().get(value) != simdjson::SUCCESS) return false;
  out = static_cast<std::int64_t>(value);
  return static_cast<double>(out) == value;
}

}  // namespace

std::variant<FaultCommand, std::string> parse_fault_command(std::string_view json_body) {
  simdjson::dom::parser parser;
  simdjson::dom::object obj;
  if (parser.parse(json_body.data(), json_body.size()).get_object().get(obj) != simdjson::SUCCESS) {
    return std::string("body must be a JSON object");
  }
  bool clear = false;
  if (obj["clear"].get_bool().get(clear) == simdjson::SUCCESS && clear) return ClearFaults{};

  SetFault set;
  std::string_view endpoint = "*";
  simdjson::dom::element e;
  if (obj["endpoint"].get(e) == simdjson::SUCCESS &&
      e.get_string().get(endpoint) != simdjson::SUCCESS) {
    return std::string("endpoint must be a string");
  }
  if (!known_endpoint(endpoint)) return "unknown endpoint: " + std::string(endpoint);
  set.endpoint = std::string(endpoint);

  FaultRule& r = set.rule;
  std::int64_t status = r.status;
  if (!read_number(obj, "p429", r.p429) || !read_number(obj, "p5xx", r.p5xx) ||
      !read_number(obj, "preset", r.preset) || !read_int(obj, "retry_after_s", r.retry_after_s) ||
      !read_int(obj, "latency_ms", r.latency_ms) || !read_int(obj, "fail_next", r.fail_next) ||
      !read_int(obj, "status", status)) {
    return std::string("fault fields must be numbers (whole numbers for counts and times)");
  }
  for (const double p : {r.p429, r.p5xx, r.preset}) {
    if (p < 0 || p > 1) return std::string("probabilities must be within 0..1");
  }
  if (r.p429 + r.p5xx + r.preset > 1.0 + 1e-9) {
    return std::string("p429 + p5xx + preset must not exceed 1");
  }
  if (r.latency_ms < 0 || r.latency_ms > 600000) return std::string("latency_ms must be 0..600000");
  if (r.fail_next < 0) return std::string("fail_next must be >= 0");
  if (status < 100 || status > 599) return std::string("status must be 100..599");
  r.status = static_cast<int>(status);
  if (obj["reset"].get(e) == simdjson::SUCCESS && e.get_bool().get(r.reset) != simdjson::SUCCESS) {
    return std::string("reset must be true or false");
  }
  std::int64_t seed = 0;
  if (obj["seed"].get(e) == simdjson::SUCCESS) {
    if (!read_int(obj, "seed", seed)) return std::string("seed must be a whole number");
    set.seed = static_cast<std::uint64_t>(seed);
  }
  return FaultCommand{std::move(set)};
}

FaultTable::FaultTable() : rng_(std::random_device{}()) {}

void FaultTable::apply(const FaultCommand& command) {
  std::lock_guard lock(mu_);
  if (std::holds_alternative<ClearFaults>(command)) {
    rules_.clear();
    return;
  }
  const auto& set = std::get<SetFault>(command);
  rules_[set.endpoint] = set.rule;
  if (set.seed) rng_.seed(*set.seed);
}

FaultDecision FaultTable::decide(std::string_view endpoint) {
  std::lock_guard lock(mu_);
  auto it = rules_.find(endpoint);
  if (it == rules_.end()) it = rules_.find("*");
  if (it == rules_.end()) return {};
  FaultRule& rule = it->second;
  FaultDecision d;
  d.delay = std::chrono::milliseconds(rule.latency_ms);
  if (rule.retry_after_s >= 0) d.retry_after_s = rule.retry_after_s;
  if (rule.fail_next > 0) {
    --rule.fail_next;
    d.kind = rule.reset ? FaultDecision::Kind::reset : FaultDecision::Kind::status;
    d.status = rule.status;
    return d;
  }
  const double draw = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
  if (draw < rule.preset) {
    d.kind = FaultDecision::Kind::reset;
  } else if (draw < rule.preset + rule.p429) {
    d.kind = FaultDecision::Kind::status;
    d.status = 429;
  } else if (draw < rule.preset + rule.p429 + rule.p5xx) {
    static constexpr int kServerErrors[] = {500, 502, 503, 504};
    d.kind = FaultDecision::Kind::status;
    d.status = kServerErrors[std::uniform_int_distribution<int>(0, 3)(rng_)];
  }
  return d;
}

std::string FaultTable::to_json() const {
  std::lock_guard lock(mu_);
  json::JsonWriter w;
  w.begin_object().key("rules").begin_object();
  for (const auto& [name, r] : rules_) {
    w.key(name).begin_object();
    w.field("p429", r.p429).field("p5xx", r.p5xx).field("preset", r.preset);
    w.field("retry_after_s", r.retry_after_s).field("latency_ms", r.latency_ms);
    w.field("fail_next", r.fail_next).field("status", r.status).field("reset", r.reset);
    w.end_object();
  }
  w.end_object().end_object();
  return w.take();
}

}  // namespace patchq::v7sim
