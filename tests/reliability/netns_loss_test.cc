// Dead peers over a real network path that starts dropping every packet: a
// Channel in this process's network namespace and a Server listening inside
// a namespace of its own, joined by a veth pair. Taking the namespace's end
// down ("ip link set ... down") makes the path drop packets silently, in
// both directions, with no FIN or RST: the kernel's TCP_USER_TIMEOUT and
// keepalive and the Channel's pings are all that can notice. (tc netem
// loss 100% would do the same where the kernel has netem; link down needs
// nothing beyond veth.) Both sides use keepalive_time 1 s and
// keepalive_timeout 1 s, so each must find the other dead within about 2 s
// (docs/api.md §4 "Dead peers", §5.3 "Dead peers are detected").
//
// Needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN) and the `ip` tool; skipped,
// saying why, where either is missing or namespaces cannot be made.
// Everything made is named after the test's PID, so parallel runs do not
// collide, and removed on every path by NetnsPath's destructor.
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <future>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "child_process.h"
#include "e2e_test.framerpc.h"
#include "framerpc/channel.h"
#include "framerpc/server.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test_service_impl.h"

namespace framerpc::e2e {
namespace {

using ::testing::HasSubstr;

constexpr absl::Duration kKeepaliveTime = absl::Seconds(1);
constexpr absl::Duration kKeepaliveTimeout = absl::Seconds(1);
// Allowance on top of keepalive_time + keepalive_timeout for scheduling,
// the Channel's 10 ms look and the kernel's timer granularity; generous,
// since the claim is "seconds, not forever", and more under sanitizers.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr absl::Duration kMargin = absl::Seconds(10);
#else
constexpr absl::Duration kMargin = absl::Seconds(5);
#endif
const absl::Duration kDetectionBound =
    kKeepaliveTime + kKeepaliveTimeout + kMargin;
// How long one `ip` command may take.
constexpr absl::Duration kCommandTimeout = absl::Seconds(10);

std::string FindIp() {
  for (const char* path :
       {"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"}) {
    if (::access(path, X_OK) == 0) return path;
  }
  return "";
}

// A network namespace and a veth pair into it, with a /30 of 10.0.0.0/8
// picked from the PID: this side holds .1, the namespace .2. Removes both
// when destroyed (deleting the namespace deletes the veth end inside it,
// and with it the pair).
class NetnsPath {
 public:
  // Sets the path up. Returns nullptr with `*skip` set when this machine
  // cannot (not root, no `ip`, no namespaces or veth); with `*failure` set
  // when a later step fails.
  static std::unique_ptr<NetnsPath> Create(std::string* skip,
                                           std::string* failure) {
    if (::geteuid() != 0) {
      *skip = "needs root to make network namespaces";
      return nullptr;
    }
    const std::string ip = FindIp();
    if (ip.empty()) {
      *skip = "needs the `ip` tool (iproute2)";
      return nullptr;
    }
    std::unique_ptr<NetnsPath> path(new NetnsPath(ip, ::getpid()));
    if (path->Ip({"netns", "add", path->name_}) != 0) {
      *skip = absl::StrCat("cannot make a network namespace here (`ip netns ",
                           "add` failed: no CAP_SYS_ADMIN, or a container)");
      return nullptr;
    }
    path->namespace_made_ = true;
    if (path->Ip({"link", "add", path->outer_, "type", "veth", "peer", "name",
                  path->inner_, "netns", path->name_}) != 0) {
      *skip =
          "cannot make a veth pair here (`ip link add ... type veth` "
          "failed)";
      return nullptr;
    }
    const std::vector<std::vector<std::string>> steps = {
        {"addr", "add", path->outer_address_ + "/30", "dev", path->outer_},
        {"link", "set", path->outer_, "up"},
        {"-n", path->name_, "addr", "add", path->inner_address_ + "/30", "dev",
         path->inner_},
        {"-n", path->name_, "link", "set", path->inner_, "up"},
    };
    for (const std::vector<std::string>& step : steps) {
      if (path->Ip(step) != 0) {
        *failure = absl::StrCat("ip ", absl::StrJoin(step, " "), " failed");
        return nullptr;
      }
    }
    return path;
  }

  ~NetnsPath() {
    if (namespace_made_) Ip({"netns", "del", name_});
    // Normally gone with the namespace already (the kernel removes it
    // shortly after), unless the move into the namespace failed.
    Ip({"link", "del", outer_}, /*quiet=*/true);
  }

