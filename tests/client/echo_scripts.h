// Helpers shared by the channel tests: the echo script most fake servers
// run, and one-line calls of demo.Echo/Say through a Channel. Header-only;
// stateless.
#ifndef FRAMERPC_TESTS_CLIENT_ECHO_SCRIPTS_H_
#define FRAMERPC_TESTS_CLIENT_ECHO_SCRIPTS_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "base/unique_fd.h"
#include "framerpc/channel.h"
#include "framerpc/client_context.h"
#include "gtest/gtest.h"
#include "tests/client/echo_test.pb.h"
#include "tests/client/fake_server.h"

namespace framerpc {
namespace testing_support {

inline constexpr char kSay[] = "demo.Echo/Say";

inline test::EchoRequest ParseEchoRequest(const ReceivedRequest& request) {
  test::EchoRequest parsed;
  EXPECT_TRUE(parsed.ParseFromString(request.payload));
  return parsed;
}

// The reply an echo server gives: the text and sequence back.
inline test::EchoReply EchoOf(const test::EchoRequest& request) {
  test::EchoReply reply;
  reply.set_text(request.text());
  reply.set_sequence(request.sequence());
  return reply;
}

// Answers every request with its echo until the client closes, counting
// the requests in `*requests` when given.
inline void CountingEchoScript(FakeConnection& connection,
                               std::atomic<int>* requests) {
  while (absl::optional<ReceivedRequest> request = connection.Read()) {
    if (requests != nullptr) ++*requests;
    if (!connection.Reply(request->header.call_id(),
                          EchoOf(ParseEchoRequest(*request)))) {
      return;
    }
  }
}
inline void EchoScript(FakeConnection& connection) {
  CountingEchoScript(connection, nullptr);
}

// Reads `count` requests on the connection (from calls made in parallel).
inline std::vector<ReceivedRequest> ReadRequests(FakeConnection& connection,
                                                 size_t count) {
  std::vector<ReceivedRequest> requests;
  while (requests.size() < count) {
    absl::optional<ReceivedRequest> request = connection.Read();
    if (!request) break;
    requests.push_back(*std::move(request));
  }
  EXPECT_EQ(requests.size(), count);
  return requests;
}

// "127.0.0.1:PORT" for a port that was just free: bound, never listened
// on, closed (so connecting to it is refused until a server listens).
// The first connection answers its first request not_processed (a server
// going away) and waits for the client to close it; later connections
// echo. Every request is counted in `*requests`.
inline FakeServer::Script NotProcessedOnceThenEcho(std::atomic<int>* requests) {
  return [requests](FakeConnection& connection) {
    if (connection.index() == 0) {
      for (const ReceivedRequest& request : ReadRequests(connection, 1)) {
        ++*requests;
        connection.ReplyNotProcessed(request.header.call_id());
      }
      connection.WaitForClientClose();
      return;
    }
    CountingEchoScript(connection, requests);
  };
}

inline std::string FreeLoopbackAddress() {
  UniqueFd probe(::socket(AF_INET, SOCK_STREAM, 0));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::bind(probe.get(), reinterpret_cast<sockaddr*>(&address),
                   sizeof(address)),
            0);
  socklen_t length = sizeof(address);
  EXPECT_EQ(::getsockname(probe.get(), reinterpret_cast<sockaddr*>(&address),
                          &length),
            0);
  return absl::StrCat("127.0.0.1:", ntohs(address.sin_port));
}

inline std::unique_ptr<FakeServer> StartServer(
    FakeServer::Script script, absl::string_view address = "127.0.0.1:0") {
  absl::StatusOr<std::unique_ptr<FakeServer>> server =
      FakeServer::Start(address, std::move(script));
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? *std::move(server) : nullptr;
}

inline std::shared_ptr<Channel> MakeChannel(
    absl::string_view target, ChannelOptions options = ChannelOptions()) {
  absl::StatusOr<std::shared_ptr<Channel>> channel =
      Channel::Create(target, options);
  EXPECT_TRUE(channel.ok()) << channel.status();
  return channel.ok() ? *channel : nullptr;
}

inline absl::StatusOr<test::EchoReply> Say(Channel& channel,
                                           absl::string_view text,
                                           ClientContext* context = nullptr,
                                           uint64_t sequence = 0) {
  test::EchoRequest request;
  request.set_text(std::string(text));
  request.set_sequence(sequence);
  test::EchoReply reply;
  absl::Status status = channel.Call(kSay, request, &reply, context);
  if (!status.ok()) return status;
  return reply;
}

}  // namespace testing_support
}  // namespace framerpc

#endif  // FRAMERPC_TESTS_CLIENT_ECHO_SCRIPTS_H_
