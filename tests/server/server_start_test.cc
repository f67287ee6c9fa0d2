// Server::Start when the system cannot give it threads: a status, not a
// crash (std::thread throws std::system_error when pthread_create fails);
// and the threads it starts, named for the tools that list them.
#include <dirent.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <string>

#include "framerpc/server.h"
#include "gtest/gtest.h"
#include "tests/server/test_service.h"

namespace framerpc {
namespace test {
namespace {

// The process's address space in use, in bytes (first field of statm).
long AddressSpaceBytes() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0;
  statm >> pages;
  return pages * sysconf(_SC_PAGESIZE);
}

// Exit codes of the child below.
enum ChildOutcome { kFailedWithStatus = 0, kStarted = 1, kOtherError = 2 };

// In a child process (the address-space limit must not touch the test
// runner): listens, then caps the address space a few MiB above what is
// in use, so that the stacks of 64 workers (8 MiB each) cannot all be
// mapped, and starts.
ChildOutcome StartWithoutRoomForThreads() {
  TestService service;
  ServerOptions options;
  options.num_workers = 64;
  Server server(options);
  if (!server.AddService(&service).ok()) return kOtherError;
  if (!server.Listen("127.0.0.1:0").ok()) return kOtherError;
  const rlim_t cap = static_cast<rlim_t>(AddressSpaceBytes() + (24 << 20));
  const rlimit limit{cap, cap};
  if (setrlimit(RLIMIT_AS, &limit) != 0) return kOtherError;
  absl::Status started = server.Start();
  if (started.ok()) return kStarted;
  std::fprintf(stderr, "child: %s\n", started.ToString().c_str());
  const bool expected =
      started.code() == absl::StatusCode::kResourceExhausted &&
      started.message().find("worker threads") != absl::string_view::npos;
  return expected ? kFailedWithStatus : kOtherError;
}

TEST(ServerStart, NoRoomForItsThreadsIsAStatusNotACrash) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "sanitizers reserve terabytes of address space for their "
                  "shadow memory, so an address-space cap cannot be set";
#endif
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) _exit(StartWithoutRoomForThreads());
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status))
      << "the child crashed (signal "
      << (WIFSIGNALED(status) ? WTERMSIG(status) : 0) << ")";
  EXPECT_EQ(WEXITSTATUS(status), kFailedWithStatus)
      << "1: Start succeeded; 2: it failed some other way (see stderr)";
}


// How many of this process's threads bear each name (/proc/self/task).
std::map<std::string, int> ThreadNames() {
  std::map<std::string, int> names;
  DIR* tasks = opendir("/proc/self/task");
  if (tasks == nullptr) return names;
  while (const dirent* entry = readdir(tasks)) {
    if (entry->d_name[0] == '.') continue;
    std::ifstream comm(std::string("/proc/self/task/") + entry->d_name +
                       "/comm");
    std::string name;
    if (std::getline(comm, name)) ++names[name];
  }
  closedir(tasks);
  return names;
}

TEST(ServerStart, ItsThreadsAreNamedForWhatTheyDo) {
  TestService service;
  ServerOptions options;
  options.num_loops = 2;
  options.num_workers = 3;
  Server server(options);
  ASSERT_TRUE(server.AddService(&service).ok());
  ASSERT_TRUE(server.Listen("127.0.0.1:0").ok());
  ASSERT_TRUE(server.Start().ok());
  // Each thread names itself as it starts: wait for them (bounded).
  std::map<std::string, int> names = ThreadNames();
  for (int i = 0; i < 500 && (names["framerpc-loop"] < 2 ||
                              names["framerpc-mon"] < 1 ||
                              names["framerpc-worker"] < 3);
       ++i) {
    usleep(10000);
    names = ThreadNames();
  }
  EXPECT_EQ(names["framerpc-loop"], 2);
  EXPECT_EQ(names["framerpc-mon"], 1);
  EXPECT_EQ(names["framerpc-worker"], 3);
  server.Shutdown(absl::ZeroDuration());
}

}  // namespace
}  // namespace test
}  // namespace framerpc
