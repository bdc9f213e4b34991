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
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
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

class CarriedClasses {
 public:
  // `api` and `http` outlive this.
  CarriedClasses(const v7::V7Api& api, net::HttpClient& http);

  // Makes ids() name every class of `needed` it can (reading, then creating in `dataset`),
  // and attributes() hold the dataset's attributes when `with_attributes`. `stop` is asked
  // between calls.
  v7::V7Status prepare(const std::string& team, const std::string& dataset,
                       const std::set<ClassKey>& needed, bool with_attributes,
                       const std::function<bool()>& stop, ClassesReport& report);

  // The classes the last prepare() made usable in its dataset (refused ones left out).
  const annotations::ClassIds& ids() const { return usable_; }
  const annotations::AttributeIds& attributes() const { return attributes_; }

 private:
  v7::V7Status read_classes(const std::string& team, ClassesReport& report);
  v7::V7Result<std::int64_t> dataset_id(const std::string& dataset, ClassesReport& report);
  v7::V7Status create(const std::string& dataset, const std::vector<ClassKey>& missing,
                      const std::function<bool()>& stop, ClassesReport& report);
  // Puts every class of `wanted` that the team has into `dataset` where the list says it is
  // not there yet.
  v7::V7Status add_to_dataset(const std::string& dataset, const std::set<ClassKey>& wanted,
                              const std::function<bool()>& stop, ClassesReport& report);
  void refuse(const ClassKey& key, const std::string& reason, ClassesReport& report);
  v7::V7Status read_attributes(std::int64_t dataset_id, ClassesReport& report);

  const v7::V7Api& api_;
  net::HttpClient& http_;
  annotations::ClassIds ids_;  // the team's list, as read (and created since)
  annotations::ClassIds usable_;
  // Per class id, the datasets the list (or this process) put it in; absent when V7's list did
  // not say.
  std::map<std::int64_t, std::vector<std::int64_t>> class_datasets_;
  std::string ids_team_;
  std::optional<std::chrono::steady_clock::time_point> ids_at_;
  std::optional<std::map<std::string, std::int64_t, std::less<>>> type_ids_;
  std::map<std::string, std::int64_t, std::less<>> dataset_ids_;
  annotations::AttributeIds attributes_;
  std::int64_t attributes_dataset_ = 0;
  std::optional<std::chrono::steady_clock::time_point> attributes_at_;
  std::map<ClassKey, std::chrono::steady_clock::time_point> refused_at_;
};

}  // namespace patchq::patchjob