  // The address the server listens on, inside the namespace.
  const std::string& inner_address() const { return inner_address_; }

  // Runs `fn` on a thread that has entered the namespace, so that the
  // sockets it makes (a Server's listener) belong to it; sockets keep their
  // namespace whichever thread uses them later.
  bool RunInside(const std::function<void()>& fn) {
    bool entered = false;
    std::thread inside([&] {
      const std::string file = absl::StrCat("/run/netns/", name_);
      const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) return;
      entered = ::setns(fd, CLONE_NEWNET) == 0;
      ::close(fd);
      if (entered) fn();
    });
    inside.join();
    return entered;
  }

  // Takes the namespace's end of the pair down: from now on every packet
  // either way is dropped without a word to either side.
  bool DropEverything() {
    return Ip({"-n", name_, "link", "set", inner_, "down"}) == 0;
  }

 private:
  NetnsPath(std::string ip, pid_t pid)
      : ip_(std::move(ip)),
        name_(absl::StrCat("framerpc-loss-", pid)),
        outer_(absl::StrCat("frpc", pid, "o")),  // at most 15 characters
        inner_(absl::StrCat("frpc", pid, "i")) {
    const std::string prefix = absl::StrCat("10.", 200 + (pid >> 14) % 50, ".",
                                            (pid >> 6) & 0xff, ".");
    const int base = (pid & 63) * 4;
    outer_address_ = absl::StrCat(prefix, base + 1);
    inner_address_ = absl::StrCat(prefix, base + 2);
  }

  // Runs `ip args...`, waiting at most kCommandTimeout; its exit code, or
  // -1 if it could not run, was killed or took too long (then it is killed).
  int Ip(const std::vector<std::string>& args, bool quiet = false) {
    std::vector<std::string> argv = {ip_};
    if (quiet) {
      argv = {
          "/bin/sh", "-c",
          absl::StrCat(ip_, " ", absl::StrJoin(args, " "), " >/dev/null 2>&1")};
    } else {
      argv.insert(argv.end(), args.begin(), args.end());
    }
    ChildProcess command(argv);
    if (!command.ok()) return -1;
    return command.WaitForExit(kCommandTimeout);  // the destructor kills
  }

  const std::string ip_;
  const std::string name_;
  const std::string outer_;
  const std::string inner_;
  std::string outer_address_;
  std::string inner_address_;
  bool namespace_made_ = false;
};

// A Server inside the path's namespace and a Channel to it from outside,
// both with the short keepalive times above.
class NetnsLossTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string skip, failure;
    path_ = NetnsPath::Create(&skip, &failure);
    if (!skip.empty()) GTEST_SKIP() << skip;
    ASSERT_NE(path_, nullptr) << failure;

    ServerOptions options;
    options.keepalive_time = kKeepaliveTime;
    options.keepalive_timeout = kKeepaliveTimeout;
    server_ = std::make_unique<Server>(options);
    ASSERT_TRUE(server_->AddService(&service_).ok());
    absl::Status listened;
    ASSERT_TRUE(path_->RunInside([&] {
      listened = server_->Listen(absl::StrCat(path_->inner_address(), ":0"));
    })) << "could not enter the namespace";
    ASSERT_TRUE(listened.ok()) << listened;
    ASSERT_TRUE(server_->Start().ok());
    target_ = absl::StrCat(path_->inner_address(), ":", server_->port());

