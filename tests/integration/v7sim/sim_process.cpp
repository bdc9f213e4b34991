// SimProcess: see sim_process.hpp.
#include "tests/integration/v7sim/sim_process.hpp"

#include <signal.h>
#include <sys/wait.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <regex>
#include <stdexcept>

#include "tests/support/temp_dir.hpp"
#include "tests/support/wait.hpp"

namespace patchq::v7sim::testing {

using patchq::testing::HttpCall;
using patchq::testing::HttpReply;

SimProcess::SimProcess(SimOptions options) : options_(std::move(options)) {
  std::vector<std::string> args = {"--listen",    "127.0.0.1:0", "--team",
                                   options_.team, "--log-level", "warn"};
  if (!options_.data_dir.empty()) {
    args.push_back("--data-dir");
    args.push_back(options_.data_dir.string());
  }
  for (const auto& a : options_.extra_args) args.push_back(a);
  // The key goes through the environment, as in production, not the command line.
  process_ = std::make_unique<patchq::testing::ChildProcess>(
      patchq::testing::binary_path("patchq-v7sim"), args,
      std::map<std::string, std::string>{{"V7_API_KEY", options_.api_key}});
  const std::regex listening(R"(\{"event":"listening","port":(\d+))");
  std::smatch match;
  const bool up = patchq::testing::wait_until(
      [&] {
        const std::string out = process_->stdout_text();
        if (!std::regex_search(out, match, listening)) return !process_->running();
        port_ = std::stoi(match[1].str());
        return true;
      },
      std::chrono::seconds(10));
  if (!up || port_ == 0) {
    throw std::runtime_error("patchq-v7sim did not start: " + process_->stderr_text());
  }
}

HttpReply SimProcess::api(const std::string& method, const std::string& target,
                          const std::string& body, std::optional<std::string> key) const {
  std::map<std::string, std::string> headers = {
      {"Authorization", "ApiKey " + key.value_or(options_.api_key)}};
  if (!body.empty()) headers["Content-Type"] = "application/json";
  return call(method, target, body, std::move(headers));
}

HttpReply SimProcess::call(const std::string& method, const std::string& target,
                           const std::string& body,
                           std::map<std::string, std::string> headers) const {
  HttpCall c;
  c.method = method;
  c.port = port_;
  c.target = target;
  c.body = body;
  c.headers = std::move(headers);
  return patchq::testing::http_call(c);
}

HttpReply SimProcess::call_url(const std::string& method, const std::string& url,
                               const std::string& body,
                               std::map<std::string, std::string> headers) const {
  const auto [port, target] = split_url(url);
  if (port != port_) throw std::runtime_error("not this simulator's URL: " + url);
  return call(method, target, body, std::move(headers));
}

std::optional<int> SimProcess::stop() {
  process_->signal(SIGTERM);
  if (!process_->wait_exit(std::chrono::seconds(10))) return std::nullopt;
  return process_->exit_code();
}

std::pair<int, std::string> split_url(const std::string& url) {
  static const std::regex pattern(R"(^http://[^/:]+:(\d+)(/.*)?$)");
  std::smatch m;
  if (!std::regex_match(url, m, pattern)) return {0, ""};
  return {std::stoi(m[1].str()), m[2].matched ? m[2].str() : "/"};
}

std::string make_png(int width, int height) {
  cv::Mat image(height, width, CV_8UC3);
  cv::randu(image, cv::Scalar::all(0), cv::Scalar::all(255));
  std::vector<unsigned char> out;
  cv::imencode(".png", image, out);
  return std::string(out.begin(), out.end());
}

}  // namespace patchq::v7sim::testing
