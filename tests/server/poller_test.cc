// The Pollers: every case runs on PollPoller and EpollPoller alike, since the
// loop must not be able to tell them apart; for sockets in each state that
// matters to the loop, both must report exactly what poll(2) reports.
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/unique_fd.h"
#include "gtest/gtest.h"
#include "server/epoll_poller.h"
#include "server/listener.h"
#include "server/poll_poller.h"
#include "server/wakeup_fd.h"
#include "tests/server/socket_pair.h"

namespace framerpc {
namespace internal {
namespace {

using test::MakeSocketPair;
using test::SocketPair;

// ServerOptions' defaults: these tests do not look at them.
constexpr absl::Duration kKeepaliveTime = absl::Seconds(30);
constexpr absl::Duration kKeepaliveTimeout = absl::Seconds(10);

template <typename P>
std::unique_ptr<P> NewPoller();

template <>
std::unique_ptr<PollPoller> NewPoller<PollPoller>() {
  return std::make_unique<PollPoller>();
}

template <>
std::unique_ptr<EpollPoller> NewPoller<EpollPoller>() {
  absl::StatusOr<std::unique_ptr<EpollPoller>> poller = EpollPoller::Create();
  EXPECT_TRUE(poller.ok()) << poller.status();
  return poller.ok() ? *std::move(poller) : nullptr;
}

template <typename P>
class PollerTest : public testing::Test {
 protected:
  void SetUp() override {
    poller_ = NewPoller<P>();
    ASSERT_NE(poller_, nullptr);
  }
  P& poller() { return *poller_; }