    ChannelOptions channel_options;
    channel_options.keepalive_time = kKeepaliveTime;
    channel_options.keepalive_timeout = kKeepaliveTimeout;
    channel_options.connect_timeout = absl::Seconds(1);
    absl::StatusOr<std::shared_ptr<Channel>> channel =
        Channel::Create(target_, channel_options);
    ASSERT_TRUE(channel.ok()) << channel.status();
    channel_ = *std::move(channel);
    stub_ = std::make_unique<TestService::Stub>(channel_);
  }

  void TearDown() override {
    stub_.reset();
    channel_.reset();
    if (server_ != nullptr) {
      server_->Shutdown(absl::Seconds(1));
      server_->Wait();
    }
    server_.reset();
    path_.reset();  // after the server: its sockets are gone by then
  }

  // One call, without a deadline unless `timeout` is finite; its outcome
  // and how long it took. With `long_handler` its handler runs until the
  // call is cancelled (wait_for_cancel), else it echoes at once. A call still
  // running after kDetectionBound plus a second is cancelled, so that a failing
  // test cannot hang.
  struct Outcome {
    absl::Status status;
    absl::Duration took;
  };
  Outcome Call(const std::string& text, bool long_handler,
               absl::Duration timeout = absl::InfiniteDuration()) {
    EchoRequest request;
    request.set_text(text);
    request.set_wait_for_cancel(long_handler);
    ClientContext context;
    if (timeout != absl::InfiniteDuration()) context.set_timeout(timeout);
    const absl::Time start = absl::Now();
    auto reply = std::async(std::launch::async, [&] {
      return stub_->Echo(request, &context).status();
    });
    if (reply.wait_for(absl::ToChronoMilliseconds(
            kDetectionBound + absl::Seconds(1))) != std::future_status::ready) {
      context.TryCancel();
    }
    absl::Status status = reply.get();
    return Outcome{status, absl::Now() - start};
  }

  TestServiceImpl service_;
  std::unique_ptr<NetnsPath> path_;
  std::unique_ptr<Server> server_;
  std::string target_;
  std::shared_ptr<Channel> channel_;
  std::unique_ptr<TestService::Stub> stub_;
};

TEST_F(NetnsLossTest, CallInFlightFailsUnavailableAndItsHandlerIsCancelled) {
  const Outcome first = Call("before", false, absl::Seconds(10));
  ASSERT_TRUE(first.status.ok()) << first.status;

  absl::Time dropped_at;
  auto in_flight = std::async(std::launch::async, [&] {
    return Call("in flight", /*long_handler=*/true);
  });
  ASSERT_TRUE(service_.AwaitCancelWaiters(1, absl::Seconds(10)));
  dropped_at = absl::Now();
  ASSERT_TRUE(path_->DropEverything());

  const Outcome outcome = in_flight.get();
  const absl::Duration detected = absl::Now() - dropped_at;
  EXPECT_EQ(outcome.status.code(), absl::StatusCode::kUnavailable)
      << outcome.status;
  EXPECT_THAT(std::string(outcome.status.message()), HasSubstr(target_));
  EXPECT_THAT(std::string(outcome.status.message()), HasSubstr("keepalive"));
  EXPECT_LE(detected, kDetectionBound) << outcome.status;
  std::cout << "client found the server dead " << detected
            << " after the drop: " << outcome.status << "\n";

  // The server's side, by its TCP_USER_TIMEOUT and keepalive alone: it
  // sends no pings, and no byte of the client's arrives to tell it.
  const absl::optional<absl::Time> cancelled_at =
      service_.AwaitCancelSeen(kDetectionBound);
  ASSERT_TRUE(cancelled_at.has_value())
      << "the server's handler never saw IsCancelled()";
  EXPECT_LE(*cancelled_at - dropped_at, kDetectionBound);
  std::cout << "server's handler saw IsCancelled() "
            << *cancelled_at - dropped_at << " after the drop\n";
}

TEST_F(NetnsLossTest, IdleConnectionsNextCallsFailUnavailableInsteadOfHanging) {
  const Outcome first = Call("before", false, absl::Seconds(10));
  ASSERT_TRUE(first.status.ok()) << first.status;
  ASSERT_TRUE(path_->DropEverything());

  // Written to the connection the Channel still holds, no deadline: the
  // pings find it dead.
  const Outcome next = Call("after the drop", false);
  EXPECT_EQ(next.status.code(), absl::StatusCode::kUnavailable) << next.status;
  EXPECT_THAT(std::string(next.status.message()), HasSubstr(target_));
  EXPECT_LE(next.took, kDetectionBound) << next.status;
  std::cout << "next call failed after " << next.took << ": " << next.status
            << "\n";

  // And the one after: no connection can be made, so it fails within the
  // connect timeout, without a deadline of its own.
  const Outcome later = Call("later", false);
  EXPECT_EQ(later.status.code(), absl::StatusCode::kUnavailable)
      << later.status;
  EXPECT_LE(later.took, absl::Seconds(1) + kMargin) << later.status;
  std::cout << "the call after it failed after " << later.took << ": "
            << later.status << "\n";
}

}  // namespace
}  // namespace framerpc::e2e
