#include "common/obs/log.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <array>

namespace patchq::obs {
namespace {

std::string capture(const std::function<void()>& emit) {
  int fds[2];
  EXPECT_EQ(::pipe(fds), 0);
  set_log_fd(fds[1]);
  emit();
  set_log_fd(STDERR_FILENO);
  ::close(fds[1]);
  std::string out;
  std::array<char, 4096> buf{};
  ssize_t n = 0;
  while ((n = ::read(fds[0], buf.data(), buf.size())) > 0) out.append(buf.data(), n);
  ::close(fds[0]);
  return out;
}

TEST(Log, WritesOneJsonObjectPerLineWithEventAndFields) {
  set_log_service("test");
  const std::string out =
      capture([] { log_info("job_done").field("job_id", "j1").field("tiles", 24); });
  EXPECT_EQ(out.back(), '\n');
  EXPECT_EQ(out.find('\n'), out.size() - 1);
  EXPECT_NE(
      out.find(R"("level":"info","service":"test","event":"job_done","job_id":"j1","tiles":24})"),
      std::string::npos)
      << out;
}

TEST(Log, DropsLinesBelowTheLevel) {
  set_log_level(Level::warn);
  const std::string out = capture([] {
    log_info("quiet");
    log_warn("loud");
  });
  set_log_level(Level::info);
  EXPECT_EQ(out.find("quiet"), std::string::npos);
  EXPECT_NE(out.find("loud"), std::string::npos);
}

TEST(Log, ALevelSetByNameFiltersLikeTheEnumAndEveryNameIsAChoice) {
  set_log_level_named("error");
  const std::string out = capture([] {
    log_warn("quiet");
    log_error("loud");
  });
  set_log_level_named("no-such-level");  // back to info, the default
  const std::string after = capture([] { log_info("audible"); });
  EXPECT_EQ(out.find("quiet"), std::string::npos);
  EXPECT_NE(out.find("loud"), std::string::npos);
  EXPECT_NE(after.find("audible"), std::string::npos);
  const std::vector<std::string> names = {"debug", "info", "warn", "error"};
  EXPECT_EQ(log_level_names(), names);
}

}  // namespace
}  // namespace patchq::obs