 private:
  std::unique_ptr<P> poller_;
};

struct PollerName {
  template <typename P>
  static std::string GetName(int) {
    return std::is_same<P, PollPoller>::value ? "Poll" : "Epoll";
  }
};

using Pollers = testing::Types<PollPoller, EpollPoller>;
TYPED_TEST_SUITE(PollerTest, Pollers, PollerName);

std::vector<PollEvent> PollNow(Poller& poller) {
  std::vector<PollEvent> ready;
  const absl::Status status = poller.Poll(absl::ZeroDuration(), &ready);
  EXPECT_TRUE(status.ok()) << status;
  return ready;
}

std::set<int> ReadyFds(Poller& poller, short mask) {
  std::set<int> fds;
  for (const PollEvent& event : PollNow(poller)) {
    if (event.revents & mask) fds.insert(event.fd);
  }
  return fds;
}

// What the poller reports for `fd`: 0 if it is not among the ready ones.
short ReportedFor(Poller& poller, int fd) {
  short revents = 0;
  for (const PollEvent& event : PollNow(poller)) {
    if (event.fd == fd) revents |= event.revents;
  }
  return revents;
}

// What poll(2) itself reports for `fd` watched for `events`.
short PollItself(int fd, short events) {
  pollfd p{fd, events, 0};
  EXPECT_GE(::poll(&p, 1, 0), 0);
  return p.revents;
}

TYPED_TEST(PollerTest, ReportsOnlyReadyDescriptors) {
  SocketPair p1 = MakeSocketPair(), p2 = MakeSocketPair();
  this->poller().Add(p1.server_end.get(), POLLIN);
  this->poller().Add(p2.server_end.get(), POLLIN);
  EXPECT_TRUE(ReadyFds(this->poller(), POLLIN).empty());
  ASSERT_EQ(::write(p2.client_end.get(), "x", 1), 1);
  EXPECT_EQ(ReadyFds(this->poller(), POLLIN),
            std::set<int>{p2.server_end.get()});
}

TYPED_TEST(PollerTest, UpdateSwitchesEvents) {
  SocketPair p = MakeSocketPair();
  const int fd = p.server_end.get();
  this->poller().Add(fd, 0);
  EXPECT_TRUE(ReadyFds(this->poller(), POLLOUT).empty());
  this->poller().Update(fd, POLLOUT);
  EXPECT_EQ(this->poller().events(fd), POLLOUT);
  EXPECT_EQ(ReadyFds(this->poller(), POLLOUT), std::set<int>{fd});
  this->poller().Update(fd, 0);
  EXPECT_TRUE(ReadyFds(this->poller(), POLLOUT).empty());
}

TYPED_TEST(PollerTest, RemoveFromTheFrontMiddleAndBackKeepsTheRest) {
  std::vector<SocketPair> pairs;
  for (int i = 0; i < 6; ++i) {
    pairs.push_back(MakeSocketPair());
    this->poller().Add(pairs.back().server_end.get(), POLLIN);
    ASSERT_EQ(::write(pairs.back().client_end.get(), "x", 1), 1);
  }
  for (int i : {0, 3, 5}) {
    this->poller().Remove(pairs[i].server_end.get());
    EXPECT_FALSE(this->poller().Contains(pairs[i].server_end.get()));
  }
  EXPECT_EQ(this->poller().size(), 3u);
  std::set<int> expected = {pairs[1].server_end.get(),
                            pairs[2].server_end.get(),
                            pairs[4].server_end.get()};
  EXPECT_EQ(ReadyFds(this->poller(), POLLIN), expected);
  // PollPoller moved entries to fill the holes: they can still be updated
  // and removed by descriptor.
  this->poller().Update(pairs[4].server_end.get(), 0);
  expected.erase(pairs[4].server_end.get());
  EXPECT_EQ(ReadyFds(this->poller(), POLLIN), expected);
  for (int i : {1, 2, 4}) this->poller().Remove(pairs[i].server_end.get());
  EXPECT_EQ(this->poller().size(), 0u);
  EXPECT_TRUE(PollNow(this->poller()).empty());
}

TYPED_TEST(PollerTest, PeerCloseIsReportedEvenWithoutInterest) {
  SocketPair p = MakeSocketPair();
  this->poller().Add(p.server_end.get(), 0);
  p.client_end.Reset();
  EXPECT_EQ(ReadyFds(this->poller(), POLLHUP),
            std::set<int>{p.server_end.get()});
}

// EpollPoller sizes its event array to what is registered: one wait
// reports every ready descriptor, as poll(2) does, none left for the next.
TYPED_TEST(PollerTest, ReportsEveryReadyDescriptorInOnePoll) {
  std::vector<SocketPair> pairs(100);
  std::set<int> expected;
  for (SocketPair& p : pairs) {
    p = MakeSocketPair();
    this->poller().Add(p.server_end.get(), POLLIN);
    ASSERT_EQ(::write(p.client_end.get(), "x", 1), 1);
    expected.insert(p.server_end.get());
  }
  EXPECT_EQ(ReadyFds(this->poller(), POLLIN), expected);
}

TYPED_TEST(PollerTest, TimeoutBoundsTheWait) {
  SocketPair p = MakeSocketPair();
  this->poller().Add(p.server_end.get(), POLLIN);
  std::vector<PollEvent> ready;
  const absl::Time start = absl::Now();
  ASSERT_TRUE(this->poller().Poll(absl::Milliseconds(20), &ready).ok());
  EXPECT_TRUE(ready.empty());
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(19));
}

TYPED_TEST(PollerTest, WakeupFdWakesUntilDrained) {
  absl::StatusOr<std::unique_ptr<WakeupFd>> wakeup = WakeupFd::Create();
  ASSERT_TRUE(wakeup.ok()) << wakeup.status();
  this->poller().Add((*wakeup)->fd(), POLLIN);
  EXPECT_TRUE(ReadyFds(this->poller(), POLLIN).empty());
  (*wakeup)->Notify();
  (*wakeup)->Notify();
  EXPECT_EQ(ReadyFds(this->poller(), POLLIN), std::set<int>{(*wakeup)->fd()});
  (*wakeup)->Drain();
  EXPECT_TRUE(ReadyFds(this->poller(), POLLIN).empty());
  (*wakeup)->Drain();  // nothing to drain: harmless
}

// One connection in a given state: the end the server would watch, and the
// peer kept open (or not) as the state requires.
struct Connected {
  std::string state;
  UniqueFd watched;
  UniqueFd peer;
};

// A loopback TCP connection, both ends non-blocking.
Connected TcpConnection(const std::string& state) {
  Connected c{state, UniqueFd(), UniqueFd()};
  absl::StatusOr<std::unique_ptr<Listener>> listener =
      Listener::Create("127.0.0.1:0", kKeepaliveTime, kKeepaliveTimeout);
  EXPECT_TRUE(listener.ok()) << listener.status();
  if (!listener.ok()) return c;
  c.peer.Reset(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>((*listener)->port()));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::connect(c.peer.get(), reinterpret_cast<const sockaddr*>(&address),
            sizeof(address));  // EINPROGRESS; the accept below waits for it
  pollfd incoming{(*listener)->fd(), POLLIN, 0};
  EXPECT_EQ(::poll(&incoming, 1, 20000), 1);
  absl::StatusOr<absl::optional<AcceptedSocket>> accepted =
      (*listener)->Accept();
  EXPECT_TRUE(accepted.ok() && accepted->has_value());
  if (accepted.ok() && accepted->has_value()) {
    c.watched = std::move((*accepted)->fd);
  }
  return c;
}

Connected UnixConnection(const std::string& state) {
  SocketPair pair = MakeSocketPair();
  return Connected{state, std::move(pair.server_end),
                   std::move(pair.client_end)};
}

// Every state of a connection the loop acts on, over TCP and Unix sockets.
std::vector<Connected> ConnectionStates() {
  std::vector<Connected> states;
  for (const bool tcp : {true, false}) {
    auto make = [tcp](const std::string& what) {
      const std::string state = absl::StrCat(tcp ? "tcp" : "unix", ", ", what);
      return tcp ? TcpConnection(state) : UnixConnection(state);
    };
    states.push_back(make("idle"));
    Connected input = make("input waiting");
    EXPECT_EQ(::write(input.peer.get(), "x", 1), 1);
    states.push_back(std::move(input));
    Connected half = make("peer shut its write side");
    ::shutdown(half.peer.get(), SHUT_WR);
    states.push_back(std::move(half));
    Connected closed = make("peer closed");
    closed.peer.Reset();
    states.push_back(std::move(closed));
    Connected both = make("both sides shut");
    ::shutdown(both.watched.get(), SHUT_WR);
    both.peer.Reset();
    states.push_back(std::move(both));
    Connected full = make("output full");
    const std::string chunk(64 << 10, 'x');
    while (::send(full.watched.get(), chunk.data(), chunk.size(),
                  MSG_NOSIGNAL) > 0) {
    }
    states.push_back(std::move(full));
    if (tcp) {
      Connected reset = make("peer reset");
      const linger abort{1, 0};  // close sends RST
      ::setsockopt(reset.peer.get(), SOL_SOCKET, SO_LINGER, &abort,
                   sizeof(abort));
      reset.peer.Reset();
      states.push_back(std::move(reset));
    }
  }
  return states;
}

TYPED_TEST(PollerTest, ReportsWhatPollReportsForEveryConnectionState) {
  for (const Connected& c : ConnectionStates()) {
    ASSERT_TRUE(c.watched.valid()) << c.state;
    for (const short events : {0, POLLIN, POLLOUT, POLLIN | POLLOUT}) {
      this->poller().Add(c.watched.get(), events);
      EXPECT_EQ(ReportedFor(this->poller(), c.watched.get()),
                PollItself(c.watched.get(), events))
          << c.state << ", events " << events;
      this->poller().Remove(c.watched.get());
    }
  }
}

// epoll refuses a regular file (EPERM); poll(2) calls it always ready. The
// loop never watches one, but the same path keeps a socket the kernel had
// no memory to watch served rather than forgotten.
TYPED_TEST(PollerTest, ARegularFileIsAlwaysReadyForWhatItIsWatchedFor) {
  UniqueFd file(::memfd_create("poller_test", MFD_CLOEXEC));
  ASSERT_TRUE(file.valid());
  const int fd = file.get();
  this->poller().Add(fd, POLLIN);
  EXPECT_TRUE(this->poller().Contains(fd));
  EXPECT_EQ(this->poller().size(), 1u);
  std::vector<PollEvent> ready;
  const absl::Time start = absl::Now();
  ASSERT_TRUE(this->poller().Poll(absl::Seconds(20), &ready).ok());
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));  // did not wait
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_EQ(ready[0].fd, fd);
  EXPECT_EQ(ready[0].revents, POLLIN);
  this->poller().Update(fd, POLLIN | POLLOUT);
  EXPECT_EQ(ReportedFor(this->poller(), fd), PollItself(fd, POLLIN | POLLOUT));
  EXPECT_EQ(ReportedFor(this->poller(), fd), POLLIN | POLLOUT);
  this->poller().Update(fd, 0);
  EXPECT_EQ(ReportedFor(this->poller(), fd), 0);
  this->poller().Remove(fd);
  EXPECT_FALSE(this->poller().Contains(fd));
  EXPECT_TRUE(PollNow(this->poller()).empty());
}

