// A server process killed mid-call: the caller sees UNAVAILABLE promptly,
// and the same channel reconnects to a server restarted on the same address.
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "child_process.h"
#include "server_fixture.h"

namespace framerpc::e2e {
namespace {

constexpr char kListening[] = "listening on ";

std::string StartServer(ChildProcess& process) {
  const std::string line = process.ReadLine(absl::Seconds(30));
  EXPECT_TRUE(absl::StartsWith(line, kListening)) << "server printed: " << line;
  return line.substr(sizeof(kListening) - 1);
}

TEST(ServerProcess, KilledMidCallIsUnavailableThenReconnects) {
  auto first = std::make_unique<ChildProcess>(
      std::vector<std::string>{E2E_TEST_SERVER, "127.0.0.1:0"});
  ASSERT_TRUE(first->ok());
  const std::string target = StartServer(*first);
  ASSERT_FALSE(target.empty());
  auto channel = *Channel::Create(target);
  TestService::Stub stub(channel);

  absl::Status status;
  absl::Duration waited;
  std::thread caller([&] {
    EchoRequest request;
    request.set_text("doomed");
    request.set_sleep_ms(60000);
    auto context = BoundedContext(absl::Seconds(60));
    const absl::Time start = absl::Now();
    status = stub.Echo(request, context.get()).status();
    waited = absl::Now() - start;
  });
  // Kill only once the handler is running: the call is truly mid-flight.
  EXPECT_EQ(first->ReadLine(absl::Seconds(30)), "started doomed");
  const absl::Time killed_at = absl::Now();
  first->Kill();
  caller.join();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  EXPECT_LT(absl::Now() - killed_at, absl::Seconds(5));

  // A new server on the same address; the same channel finds it.
  ChildProcess second({E2E_TEST_SERVER, target});
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(StartServer(second), target);
  EchoRequest request;
  request.set_text("after restart");
  auto context = BoundedContext();
  absl::StatusOr<EchoReply> reply = stub.Echo(request, context.get());
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->text(), "after restart");
}

}  // namespace
}  // namespace framerpc::e2e
