#include "server/poll_poller.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <set>
#include <vector>

#include "base/unique_fd.h"
#include "gtest/gtest.h"
#include "server/wakeup_fd.h"

namespace framerpc {
namespace internal {
namespace {

struct Pair {
  UniqueFd a, b;
};

Pair MakePair() {
  int fds[2];
  EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0);
  return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

std::set<int> ReadyFds(Poller& poller, short mask) {
  std::vector<PollEvent> ready;
  EXPECT_TRUE(poller.Poll(absl::ZeroDuration(), &ready).ok());
  std::set<int> fds;
  for (const PollEvent& event : ready) {
    if (event.revents & mask) fds.insert(event.fd);
  }
  return fds;
}

TEST(PollPoller, ReportsOnlyReadyDescriptors) {
  PollPoller poller;
  Pair p1 = MakePair(), p2 = MakePair();
  poller.Add(p1.a.get(), POLLIN);
  poller.Add(p2.a.get(), POLLIN);
  EXPECT_TRUE(ReadyFds(poller, POLLIN).empty());
  ASSERT_EQ(::write(p2.b.get(), "x", 1), 1);
  EXPECT_EQ(ReadyFds(poller, POLLIN), std::set<int>{p2.a.get()});
}

TEST(PollPoller, UpdateSwitchesEvents) {
  PollPoller poller;
  Pair p = MakePair();
  poller.Add(p.a.get(), 0);
  EXPECT_TRUE(ReadyFds(poller, POLLOUT).empty());
  poller.Update(p.a.get(), POLLOUT);
  EXPECT_EQ(poller.events(p.a.get()), POLLOUT);
  EXPECT_EQ(ReadyFds(poller, POLLOUT), std::set<int>{p.a.get()});
  poller.Update(p.a.get(), 0);
  EXPECT_TRUE(ReadyFds(poller, POLLOUT).empty());
}

TEST(PollPoller, RemoveSwapsTheLastEntryIntoTheHole) {
  PollPoller poller;
  std::vector<Pair> pairs;
  for (int i = 0; i < 6; ++i) {
    pairs.push_back(MakePair());
    poller.Add(pairs.back().a.get(), POLLIN);
    ASSERT_EQ(::write(pairs.back().b.get(), "x", 1), 1);  // all readable
  }
  // Remove from the front, the middle and the back.
  for (int i : {0, 3, 5}) {
    poller.Remove(pairs[i].a.get());
    EXPECT_FALSE(poller.Contains(pairs[i].a.get()));
  }
  EXPECT_EQ(poller.size(), 3u);
  std::set<int> expected = {pairs[1].a.get(), pairs[2].a.get(),
                            pairs[4].a.get()};
  EXPECT_EQ(ReadyFds(poller, POLLIN), expected);
  // The moved entries can still be updated and removed by fd.
  poller.Update(pairs[4].a.get(), 0);
  expected.erase(pairs[4].a.get());
  EXPECT_EQ(ReadyFds(poller, POLLIN), expected);
  for (int i : {1, 2, 4}) poller.Remove(pairs[i].a.get());
  EXPECT_EQ(poller.size(), 0u);
}

TEST(PollPoller, PeerCloseIsReportedEvenWithoutInterest) {
  PollPoller poller;
  Pair p = MakePair();
  poller.Add(p.a.get(), 0);
  p.b.Reset();
  std::set<int> hup = ReadyFds(poller, POLLHUP);
  EXPECT_EQ(hup, std::set<int>{p.a.get()});
}

TEST(PollPoller, TimeoutBoundsTheWait) {
  PollPoller poller;
  Pair p = MakePair();
  poller.Add(p.a.get(), POLLIN);
  std::vector<PollEvent> ready;
  const absl::Time start = absl::Now();
  ASSERT_TRUE(poller.Poll(absl::Milliseconds(20), &ready).ok());
  EXPECT_TRUE(ready.empty());
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(19));
}

TEST(WakeupFd, NotifyWakesUntilDrained) {
  absl::StatusOr<std::unique_ptr<WakeupFd>> wakeup = WakeupFd::Create();
  ASSERT_TRUE(wakeup.ok()) << wakeup.status();
  PollPoller poller;
  poller.Add((*wakeup)->fd(), POLLIN);
  EXPECT_TRUE(ReadyFds(poller, POLLIN).empty());
  (*wakeup)->Notify();
  (*wakeup)->Notify();
  EXPECT_EQ(ReadyFds(poller, POLLIN), std::set<int>{(*wakeup)->fd()});
  (*wakeup)->Drain();
  EXPECT_TRUE(ReadyFds(poller, POLLIN).empty());
  (*wakeup)->Drain();  // nothing to drain: harmless
}

}  // namespace
}  // namespace internal
}  // namespace framerpc