TEST(MakePoller, MakesTheKindAskedFor) {
  absl::StatusOr<std::unique_ptr<Poller>> poll = MakePoller(PollerKind::kPoll);
  ASSERT_TRUE(poll.ok()) << poll.status();
  EXPECT_NE(dynamic_cast<PollPoller*>(poll->get()), nullptr);
  absl::StatusOr<std::unique_ptr<Poller>> epoll =
      MakePoller(PollerKind::kEpoll);
  ASSERT_TRUE(epoll.ok()) << epoll.status();
  EXPECT_NE(dynamic_cast<EpollPoller*>(epoll->get()), nullptr);
  absl::StatusOr<std::unique_ptr<Poller>> bad =
      MakePoller(static_cast<PollerKind>(7));
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("ServerOptions::poller is 7"),
            absl::string_view::npos)
      << bad.status();
}

TEST(EpollPoller, OutOfDescriptorsIsAStatusNamingTheCall) {
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
  // Every descriptor number up to the new limit is taken by the time
  // epoll_create1 runs: the limit is the lowest free one.
  UniqueFd probe(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(probe.valid());
  rlimit tight = saved;
  tight.rlim_cur = static_cast<rlim_t>(probe.get());
  probe.Reset();
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &tight), 0);
  absl::StatusOr<std::unique_ptr<EpollPoller>> poller = EpollPoller::Create();
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &saved), 0);
  ASSERT_FALSE(poller.ok());
  EXPECT_EQ(poller.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(poller.status().message().find("epoll_create1"),
            absl::string_view::npos)
      << poller.status();
}

}  // namespace
}  // namespace internal
}  // namespace framerpc
