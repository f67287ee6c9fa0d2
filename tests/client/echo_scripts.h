// Helpers shared by the channel tests: the echo script most fake servers
// run, and one-line calls of demo.Echo/Say through a Channel. Header-only;
// stateless.
#ifndef FRAMERPC_TESTS_CLIENT_ECHO_SCRIPTS_H_
#define FRAMERPC_TESTS_CLIENT_ECHO_SCRIPTS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
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

// Answers every request with its echo until the client closes.
inline void EchoScript(FakeConnection& connection) {
  while (absl::optional<ReceivedRequest> request = connection.Read()) {
    if (!connection.Reply(request->header.call_id(),
                          EchoOf(ParseEchoRequest(*request)))) {
      return;
    }
  }
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
