// The address rules through the real worker processes. With --allow-private-hosts off and only
// the stand-in's API origin exempt (--allow-private-v7-api), an ordinary item is tiled as
// usual while an image URL into the loopback range (another port on the API's own host, as a
// Redis would be) ends the job dead with the address reason, never connecting. With
// --allow-private-hosts on, that URL is still refused: the API is matched by its whole origin,
// not by host name. Reasons carry the step once ("fetch image: ...", never twice).
#include <gtest/gtest.h>

#include <regex>

#include "tests/integration/e2e/chain.hpp"
#include "tests/integration/e2e/payload_annotations.hpp"
#include "tests/integration/e2e/street_image.hpp"
#include "tests/support/wait.hpp"
#include "tests/unit/net/scripted_server.hpp"

namespace patchq::e2e {
namespace {

using namespace std::chrono_literals;
using patchq::testing::RecordedRequest;
using patchq::testing::ScriptedConnection;
using patchq::testing::ScriptedServer;

// `payload` with every occurrence of its slot's file URL replaced by `url`.
std::string with_file_url(std::string payload, const std::string& url) {
  const std::string key = "\"url\":\"";
  const auto at = payload.find(key);
  if (at == std::string::npos) throw std::runtime_error("payload has no url: " + payload);
  const auto start = at + key.size();
  const std::string old = payload.substr(start, payload.find('"', start) - start);
  for (auto pos = payload.find(old); pos != std::string::npos; pos = payload.find(old, pos)) {
    payload.replace(pos, old.size(), url);
    pos += url.size();
  }
  return payload;
}

// patchqctl job <id> once the job has `status`; the last output otherwise (the test fails).
CtlRun wait_for_status(Chain& chain, const std::string& job_id, const std::string& status) {
  CtlRun job;
  const std::regex wanted("(^|\\n)status +" + status + "\\n");
  const bool reached = testing::wait_until(
      [&] {
        job = chain.ctl({"job", job_id});
        return job.code == 0 && std::regex_search(job.out, wanted);
      },
      60s, 50ms);
  EXPECT_TRUE(reached) << "job " << job_id << " never " << status << ":\n"
                       << job.out << job.err << chain.logs();
  return job;
}

std::string post(Chain& chain, const std::string& payload, const std::string& target) {
  const auto reply = chain.post_webhook(payload, target);
  EXPECT_EQ(reply.status, 202) << reply.body;
  return testing::job_id_of(reply.body);
}

const std::string kOneTile =
    "[" + grid_annotation("e0000000-0000-4000-8000-000000000001", 1, 1, 0, 0, 120, 80) + "]";

TEST(ImageUrlRulesE2E, OnlyTheApiOriginIsExemptFromTheAddressRules) {
  ScriptedServer bystander(
      [](const RecordedRequest&, ScriptedConnection& c) { c.write(ScriptedServer::reply(200)); });
  Chain chain(ChainOptions{.allow_private_hosts = false,
                           .worker_args = {"--allowed-image-hosts", "@cloud-storage,127.0.0.1"}});
  const std::string payload = with_annotations(
      chain.add_image("rules-source", "ok.jpg", street_image_jpeg(120, 80)), kOneTile);

  const std::string ok_job = post(chain, payload, "rules-target");
  const CtlRun ok = wait_for_status(chain, ok_job, "done");
  EXPECT_EQ(chain.dataset_items("rules-target").size(), 1u) << ok.out << chain.logs();

  const std::string refused_job =
      post(chain, with_file_url(payload, bystander.url("/")), "rules-target");
  const CtlRun refused = wait_for_status(chain, refused_job, "dead");
  EXPECT_NE(refused.out.find("address 127.0.0.1 is in a refused range (Loopback)"),
            std::string::npos)
      << refused.out << chain.logs();
  EXPECT_EQ(refused.out.find("fetch image: fetch image"), std::string::npos) << refused.out;
  EXPECT_EQ(bystander.connections(), 0);
}

TEST(ImageUrlRulesE2E, WithPrivateHostsAllowedAnotherPortOnTheApiHostIsStillRefused) {
  ScriptedServer bystander(
      [](const RecordedRequest&, ScriptedConnection& c) { c.write(ScriptedServer::reply(200)); });
  Chain chain;
  const std::string payload = with_annotations(
      chain.add_image("rules-source", "ok.jpg", street_image_jpeg(120, 80)), kOneTile);
  const std::string job_id =
      post(chain, with_file_url(payload, bystander.url("/")), "rules-target");
  const CtlRun refused = wait_for_status(chain, job_id, "dead");
  EXPECT_NE(refused.out.find("host 127.0.0.1 is not an allowed host"), std::string::npos)
      << refused.out << chain.logs();
  EXPECT_EQ(refused.out.find("fetch image: fetch image"), std::string::npos) << refused.out;
  EXPECT_EQ(bystander.connections(), 0);
}

}  // namespace
}  // namespace patchq::e2e
