// docs/api.md §6 (status codes), row by row, produced for real: a real
// server, a real channel, real sockets. (A server killed mid-call is in
// e2e_process_test.cc.)
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server_fixture.h"

namespace framerpc::e2e {
namespace {

constexpr char kEcho[] = "framerpc.e2e.TestService/Echo";

class StatusTable : public ::testing::Test {
 protected:
  StatusTable() : fixture_("127.0.0.1:0", SmallFrames()) {}
  static ServerOptions SmallFrames() {
    ServerOptions options;
    options.max_frame_size = 4096;
    return options;
  }
  void SetUp() override {
    ASSERT_TRUE(fixture_.status().ok()) << fixture_.status();
  }

  absl::Status CallEcho(const EchoRequest& request) {
    auto context = BoundedContext();
    return stub_.Echo(request, context.get()).status();
  }
  void ExpectStillServing() {
    EchoRequest request;
    request.set_text("still serving");
    auto context = BoundedContext();
    absl::StatusOr<EchoReply> reply = stub_.Echo(request, context.get());
    ASSERT_TRUE(reply.ok()) << reply.status();
    EXPECT_EQ(reply->text(), "still serving");
  }

  ServerFixture fixture_;
  std::shared_ptr<Channel> channel_ = fixture_.NewChannel();
  TestService::Stub stub_{channel_};
};

TEST_F(StatusTable, NobodyListeningIsUnavailable) {
  // A port that was free a moment ago: bound, then closed.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)),
            0);
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  const std::string target =
      absl::StrCat("127.0.0.1:", ntohs(address.sin_port));

  TestService::Stub stub(*Channel::Create(target));
  auto context = BoundedContext();
  absl::Status status = stub.Echo(EchoRequest(), context.get()).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  EXPECT_NE(status.message().find(target), std::string::npos) << status;
}

TEST_F(StatusTable, DeadlineAgainstASleepingHandler) {
  EchoRequest request;
  request.set_sleep_ms(3000);
  auto context = BoundedContext(absl::Milliseconds(100));
  const absl::Time start = absl::Now();
  absl::Status status = stub_.Echo(request, context.get()).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded) << status;
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  ExpectStillServing();
}

TEST_F(StatusTable, UnknownServiceIsUnimplemented) {
  Missing::Stub missing(channel_);
  auto context = BoundedContext();
  absl::Status status = missing.Nothing(EchoRequest(), context.get()).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnimplemented) << status;
  EXPECT_NE(status.message().find("framerpc.e2e.Missing"), std::string::npos);
}

TEST_F(StatusTable, UnknownMethodIsUnimplemented) {
  EchoReply reply;
  auto context = BoundedContext();
  absl::Status status = channel_->Call("framerpc.e2e.TestService/Nope",
                                       EchoRequest(), &reply, context.get());
  EXPECT_EQ(status.code(), absl::StatusCode::kUnimplemented) << status;
  EXPECT_NE(status.message().find("Nope"), std::string::npos) << status;
  ExpectStillServing();
}

TEST_F(StatusTable, UnparsableRequestIsInvalidArgument) {
  RawRequest raw;
  raw.set_text("\xff\xfe not UTF-8, so not an EchoRequest");
  EchoReply reply;
  auto context = BoundedContext();
  absl::Status status = channel_->Call(kEcho, raw, &reply, context.get());
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_EQ(fixture_.service().started(), 0);
  ExpectStillServing();
}

TEST_F(StatusTable, FrameOverTheServersLimitIsResourceExhausted) {
  EchoRequest request;
  request.set_text(std::string(10000, 'x'));  // the server accepts 4096
  absl::Status status = CallEcho(request);
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted) << status;
  ExpectStillServing();  // on a new connection
}

TEST_F(StatusTable, FrameOverTheClientsLimitIsResourceExhausted) {
  ChannelOptions options;
  options.max_frame_size = 1000;
  TestService::Stub stub(fixture_.NewChannel(options));
  EchoRequest request;
  request.set_reply_padding(2000);  // a small request, a large reply
  auto context = BoundedContext();
  absl::Status status = stub.Echo(request, context.get()).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted) << status;
}

TEST_F(StatusTable, HandlerThatThrowsIsInternal) {
  EchoRequest request;
  request.set_text("boom from the handler");
  request.set_throw_exception(true);
  absl::Status status = CallEcho(request);
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal) << status;
  EXPECT_NE(status.message().find("boom from the handler"), std::string::npos)
      << status;
  ExpectStillServing();
}

TEST_F(StatusTable, ResponseThatDoesNotParseIsInternal) {
  EchoRequest request;
  request.set_text("abc");  // field 1 "abc" is no valid Nested message
  BadReply reply;
  auto context = BoundedContext();
  absl::Status status = channel_->Call(kEcho, request, &reply, context.get());
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal) << status;
  ExpectStillServing();
}

TEST_F(StatusTable, HandlerStatusArrivesIntact) {
  for (int code = 1; code <= 16; ++code) {
    EchoRequest request;
    request.set_fail_code(code);
    request.set_fail_message(absl::StrCat("reason ", code, " \xc3\xa9"));
    absl::Status status = CallEcho(request);
    EXPECT_EQ(static_cast<int>(status.code()), code) << status;
    EXPECT_EQ(status.message(), request.fail_message());
  }
  ExpectStillServing();
}

}  // namespace
}  // namespace framerpc::e2e
