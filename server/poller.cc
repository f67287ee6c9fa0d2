#include "server/poller.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "server/epoll_poller.h"
#include "server/poll_poller.h"

namespace framerpc {
namespace internal {

absl::StatusOr<std::unique_ptr<Poller>> MakePoller(PollerKind kind) {
  switch (kind) {
    case PollerKind::kPoll:
      return std::make_unique<PollPoller>();
    case PollerKind::kEpoll: {
      absl::StatusOr<std::unique_ptr<EpollPoller>> poller =
          EpollPoller::Create();
      if (!poller.ok()) return poller.status();
      return std::unique_ptr<Poller>(*std::move(poller));
    }
  }
  // Worded like the other option checks, since Start passes it on as is.
  return absl::InvalidArgumentError(
      absl::StrCat("ServerOptions::poller is ", static_cast<int>(kind),
                   "; it must be PollerKind::kPoll or PollerKind::kEpoll"));
}

}  // namespace internal
}  // namespace framerpc
