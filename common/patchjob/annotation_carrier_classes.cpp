#include "common/patchjob/annotation_carrier_classes.hpp"

#include "common/obs/log.hpp"

namespace patchq::patchjob {
namespace {

using Clock = std::chrono::steady_clock;

bool fresh(const std::optional<Clock::time_point>& at) {
  return at && Clock::now() - *at <= kClassListTtl;
}

std::vector<ClassKey> missing_of(const annotations::ClassIds& ids,
                                 const std::set<ClassKey>& needed) {
  std::vector<ClassKey> out;
  for (const ClassKey& key : needed) {
    if (!ids.contains(key)) out.push_back(key);
  }
  return out;
}

std::string named(const ClassKey& key) {
  return key.first + ":" + key.second;
}

v7::V7Error stopped() {
  return v7::V7Error::retryable_error("stopped while preparing annotation classes");
}

}  // namespace

CarriedClasses::CarriedClasses(const v7::V7Api& api, net::HttpClient& http)
    : api_(api), http_(http) {}

v7::V7Status CarriedClasses::read_classes(const std::string& team, ClassesReport& report) {
  ++report.api_calls;
  auto listed = api_.annotation_classes(http_, team);
  if (!listed) return listed.error();
  annotations::ClassIds ids;
  for (const auto& c : *listed) {
    for (const auto& type : c.annotation_types) ids.emplace(std::make_pair(type, c.name), c.id);
  }
  ids_ = std::move(ids);
  ids_team_ = team;
  ids_at_ = Clock::now();
  return v7::success();
}

v7::V7Result<std::int64_t> CarriedClasses::dataset_id(const std::string& dataset,
                                                      ClassesReport& report) {
  if (const auto known = dataset_ids_.find(dataset); known != dataset_ids_.end()) {
    return known->second;
  }
  ++report.api_calls;
  auto listed = api_.list_datasets(http_);
  if (!listed) return listed.error();
  for (const auto& d : *listed) {
    if (d.id != 0) dataset_ids_[d.slug] = d.id;
  }
  if (const auto known = dataset_ids_.find(dataset); known != dataset_ids_.end()) {
    return known->second;
  }
  return v7::V7Error::permanent("dataset " + dataset + " has no id in V7's dataset list");
}

v7::V7Status CarriedClasses::create(const std::string& dataset,
                                    const std::vector<ClassKey>& missing,
                                    const std::function<bool()>& stop, ClassesReport& report) {
  auto id = dataset_id(dataset, report);
  if (!id) {
    if (id.error().retryable()) return id.error();
    for (const auto& key : missing) {
      report.refused.push_back(named(key) + ": " + id.error().reason);
      refused_at_[key] = Clock::now();
    }
    return v7::success();
  }
  if (!type_ids_) {
    ++report.api_calls;
    auto types = api_.annotation_types(http_);
    if (!types) return types.error();
    type_ids_.emplace();
    for (const auto& t : *types) type_ids_->emplace(t.name, t.id);
  }
  for (const ClassKey& key : missing) {
    if (stop && stop()) return stopped();
    const auto type = type_ids_->find(key.first);
    if (type == type_ids_->end()) {
      report.refused.push_back(named(key) + ": V7 names no annotation type " + key.first);
      refused_at_[key] = Clock::now();
      continue;
    }
    ++report.api_calls;
    auto created = api_.create_annotation_class(http_, *id, key.second, {type->second});
    if (!created) {
      if (created.error().retryable()) return created.error();
      report.refused.push_back(named(key) + ": " + created.error().reason);
      refused_at_[key] = Clock::now();
      continue;
    }
    ids_.emplace(key, created->id);
    report.created.push_back(named(key));
    obs::log_info("annotation_class_created")
        .field("dataset", dataset)
        .field("class", key.second)
        .field("type", key.first)
        .field("class_id", created->id);
  }
  return v7::success();
}

v7::V7Status CarriedClasses::read_attributes(std::int64_t dataset_id, ClassesReport& report) {
  if (attributes_dataset_ == dataset_id && fresh(attributes_at_)) return v7::success();
  ++report.api_calls;
  auto listed = api_.dataset_attributes(http_, dataset_id);
  if (!listed) return listed.error();
  annotations::AttributeIds ids;
  for (const auto& a : *listed) ids.emplace(std::make_pair(a.class_id, a.name), a.id);
  attributes_ = std::move(ids);
  attributes_dataset_ = dataset_id;
  attributes_at_ = Clock::now();
  return v7::success();
}

v7::V7Status CarriedClasses::prepare(const std::string& team, const std::string& dataset,
                                     const std::set<ClassKey>& needed, bool with_attributes,
                                     const std::function<bool()>& stop, ClassesReport& report) {
  bool read_now = false;
  if (ids_team_ != team || !fresh(ids_at_)) {
    if (auto read = read_classes(team, report); !read) return read.error();
    read_now = true;
  }
  std::erase_if(refused_at_, [](const auto& entry) { return !fresh(entry.second); });
  std::set<ClassKey> wanted;
  for (const ClassKey& key : needed) {
    if (!refused_at_.contains(key)) wanted.insert(key);
  }
  std::vector<ClassKey> missing = missing_of(ids_, wanted);
  if (!missing.empty() && !read_now) {
    // Made since the list was read (by a person, or another worker): read it again first.
    if (stop && stop()) return stopped();
    if (auto read = read_classes(team, report); !read) return read.error();
    missing = missing_of(ids_, wanted);
  }
  if (!missing.empty()) {
    if (auto made = create(dataset, missing, stop, report); !made) return made.error();
  }
  if (with_attributes) {
    if (stop && stop()) return stopped();
    auto id = dataset_id(dataset, report);
    v7::V7Status read = id ? read_attributes(*id, report) : v7::V7Status(id.error());
    if (!read) {
      if (read.error().retryable()) return read.error();
      // Without the list, every attribute is left out and reported; the shapes still go.
      obs::log_warn("annotation_attributes_not_read")
          .field("dataset", dataset)
          .field("reason", read.error().reason);
      attributes_.clear();
      attributes_at_.reset();
    }
  }
  return v7::success();
}

}  // namespace patchq::patchjob
