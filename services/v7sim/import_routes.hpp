// ImportRoutes: V7's annotation classes and annotation import, and the control routes that
// let tests set up classes and read back what was imported (in memory; lost at exit).
//   annotation_classes  GET  /api/teams/{team}/annotation_classes[?include_tags=true]
//                       -> {"annotation_classes":[{"id","name","annotation_types":[...],
//                           "datasets":[{"id"}]}]}
//   annotation_types    GET  /api/annotation_types -> [{"id","name"}]
//   create_annotation_class  POST /api/annotation_classes {"dataset_id","name","metadata",
//                       "annotation_type_ids":[...],"datasets":[{"id"}]} (darwin-py's body)
//                       -> 200 the class as listed
//   update_annotation_class  PUT /api/annotation_classes/{id} {"datasets":[{"id"}],"id"}
//                       (darwin-py's add_annotation_class) -> 200 the class; it is in
//                       exactly those datasets afterwards
//   attributes          GET  /api/datasets/{dataset_id}/attributes -> [{"id","name","class_id"}]
//   import_annotations  POST /api/v2/teams/{team}/items/{item_id}/import
//                       {"annotations":[{"annotation_class_id","data":{<shape>:...},
//                        "context_keys":{"slot_names"},"id"}],"overwrite":"true"|"false"}
//   POST /_sim/annotation_classes {"name","annotation_types":[...],"datasets":[ids]?}
//                       -> 201 {"id"}: a class of the team, in those datasets (none if absent)
//   POST /_sim/attributes {"class_id","dataset_id","name"}  -> 201 {"id"}
//   GET  /_sim/items/{item_id}/annotations  -> {"imports":n,"annotations":[<as imported>]}
// Guesses where V7 is undocumented (docs/V7SIM.md): an unknown item -> 404; a body that is not
// that shape, an unknown class id, or data whose shape the class does not have -> 422 and
// nothing stored, and so is a class that is not in the item's dataset (darwin-py adds a team
// class to the dataset before it imports) or an "attributes" entry that is not {"attributes":
// [ids]} of the class's attributes; "overwrite":"true" replaces the item's annotations, anything
// else adds to them; the answer is 200 {} once stored (V7 may process imports later). Creating a
// class whose name the team has for the same type, naming an unknown type id or dataset -> 422.
#pragma once

#include <simdjson.h>

#include <boost/beast/http/verb.hpp>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "services/v7sim/routed_call.hpp"
#include "services/v7sim/sim_store.hpp"
#include "services/v7sim/sim_urls.hpp"

namespace patchq::v7sim {

class ImportRoutes {
 public:
  ImportRoutes(SimStore& store, const SimUrls& urls);
  std::optional<RoutedCall> match(boost::beast::http::verb method,
                                  const std::vector<std::string>& segments);
  // A /_sim route of this file, or nullopt when `segments` name another.
  std::optional<http::Response> control(const http::Request& req,
                                        const std::vector<std::string>& segments);

 private:
  struct AnnotationClass {
    std::int64_t id = 0;
    std::string name;
    std::vector<std::string> types;
    std::vector<std::int64_t> datasets;
  };
  struct Attribute {
    std::int64_t id = 0;
    std::int64_t class_id = 0;
    std::int64_t dataset_id = 0;
    std::string name;
  };
  struct ItemAnnotations {
    std::size_t imports = 0;
    std::vector<std::string> annotations;  // minified JSON, as imported
  };
  http::Response list_classes(const http::Request& req) const;
  http::Response import(const http::Request& req, const std::string& item_id);
  http::Response add_class(const http::Request& req);
  http::Response list_types(const http::Request& req) const;
  http::Response create_class(const http::Request& req);
  http::Response update_class(const http::Request& req, std::int64_t class_id);
  http::Response list_attributes(const http::Request& req, std::int64_t dataset_id) const;
  http::Response add_attribute(const http::Request& req);
  // Empty when `attributes` (an import's data.attributes) names only the class's attributes.
  std::string attributes_problem(simdjson::dom::element attributes, std::int64_t class_id) const;
  http::Response item_annotations(const http::Request& req, const std::string& item_id) const;

  SimStore& store_;
  const SimUrls& urls_;
  mutable std::mutex mu_;
  std::vector<AnnotationClass> classes_;
  std::vector<Attribute> attributes_;
  std::map<std::string, ItemAnnotations, std::less<>> items_;
};

}  // namespace patchq::v7sim
