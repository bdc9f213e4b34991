#include "common/patchjob/annotation_carrier_classes.hpp"

#include <algorithm>

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

v7::V7Status CarriedClasses::read_classes(const Caller& caller, const std::string& team) {
  ++caller.report.api_calls;
  auto listed = caller.api.annotation_classes(caller.http, team);
  if (!listed) return listed.error();
  annotations::ClassIds ids;
  std::map<std::int64_t, std::vector<std::int64_t>> datasets;
  for (const auto& c : *listed) {
    for (const auto& type : c.annotation_types) ids.emplace(std::make_pair(type, c.name), c.id);
    if (c.datasets) datasets[c.id] = *c.datasets;
  }
  ids_ = std::move(ids);
  class_datasets_ = std::move(datasets);
  ids_team_ = team;
  ids_at_ = Clock::now();
  return v7::success();
}

v7::V7Result<std::int64_t> CarriedClasses::dataset_id(const Caller& caller,
                                                      const std::string& dataset) {
  if (const auto known = dataset_ids_.find(dataset); known != dataset_ids_.end()) {
    return known->second;
  }
  ++caller.report.api_calls;
  auto listed = caller.api.list_datasets(caller.http);
  if (!listed) return listed.error();
  for (const auto& d : *listed) {
    if (d.id != 0) dataset_ids_[d.slug] = d.id;
  }
  if (const auto known = dataset_ids_.find(dataset); known != dataset_ids_.end()) {
    return known->second;
  }
  return v7::V7Error::permanent("dataset " + dataset + " has no id in V7's dataset list");
}

v7::V7Status CarriedClasses::create(const Caller& caller, const std::string& dataset,
                                    const std::vector<ClassKey>& missing,
                                    const std::function<bool()>& stop) {
  ClassesReport& report = caller.report;
  auto id = dataset_id(caller, dataset);
  if (!id) {
    if (id.error().retryable()) return id.error();
    for (const auto& key : missing) refuse(key, id.error().reason, report);
    return v7::success();
  }
  if (!type_ids_) {
    ++report.api_calls;
    auto types = caller.api.annotation_types(caller.http);
    if (!types) return types.error();
    type_ids_.emplace();
    for (const auto& t : *types) type_ids_->emplace(t.name, t.id);
  }
  for (const ClassKey& key : missing) {
    if (stop && stop()) return stopped();
    const auto type = type_ids_->find(key.first);
    if (type == type_ids_->end()) {
      refuse(key, "V7 names no annotation type " + key.first, report);
      continue;
    }
    ++report.api_calls;
    auto created = caller.api.create_annotation_class(caller.http, *id, key.second, {type->second});
    if (!created) {
      if (created.error().retryable()) return created.error();
      refuse(key, created.error().reason, report);
      continue;
    }
    ids_.emplace(key, created->id);
    class_datasets_[created->id] = {*id};
    report.created.push_back(named(key));
    obs::log_info("annotation_class_created")
        .field("dataset", dataset)
        .field("class", key.second)
        .field("type", key.first)
        .field("class_id", created->id);
  }
  return v7::success();
}

v7::V7Status CarriedClasses::add_to_dataset(const Caller& caller, const std::string& dataset,
                                            const std::set<ClassKey>& wanted,
                                            const std::function<bool()>& stop) {
  ClassesReport& report = caller.report;
  // (class, its id) for the wanted classes whose datasets the list named.
  std::vector<std::pair<ClassKey, std::int64_t>> listed;
  for (const ClassKey& key : wanted) {
    const auto class_id = ids_.find(key);
    if (class_id != ids_.end() && class_datasets_.contains(class_id->second)) {
      listed.emplace_back(key, class_id->second);
    }
  }
  if (listed.empty()) return v7::success();
  auto id = dataset_id(caller, dataset);
  if (!id) {
    if (id.error().retryable()) return id.error();
    for (const auto& entry : listed) refuse(entry.first, id.error().reason, report);
    return v7::success();
  }
  for (const auto& [key, class_id] : listed) {
    std::vector<std::int64_t>& in = class_datasets_[class_id];
    if (std::find(in.begin(), in.end(), *id) != in.end()) continue;
    if (stop && stop()) return stopped();
    std::vector<std::int64_t> wanted_in = in;
    wanted_in.push_back(*id);
    ++report.api_calls;
    auto added = caller.api.update_annotation_class_datasets(caller.http, class_id, wanted_in);
    if (!added) {
      if (added.error().retryable()) return added.error();
      refuse(key, "not added to dataset " + dataset + ": " + added.error().reason, report);
      continue;
    }
    in = std::move(wanted_in);
    obs::log_info("annotation_class_added_to_dataset")
        .field("dataset", dataset)
        .field("class", key.second)
        .field("class_id", class_id);
  }
  return v7::success();
}

void CarriedClasses::refuse(const ClassKey& key, const std::string& reason, ClassesReport& report) {
  report.refused.push_back(named(key) + ": " + reason);
  refused_at_[key] = Clock::now();
}

v7::V7Result<annotations::AttributeIds> CarriedClasses::read_attributes(const Caller& caller,
                                                                        std::int64_t dataset_id) {
  if (const auto known = attributes_.find(dataset_id);
      known != attributes_.end() && fresh(known->second.at)) {
    return known->second.ids;
  }
  ++caller.report.api_calls;
  auto listed = caller.api.dataset_attributes(caller.http, dataset_id);
  if (!listed) {
    attributes_.erase(dataset_id);
    return listed.error();
  }
  annotations::AttributeIds ids;
  for (const auto& a : *listed) ids.emplace(std::make_pair(a.class_id, a.name), a.id);
  attributes_[dataset_id] = Attributes{ids, Clock::now()};
  return ids;
}

v7::V7Result<CarriedNames> CarriedClasses::prepare(
    const v7::V7Api& api, net::HttpClient& http, const std::string& team,
    const std::string& dataset, const std::set<ClassKey>& needed, bool with_attributes,
    const std::function<bool()>& stop, ClassesReport& report) {
  std::lock_guard lock(mutex_);
  const Caller caller{api, http, report};
  bool read_now = false;
  if (ids_team_ != team || !fresh(ids_at_)) {
    if (auto read = read_classes(caller, team); !read) return read.error();
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
    if (auto read = read_classes(caller, team); !read) return read.error();
    missing = missing_of(ids_, wanted);
  }
  if (!missing.empty()) {
    if (auto made = create(caller, dataset, missing, stop); !made) return made.error();
  }
  if (auto added = add_to_dataset(caller, dataset, wanted, stop); !added) return added.error();
  CarriedNames names;
  for (const auto& [key, id] : ids_) {
    if (!refused_at_.contains(key)) names.ids.emplace(key, id);
  }
  if (with_attributes) {
    if (stop && stop()) return stopped();
    auto id = dataset_id(caller, dataset);
    auto read =
        id ? read_attributes(caller, *id) : v7::V7Result<annotations::AttributeIds>(id.error());
    if (read) {
      names.attributes = std::move(read).value();
    } else {
      if (read.error().retryable()) return read.error();
      // Without the list, every attribute is left out and reported; the shapes still go.
      obs::log_warn("annotation_attributes_not_read")
          .field("dataset", dataset)
          .field("reason", read.error().reason);
    }
  }
  return names;
}

}  // namespace patchq::patchjob
