// framerpc_cli's commands run in process (RunCli) against a real server
// with the e2e test service: -v prints the response metadata, describe
// prints the .proto comments served by reflection, and the exit code tells
// an UNAVAILABLE the server answered (1) from no server answering (3).
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "framerpc/server.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test_service_impl.h"
#include "tools/cli.h"
#include "tools/cli_options.h"

namespace framerpc {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct CliRun {
  int code;
  std::string out;
  std::string err;
};

CliRun RunCliWith(const std::vector<std::string>& args) {
  std::istringstream in;
  std::ostringstream out;
  std::ostringstream err;
  const int code = cli::RunCli(args, in, out, err);
  return {code, out.str(), err.str()};
}

class CliRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.AddService(&service_).ok());
    ASSERT_TRUE(server_.EnableReflection().ok());
    ASSERT_TRUE(server_.Listen("127.0.0.1:0").ok());
    ASSERT_TRUE(server_.Start().ok());
    address_ = absl::StrCat("127.0.0.1:", server_.port());
  }
  void TearDown() override { server_.Shutdown(absl::Seconds(5)); }

  e2e::TestServiceImpl service_;
  Server server_;
  std::string address_;
};

// A middle tier that passes on its backend's UNAVAILABLE was reached: the
// call failed on the server, exit 1, and nothing says it is unreachable.
TEST_F(CliRunTest, UnavailableFromTheServersHandlerIsExit1) {
  const CliRun run = RunCliWith(
      {"call", address_, "framerpc.e2e.TestService/Echo",
       R"({"fail_code": 14, "fail_message": "backend down"})"});
  EXPECT_EQ(run.code, cli::kExitRpcFailed) << run.err;
  EXPECT_EQ(run.err, "ERROR: UNAVAILABLE: backend down\n");
}

TEST(CliRun, NothingListeningIsExit3) {
  // Listen, learn the port, close: nothing listens there afterwards.
  std::string address;
  {
    Server server;
    ASSERT_TRUE(server.Listen("127.0.0.1:0").ok());
    address = absl::StrCat("127.0.0.1:", server.port());
  }
  const CliRun run = RunCliWith({"call", address,
                                 "framerpc.e2e.TestService/Echo", "{}",
                                 "--timeout", "5s"});
  EXPECT_EQ(run.code, cli::kExitUnreachable) << run.err;
  EXPECT_THAT(run.err, HasSubstr("ERROR: UNAVAILABLE: "));
  EXPECT_THAT(run.err,
              HasSubstr("framerpc_cli: cannot reach a server at " + address));
}

TEST_F(CliRunTest, VerbosePrintsTheResponseMetadataBeforeTheResponse) {
  const CliRun run = RunCliWith(
      {"call", "-v", address_, "framerpc.e2e.TestService/Echo", "-H",
       "x-trace:abc", R"({"text": "hi", "echo_metadata_key": "x-trace"})"});
  ASSERT_EQ(run.code, cli::kExitOk) << run.err;
  EXPECT_THAT(run.out, HasSubstr("Response metadata:\nx-trace: abc\n\n"
                                 "Response contents:\n{\n"));
  EXPECT_THAT(run.out, HasSubstr(R"("text": "hi")"));
}

TEST_F(CliRunTest, WithoutVerboseOnlyTheResponseIsPrinted) {
  const CliRun run = RunCliWith(
      {"call", address_, "framerpc.e2e.TestService/Echo",
       R"({"text": "hi", "echo_metadata_key": "x-trace"})", "-H",
       "x-trace:abc"});
  ASSERT_EQ(run.code, cli::kExitOk) << run.err;
  EXPECT_THAT(run.out, Not(HasSubstr("Response metadata:")));
  EXPECT_EQ(run.out.substr(0, 2), "{\n");
}

// e2e_test.proto's comments travel from protoc-gen-framerpc's output
// through reflection to describe.
TEST_F(CliRunTest, DescribePrintsTheProtoComments) {
  const CliRun message = RunCliWith(
      {"describe", address_, "framerpc.e2e.EchoRequest"});
  ASSERT_EQ(message.code, cli::kExitOk) << message.err;
  EXPECT_THAT(message.out,
              HasSubstr("// Non-zero: return this status code with "
                        "`fail_message`.\n  int32 fail_code = 3;"));

  const CliRun method = RunCliWith(
      {"describe", address_, "framerpc.e2e.TestService/Echo"});
  ASSERT_EQ(method.code, cli::kExitOk) << method.err;
  EXPECT_THAT(method.out, HasSubstr("// Sleep this long before answering."));
}

}  // namespace
}  // namespace framerpc
