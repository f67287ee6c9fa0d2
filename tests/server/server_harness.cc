#include "tests/server/server_harness.h"

#include <dirent.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "rpc/address.h"

namespace framerpc {
namespace test {
namespace {

// Entries of `directory` (not "." or "..") whose name `keep` accepts.
template <typename Keep>
int CountEntries(const char* directory, Keep keep) {
  DIR* dir = ::opendir(directory);
  if (dir == nullptr) return -1;
  int count = 0;
  while (const dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] != '.' && keep(entry->d_name)) ++count;
  }
  ::closedir(dir);
  return count;
}

bool Any(const char*) { return true; }

ServerOptions WithHarnessPoller(ServerOptions options) {
  options.poller = HarnessPoller(options.poller);
  return options;
}

}  // namespace

PollerKind HarnessPoller(PollerKind fallback) {
  const char* name = ::getenv("FRAMERPC_TEST_POLLER");
  if (name == nullptr) return fallback;
  const absl::string_view value(name);
  if (value == "epoll") return PollerKind::kEpoll;
  if (value != "poll") {
    ADD_FAILURE() << "FRAMERPC_TEST_POLLER is \"" << value
                  << "\"; expected poll or epoll";
  }
  return PollerKind::kPoll;
}

ServerHarness::ServerHarness(ServerOptions options,
                             ServiceOptions service_options)
    : service_options_(service_options), server_(WithHarnessPoller(options)) {}

ServerHarness::~ServerHarness() { service_.gate().Open(); }

absl::Status ServerHarness::Start(absl::string_view address) {
  absl::Status status = server_.AddService(&service_, service_options_);
  if (!status.ok()) return status;
  status = server_.Listen(address);
  if (!status.ok()) return status;
  absl::StatusOr<Address> parsed = ParseAddress(address);
  if (!parsed.ok()) return parsed.status();
  if (parsed->kind == Address::Kind::kTcp) parsed->port = server_.port();
  address_ = parsed->ToString();
  return server_.Start();
}

absl::StatusOr<RawClient> ServerHarness::StartAndConnect(
    absl::string_view address) {
  absl::Status started = Start(address);
  if (!started.ok()) return started;
  return Connect();
}

absl::StatusOr<int> ServerHarness::WaitForCallCountToSettle(
    absl::Duration interval, absl::Duration timeout) {
  const absl::Time give_up = absl::Now() + timeout;
  int last = service_.count();
  while (absl::Now() < give_up) {
    absl::SleepFor(interval);
    const int now = service_.count();
    if (now == last) return now;
    last = now;
  }
  return absl::DeadlineExceededError(
      absl::StrCat("handler calls still being made after ",
                   absl::FormatDuration(timeout), " (", last, " so far)"));
}

TempDir::TempDir() {
  char pattern[] = "/tmp/framerpc_server_test.XXXXXX";
  if (::mkdtemp(pattern) != nullptr) path_ = pattern;
}

TempDir::~TempDir() {
  if (path_.empty()) return;
  std::error_code ignored;  // a leftover directory is only litter in /tmp
  std::filesystem::remove_all(path_, ignored);
}

std::string TempDir::File(absl::string_view name) const {
  return absl::StrCat(path_, "/", name);
}

TestRequest MakeRequest(absl::string_view text) {
  TestRequest request;
  request.set_text(std::string(text));
  return request;
}

namespace {

// Reads call `call_id`'s response, which must be the next frame.
absl::StatusOr<RawResponse> ReadResponseTo(RawClient& client,
                                           uint64_t call_id) {
  absl::StatusOr<absl::optional<RawResponse>> response = client.Read();
  if (!response.ok()) return response.status();
  if (!response->has_value()) {
    return absl::UnavailableError(
        absl::StrCat("call ", call_id, ": server closed the connection"));
  }
  if ((*response)->header.call_id() != call_id) {
    return absl::InternalError(absl::StrCat("call ", call_id,
                                            ": response is for call ",
                                            (*response)->header.call_id()));
  }
  return **std::move(response);
}

}  // namespace

