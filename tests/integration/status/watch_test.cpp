// patchqctl watch against a real redis-server: --once prints one frame, a pipe gets plain
// lines, and on a terminal (tmux, read back with capture-pane) the screen redraws in place
// as the queue changes and Ctrl-C ends it. Text from outside reaches the terminal without its
// control characters.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include "common/queue/job_queue.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/redis_server.hpp"
#include "tests/support/wait.hpp"

namespace patchq::testing {
namespace {

using namespace std::chrono_literals;

struct ProgramRun {
  int code = -1;
  std::string out;
  std::string err;
};

ProgramRun run(const std::string& program, const std::vector<std::string>& args,
               std::map<std::string, std::string> env = {}) {
  ChildProcess p(program, args, std::move(env));
  if (!p.wait_exit(20s)) {
    p.signal(SIGKILL);
    p.wait_exit(5s);
  }
  return {p.exit_code().value_or(-1), p.stdout_text(), p.stderr_text()};
}

class PatchqctlWatch : public ::testing::Test {
 protected:
  PatchqctlWatch() : client_({redis_.endpoint()}), queue_(client_, keys_) { queue_.ensure_group(); }

  void enqueue(int n) {
    for (int i = 0; i < n; ++i) {
      queue::JobSpec spec;
      spec.payload = "{}";
      spec.target = "ds";
      spec.item_id = "item-" + std::to_string(i);
      queue_.enqueue(spec);
    }
  }
  void dead_job(const std::string& error) {
    enqueue(1);
    auto d = queue_.read("w1", 500ms);
    queue_.bury(*queue_.start(*d, "w1"), "w1", "permanent", error);
  }
  std::vector<std::string> ctl_args(std::vector<std::string> extra) {
    std::vector<std::string> args = {"--redis", redis_.url(), "--prefix", "w:"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }

  RedisServer redis_;
  queue::KeySchema keys_{"w:"};
  redis::SyncClient client_;
  queue::JobQueue queue_;
};

TEST_F(PatchqctlWatch, OncePrintsOneFrameWithCountsRatesAndFailures) {
  enqueue(3);
  dead_job("V7 refused the item");
  const ProgramRun r = run(binary_path("patchqctl"), ctl_args({"watch", "--once"}));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("queued 3   running 0   retrying 0   dead 1   done 0"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("backlog ETA never"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("permanent: V7 refused the item"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find('\x1b'), std::string::npos) << "no escape codes into a pipe";
}

TEST_F(PatchqctlWatch, APipeGetsOnePlainLineAFrameUntilInterrupted) {
  enqueue(2);
  ChildProcess p(binary_path("patchqctl"), ctl_args({"watch", "--interval", "200ms"}));
  ASSERT_TRUE(wait_until(
      [&] {
        const std::string out = p.stdout_text();
        return std::count(out.begin(), out.end(), '\n') >= 2;
      },
      10s));
  p.signal(SIGINT);
  ASSERT_TRUE(p.wait_exit(5s).has_value());
  EXPECT_EQ(p.exit_code(), 0);
  const std::string out = p.stdout_text();
  const std::string first = out.substr(0, out.find('\n'));
  EXPECT_NE(first.find(" queued=2 running=0 retrying=0 dead=0 done=0 "), std::string::npos)
      << first;
  EXPECT_EQ(out.find('\x1b'), std::string::npos);
}

TEST_F(PatchqctlWatch, UnreachableRedisWithOnceExits3) {
  const ProgramRun r =
      run(binary_path("patchqctl"), {"--redis", "redis://127.0.0.1:1/0", "watch", "--once"});
  EXPECT_EQ(r.code, 3) << r.out << r.err;
}

// tmux on its own socket (-L), so nothing here touches anyone else's tmux server.
class Tmux {
 public:
  Tmux() : socket_("patchq-watch-test-" + std::to_string(::getpid())) {}
  ~Tmux() { run("/usr/bin/tmux", {"-L", socket_, "kill-server"}); }
  ProgramRun tmux(std::vector<std::string> args) {
    args.insert(args.begin(), {"-L", socket_, "-f", "/dev/null"});
    return run("/usr/bin/tmux", args, {{"TERM", "xterm-256color"}});
  }
  std::string screen() { return tmux({"capture-pane", "-p", "-t", "watch"}).out; }

 private:
  std::string socket_;
};

TEST_F(PatchqctlWatch, ATerminalGetsAScreenRedrawnInPlaceAndCtrlCQuits) {
  enqueue(3);
  dead_job("bad \x1b[31mRED\x1b]0;pwned\x07 text");
  Tmux tmux;
  std::string command = binary_path("patchqctl").string();
  for (const auto& a : ctl_args({"watch", "--interval", "300ms"})) command += " '" + a + "'";
  const ProgramRun started =
      tmux.tmux({"new-session", "-d", "-s", "watch", "-x", "120", "-y", "40", command});
  ASSERT_EQ(started.code, 0) << started.err;

  ASSERT_TRUE(wait_until([&] { return tmux.screen().find("queued 3 ") != std::string::npos; }, 10s))
      << tmux.screen();
  std::string screen = tmux.screen();
  EXPECT_NE(screen.find("patchq watch"), std::string::npos) << screen;
  EXPECT_NE(screen.find("dead 1"), std::string::npos) << screen;
  EXPECT_NE(screen.find("bad ?[31mRED?]0;pwned? text"), std::string::npos) << screen;
  EXPECT_EQ(screen.find("queued 3", screen.find("queued 3") + 1), std::string::npos)
      << "one frame on screen, not a scroll of frames:\n"
      << screen;

  enqueue(2);
  ASSERT_TRUE(wait_until([&] { return tmux.screen().find("queued 5 ") != std::string::npos; }, 10s))
      << tmux.screen();

  ASSERT_EQ(tmux.tmux({"send-keys", "-t", "watch", "C-c"}).code, 0);
  EXPECT_TRUE(wait_until(
      [&] {
        return tmux.tmux({"has-session", "-t", "watch"}).code != 0;
      },
      10s))
      << "watch did not end on Ctrl-C:\n"
      << tmux.screen();
}

}  // namespace
}  // namespace patchq::testing
