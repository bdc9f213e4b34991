// CarriedClasses: the V7 names a carried annotation's import needs, kept for the carrier.
//   - the team's annotation classes (GET /api/teams/{team}/annotation_classes), reused for
//     kClassListTtl and read again once when a job needs a class the list lacks (made since);
//   - classes still missing are created in the target dataset (POST /api/annotation_classes,
//     as darwin-py's importer does), one call per new class, after one read of V7's
//     annotation type ids (GET /api/annotation_types, kept for the process) and of the
//     dataset's id (GET /api/datasets, kept for the process); a created class goes into the
//     list at once, so it costs no further call;
//   - a class of the team that is not in the target dataset is added to it (PUT
//     /api/annotation_classes/{id} with its datasets and the target, as darwin-py's
//     add_annotation_class does before an import), one call per class and dataset;
//   - the dataset's attributes (GET /api/datasets/{id}/attributes), only when an annotation
//     has attributes, reused for kClassListTtl.
// A class V7 refuses to create or to add to the dataset (a permanent error, e.g. its name is
// taken by a class of another type) stays missing: its annotations are left out and reported,
// the job goes on, and it is not asked for again for kClassListTtl (so it costs no calls in
// every job).
// Retryable errors are returned (the job is retried; what was created is found in the list).
// One CarriedClasses serves every job lane of a worker process (thread-safe): one lane
// prepares at a time, so lanes that need the same list or class together make its call once.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/annotations/darwin_json.hpp"
#include "common/net/http_client.hpp"
#include "common/v7/v7_api.hpp"

namespace patchq::patchjob {

// How long a team's class list (and a dataset's attributes) is reused before it is read again.
inline constexpr std::chrono::seconds kClassListTtl{60};

// (shape name, class name), e.g. ("polygon", "car").
using ClassKey = std::pair<std::string, std::string>;

struct ClassesReport {
  std::size_t api_calls = 0;
  std::vector<std::string> created;  // "<shape>:<name>"
  std::vector<std::string> refused;  // "<shape>:<name>: <V7's reason>"
};

// What a job's imports need: the classes usable in its dataset (refused ones left out), and
// the dataset's attributes (when asked for).
struct CarriedNames {
  annotations::ClassIds ids;
  annotations::AttributeIds attributes;
};

class CarriedClasses {
 public:
  // The names of every class of `needed` it can (reading, then creating in `dataset`), and
  // the dataset's attributes when `with_attributes`. Calls go through `api` on `http` (the
  // calling lane's). `stop` is asked between calls.
  v7::V7Result<CarriedNames> prepare(const v7::V7Api& api, net::HttpClient& http,
                                     const std::string& team, const std::string& dataset,
                                     const std::set<ClassKey>& needed, bool with_attributes,
                                     const std::function<bool()>& stop, ClassesReport& report);

 private:
  struct Caller {
    const v7::V7Api& api;
    net::HttpClient& http;
    ClassesReport& report;
  };
  struct Attributes {
    annotations::AttributeIds ids;
    std::chrono::steady_clock::time_point at;
  };
  v7::V7Status read_classes(const Caller& caller, const std::string& team);
  v7::V7Result<std::int64_t> dataset_id(const Caller& caller, const std::string& dataset);
  v7::V7Status create(const Caller& caller, const std::string& dataset,
                      const std::vector<ClassKey>& missing, const std::function<bool()>& stop);
  // Puts every class of `wanted` that the team has into `dataset` where the list says it is
  // not there yet.
  v7::V7Status add_to_dataset(const Caller& caller, const std::string& dataset,
                              const std::set<ClassKey>& wanted, const std::function<bool()>& stop);
  void refuse(const ClassKey& key, const std::string& reason, ClassesReport& report);
  // The dataset's attributes, read unless fresh.
  v7::V7Result<annotations::AttributeIds> read_attributes(const Caller& caller,
                                                          std::int64_t dataset_id);

  std::mutex mutex_;           // held for a whole prepare()
  annotations::ClassIds ids_;  // the team's list, as read (and created since)
  // Per class id, the datasets the list (or this process) put it in; absent when V7's list did
  // not say.
  std::map<std::int64_t, std::vector<std::int64_t>> class_datasets_;
  std::string ids_team_;
  std::optional<std::chrono::steady_clock::time_point> ids_at_;
  std::optional<std::map<std::string, std::int64_t, std::less<>>> type_ids_;
  std::map<std::string, std::int64_t, std::less<>> dataset_ids_;
  std::map<std::int64_t, Attributes> attributes_;  // by dataset id
  std::map<ClassKey, std::chrono::steady_clock::time_point> refused_at_;
};

}  // namespace patchq::patchjob
