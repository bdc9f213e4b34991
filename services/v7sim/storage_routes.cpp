// StorageRoutes: see storage_routes.hpp.
#include "services/v7sim/storage_routes.hpp"

#include <boost/beast/http/field.hpp>

#include "common/http/message.hpp"
#include "services/v7sim/image_size.hpp"

namespace patchq::v7sim {

namespace {

bool token_ok(const SimUrls& urls, StorageAction action, const Target& target,
              const std::string& upload_id) {
  const auto it = target.query.find("token");
  return it != target.query.end() && urls.verify(action, upload_id, it->second);
}

}  // namespace

StorageRoutes::StorageRoutes(SimStore& store, const SimUrls& urls, bool overwrite_confirmed)
    : store_(store), urls_(urls), overwrite_confirmed_(overwrite_confirmed) {}

std::optional<RoutedCall> StorageRoutes::match(bhttp::verb method,
                                               const std::vector<std::string>& s) {
  if (s.size() != 3 || s[0] != "_storage") return std::nullopt;
  const std::string id = s[2];
  if (s[1] == "files" && method == bhttp::verb::get) {
    return RoutedCall{"storage_get", RoutedCall::Guard::storage_token,
                      [this, id](const Request& r, const Target& t) { return get_file(r, t, id); }};
  }
  if (s[1] == "upload" && method == bhttp::verb::put) {
    return RoutedCall{"storage_put", RoutedCall::Guard::storage_token,
                      [this, id](const Request& r, const Target& t) { return put_file(r, t, id); }};
  }
  return std::nullopt;
}

Response StorageRoutes::get_file(const Request& req, const Target& target,
                                 const std::string& upload_id) const {
  if (!token_ok(urls_, StorageAction::download, target, upload_id)) {
    return http::json_error(req, bhttp::status::forbidden, "invalid or expired token");
  }
  auto bytes = store_.file_bytes(upload_id);
  if (!bytes) return http::json_error(req, bhttp::status::not_found, "no such file");
  const auto type = sniff_content_type(*bytes);
  return http::make_response(req, bhttp::status::ok, std::move(*bytes), type);
}

Response StorageRoutes::put_file(const Request& req, const Target& target,
                                 const std::string& upload_id) {
  if (!token_ok(urls_, StorageAction::upload, target, upload_id)) {
    return http::json_error(req, bhttp::status::forbidden, "invalid or expired token");
  }
  switch (store_.put_file(upload_id, req.body(), overwrite_confirmed_)) {
    case UploadStatus::ok:
      return http::make_response(req, bhttp::status::ok, "", "text/plain");
    case UploadStatus::already_confirmed:
      return http::json_error(req, bhttp::status::conflict, "upload already confirmed");
    case UploadStatus::not_found:
    case UploadStatus::not_uploaded:
      break;
  }
  return http::json_error(req, bhttp::status::not_found, "no such upload");
}

}  // namespace patchq::v7sim
