// The client's system calls at concurrency 1, counted by strace: a caller
// alone on its connection reads its own response, so each call should cost
// what a hand-written blocking client pays, one send and one receive, and
// no poll. (docs/performance.md says why the count matters: a syscall is
// the largest cost of a small call on loopback.)
//
// Needs strace and permission to trace a child (scripts/install_deps.sh
// installs strace); skipped with a message where either is missing, and
// under the sanitizers, whose runtimes make calls of their own.
#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "child_process.h"
#include "gtest/gtest.h"
#include "server_fixture.h"

namespace framerpc::e2e {
namespace {

constexpr char kStrace[] = "/usr/bin/strace";
constexpr int kCalls = 500;
// Calls made once per process rather than per RPC (connecting, the
// dynamic loader, protobuf's start-up) stay well under this.
constexpr int kFixedCalls = 60;

// Reads the table `strace -c` writes: syscall name -> calls that
// succeeded (a receive that timed out waiting, EAGAIN, is not counted: on
// a loaded machine a response may take longer than the wait).
std::map<std::string, int> ReadSummary(const std::string& path) {
  std::map<std::string, int> calls;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::vector<std::string> words;
    for (std::string word; fields >> word;) words.push_back(word);
    // "% time  seconds  usecs/call  calls  [errors]  syscall"
    if (words.size() < 5 || words.back() == "total" ||
        words.back() == "syscall") {
      continue;
    }
    const int errors = words.size() == 6 ? std::atoi(words[4].c_str()) : 0;
    calls[words.back()] = std::atoi(words[3].c_str()) - errors;
  }
  return calls;
}

int Sum(const std::map<std::string, int>& calls,
        const std::vector<std::string>& names) {
  int total = 0;
  for (const std::string& name : names) {
    auto it = calls.find(name);
    if (it != calls.end()) total += it->second;
  }
  return total;
}

TEST(ClientSyscalls, ACallerAloneMakesOneSendAndOneReceivePerCall) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "sanitizer runtimes make system calls of their own";
#endif
  if (::access(kStrace, X_OK) != 0) {
    GTEST_SKIP() << kStrace << " is not installed";
  }
  ServerFixture fixture("127.0.0.1:0");
  ASSERT_TRUE(fixture.status().ok()) << fixture.status();
  char path[] = "/tmp/framerpc_strace.XXXXXX";
  const int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  ::close(fd);

  ChildProcess probe({kStrace, "-f", "-qq", "-c", "-o", path, SYSCALL_PROBE,
                      fixture.target(), absl::StrCat(kCalls)});
  ASSERT_TRUE(probe.ok());
  const std::string result = probe.ReadLine(absl::Seconds(60));
  // strace writes its summary once the probe has exited, then exits.
  const int exit_code = probe.WaitForExit(absl::Seconds(30));
  probe.Kill();
  const std::map<std::string, int> calls = ReadSummary(path);
  ::unlink(path);
  if (result.rfind("ok ", 0) != 0 && calls.empty()) {
    GTEST_SKIP() << "strace could not trace the probe (ptrace not "
                    "permitted here?): '"
                 << result << "'";
  }
  ASSERT_EQ(result, absl::StrCat("ok ", kCalls));
  EXPECT_EQ(exit_code, 0);

  const int polls = Sum(calls, {"poll", "ppoll", "select", "pselect6",
                                "epoll_wait", "epoll_pwait"});
  const int sends = Sum(calls, {"sendto", "sendmsg", "send", "writev"});
  const int receives = Sum(calls, {"readv", "recvfrom", "recvmsg", "recv"});
  std::printf("%d calls: %d sends, %d receives, %d polls\n", kCalls, sends,
              receives, polls);
  EXPECT_LT(polls, kFixedCalls) << "a poll per call";
  EXPECT_GE(sends, kCalls);
  EXPECT_LT(sends, kCalls + kFixedCalls);
  EXPECT_GE(receives, kCalls);
  EXPECT_LT(receives, kCalls + kFixedCalls);
}

}  // namespace
}  // namespace framerpc::e2e