absl::StatusOr<RawResponse> CallOnce(RawClient& client, uint64_t call_id,
                                     absl::string_view method,
                                     const google::protobuf::Message& request,
                                     uint64_t timeout_us,
                                     const Metadata& metadata) {
  absl::Status sent =
      client.Send(call_id, method, request, timeout_us, metadata);
  if (!sent.ok()) return sent;
  return ReadResponseTo(client, call_id);
}

absl::StatusOr<RawResponse> CallOnceWithPayload(RawClient& client,
                                                uint64_t call_id,
                                                absl::string_view method,
                                                absl::string_view payload) {
  absl::Status sent = client.SendPayload(call_id, method, payload);
  if (!sent.ok()) return sent;
  return ReadResponseTo(client, call_id);
}

absl::Status RoundTripThroughTheLoop(RawClient& client, uint64_t call_id) {
  absl::StatusOr<RawResponse> marker = CallOnce(
      client, call_id, TestService::Method("NoSuchMethod"), TestRequest());
  if (!marker.ok()) return marker.status();
  if (marker->code() != absl::StatusCode::kUnimplemented) {
    return absl::InternalError(
        absl::StrCat("marker call ", call_id, " was answered ",
                     marker->header.code(), " instead of UNIMPLEMENTED"));
  }
  return absl::OkStatus();
}

absl::StatusOr<int> HoldEveryHandlerThread(ServerHarness& harness,
                                           RawClient& client, int num_workers,
                                           uint64_t first_call_id,
                                           absl::string_view text) {
  // Each Block is sent only once the one before arrived: the loop, blocked
  // in it, decodes the next only after handing itself to another thread,
  // so by then the hand-off has been counted and the cap is exact.
  const int calls = 2 * num_workers;
  const int arrived_before = harness.service().gate().arrivals();
  for (int i = 0; i < calls; ++i) {
    absl::Status sent = client.Send(first_call_id + static_cast<uint64_t>(i),
                                    TestService::Method("Block"),
                                    MakeRequest(text));
    if (!sent.ok()) return sent;
    if (!harness.service().gate().WaitForArrivals(arrived_before + i + 1,
                                                  absl::Seconds(10))) {
      return absl::DeadlineExceededError(
          absl::StrCat("Block call ", i + 1, " of ", calls, " never arrived"));
    }
  }
  return calls;
}

bool IsDrainNotice(const RawResponse& response) {
  return response.header.call_id() == 0 && response.header.code() == 0 &&
         response.header.draining() && !response.header.not_processed() &&
         response.payload.empty();
}

absl::Status ReadDrainNotice(RawClient& client, absl::Duration timeout) {
  absl::StatusOr<absl::optional<RawResponse>> next = client.Read(timeout);
  if (!next.ok()) return next.status();
  if (!next->has_value()) {
    return absl::UnavailableError(
        "end of stream where the drain notice was expected");
  }
  if (!IsDrainNotice(**next)) {
    return absl::InternalError(absl::StrCat(
        "expected the drain notice, read a response to call ",
        (*next)->header.call_id(), " with code ", (*next)->header.code(),
        " (draining ", (*next)->header.draining(),
        "): ", (*next)->header.message()));
  }
  return absl::OkStatus();
}

TestReply ParseReply(const RawResponse& response) {
  TestReply reply;
  reply.ParseFromString(response.payload);
  return reply;
}

int CountOpenFds() { return CountEntries("/proc/self/fd", Any); }
int CountThreads() { return CountEntries("/proc/self/task", Any); }

int CountEpollInstances() {
  return CountEntries("/proc/self/fd", [](const char* name) {
    const std::string link = absl::StrCat("/proc/self/fd/", name);
    char target[64];
    const ssize_t n = ::readlink(link.c_str(), target, sizeof(target));
    return n > 0 && absl::string_view(target, static_cast<size_t>(n)) ==
                        "anon_inode:[eventpoll]";
  });
}

}  // namespace test
}  // namespace framerpc
