// ServerOptions::metrics_http_address: the request handling as a table
// (200, 404, 405, 400), then a real endpoint: off by default (no listening
// socket beyond the RPC port's), GET /metrics with counts that match the
// calls made, bounded request heads, a stalled client that does not hold
// up a scrape, a malformed address refused, Shutdown closing it, and the
// text accepted by `promtool check metrics`.
#include "server/metrics_http.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/server/server_harness.h"
#include "tests/support/prometheus_scrape.h"

namespace framerpc {
namespace test {
namespace {

using internal::AnswerMetricsRequest;
using testing_support::HttpBody;
using testing_support::HttpExchange;
using testing_support::HttpGet;
using testing_support::ParsePrometheusText;
using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(MetricsHttpAnswer, ServesOnlyGetMetrics) {
  const auto render = [] { return std::string("m 1\n"); };
  const struct {
    const char* request;
    const char* status_line;
  } cases[] = {
      {"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 200 OK\r\n"},
      {"GET /metrics?name[]=x HTTP/1.0\r\n\r\n", "HTTP/1.1 200 OK\r\n"},
      {"GET / HTTP/1.1\r\n\r\n", "HTTP/1.1 404 Not Found\r\n"},
      {"GET /metricsx HTTP/1.1\r\n\r\n", "HTTP/1.1 404 Not Found\r\n"},
      {"POST /metrics HTTP/1.1\r\n\r\n", "HTTP/1.1 405 Method Not Allowed\r\n"},
      {"HEAD /metrics HTTP/1.1\r\n\r\n", "HTTP/1.1 405 Method Not Allowed\r\n"},
      {"GET /metrics\r\n\r\n", "HTTP/1.1 400 Bad Request\r\n"},
      {"\x16\x03\x01 hello\r\n\r\n", "HTTP/1.1 400 Bad Request\r\n"},
  };
  for (const auto& c : cases) {
    EXPECT_THAT(AnswerMetricsRequest(c.request, render),
                StartsWith(c.status_line))
        << c.request;
  }
  const std::string ok =
      AnswerMetricsRequest("GET /metrics HTTP/1.1\r\n\r\n", render);
  EXPECT_THAT(ok, HasSubstr("Content-Type: text/plain; version=0.0.4"));
  EXPECT_THAT(ok, HasSubstr("Content-Length: 4\r\n"));
  EXPECT_EQ(HttpBody(ok), "m 1\n");
  EXPECT_THAT(AnswerMetricsRequest("PUT /metrics HTTP/1.1\r\n\r\n", render),
              HasSubstr("Allow: GET\r\n"));
}

// TCP sockets of this process in the LISTEN state (/proc/net/tcp{,6}).
int CountListeningSockets() {
  std::set<std::string> listening_inodes;
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream in(table);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      std::vector<std::string> fields =
          absl::StrSplit(line, ' ', absl::SkipEmpty());
      if (fields.size() > 9 && fields[3] == "0A") {
        listening_inodes.insert(fields[9]);
      }
    }
  }
  int count = 0;
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return -1;
  while (dirent* entry = ::readdir(dir)) {
    char target[256];
    const std::string path = absl::StrCat("/proc/self/fd/", entry->d_name);
    const ssize_t n = ::readlink(path.c_str(), target, sizeof(target) - 1);
    if (n <= 0) continue;
    const std::string link(target, static_cast<size_t>(n));
    if (absl::StartsWith(link, "socket:[") &&
        listening_inodes.count(link.substr(8, link.size() - 9)) > 0) {
      ++count;
    }
  }
  ::closedir(dir);
  return count;
}

ServerOptions WithMetricsHttp(std::string address = "127.0.0.1:0") {
  ServerOptions options;
  options.metrics_http_address = std::move(address);
  return options;
}

TEST(MetricsHttp, IsOffByDefault) {
  const int before = CountListeningSockets();
  ServerHarness harness;
  ASSERT_TRUE(harness.server().EnableMetrics().ok());
  ASSERT_TRUE(harness.Start().ok());
  EXPECT_EQ(harness.server().metrics_http_port(), 0);
  EXPECT_EQ(CountListeningSockets(), before + 1);  // the RPC port only
}

TEST(MetricsHttp, ServesTheServersMetricsOnItsOwnPort) {
  const int before = CountListeningSockets();
  ServerHarness harness(WithMetricsHttp());
  absl::StatusOr<RawClient> client = harness.StartAndConnect();
  ASSERT_TRUE(client.ok()) << client.status();
  EXPECT_EQ(CountListeningSockets(), before + 2);
  const int port = harness.server().metrics_http_port();
  ASSERT_GT(port, 0);
  EXPECT_NE(port, harness.server().port());
  for (uint64_t id = 1; id <= 3; ++id) {
    ASSERT_TRUE(
        CallOnce(*client, id, TestService::Method("Echo"), MakeRequest("x"))
            .ok());
  }
  absl::StatusOr<std::string> response = HttpGet(port, "/metrics");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_THAT(*response, StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(*response,
              HasSubstr("Content-Type: text/plain; version=0.0.4"));
  absl::StatusOr<testing_support::PrometheusText> text =
      ParsePrometheusText(HttpBody(*response));
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(text->Value("grpc_server_call_started_total",
                        {{"grpc_method", TestService::Method("Echo")}})
                .value_or(-1),
            3);
  // The admin service comes only with EnableMetrics.
  absl::StatusOr<RawResponse> admin = CallOnce(
      *client, 9, "framerpc.admin.Admin/Stats", TestRequest());
  ASSERT_TRUE(admin.ok()) << admin.status();
  EXPECT_EQ(admin->code(), absl::StatusCode::kUnimplemented);
}

TEST(MetricsHttp, AnswersOtherPathsAndMethodsWithErrors) {
  ServerHarness harness(WithMetricsHttp());
  ASSERT_TRUE(harness.Start().ok());
  const int port = harness.server().metrics_http_port();
  absl::StatusOr<std::string> not_found = HttpGet(port, "/");
  ASSERT_TRUE(not_found.ok()) << not_found.status();
  EXPECT_THAT(*not_found, StartsWith("HTTP/1.1 404 "));
  absl::StatusOr<std::string> not_allowed = HttpExchange(
      port, "DELETE /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(not_allowed.ok()) << not_allowed.status();
  EXPECT_THAT(*not_allowed, StartsWith("HTTP/1.1 405 "));
}

TEST(MetricsHttp, AnOversizedRequestHeadIsRefusedNotBuffered) {
  ServerHarness harness(WithMetricsHttp());
  ASSERT_TRUE(harness.Start().ok());
  const std::string huge = absl::StrCat(
      "GET /metrics HTTP/1.1\r\nX-Filler: ",
      std::string(internal::MetricsHttpServer::kMaxRequestBytes * 2, 'a'));
  absl::StatusOr<std::string> answer =
      HttpExchange(harness.server().metrics_http_port(), huge);
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_THAT(*answer, StartsWith("HTTP/1.1 431 "));
}

TEST(MetricsHttp, AStalledClientDoesNotHoldUpAScrape) {
  ServerHarness harness(WithMetricsHttp());
  ASSERT_TRUE(harness.Start().ok());
  const int port = harness.server().metrics_http_port();
  // Half a request, never finished, on several connections.
  std::vector<int> stalled;
  for (int i = 0; i < 4; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd, 0);
    stalled.push_back(fd);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address),
                        sizeof(address)),
              0);
    ASSERT_EQ(::send(fd, "GET /met", 8, MSG_NOSIGNAL), 8);
  }
  // Well inside the stalled clients' 5 s allowance.
  absl::StatusOr<std::string> response =
      HttpGet(port, "/metrics", absl::Seconds(2));
  for (int fd : stalled) ::close(fd);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_THAT(*response, StartsWith("HTTP/1.1 200 OK\r\n"));
}

TEST(MetricsHttp, AMalformedAddressFailsStart) {
  for (const char* address : {"no-port", "127.0.0.1:99999", "unix:/tmp/x"}) {
    ServerHarness harness(WithMetricsHttp(address));
    absl::Status started = harness.Start();
    EXPECT_EQ(started.code(), absl::StatusCode::kInvalidArgument)
        << address << ": " << started;
    EXPECT_THAT(std::string(started.message()),
                HasSubstr("metrics_http_address"));
  }
}

TEST(MetricsHttp, ShutdownClosesTheEndpoint) {
  ServerHarness harness(WithMetricsHttp());
  ASSERT_TRUE(harness.Start().ok());
  const int port = harness.server().metrics_http_port();
  ASSERT_TRUE(HttpGet(port, "/metrics").ok());
  harness.server().Shutdown();
  absl::StatusOr<std::string> after = HttpGet(port, "/metrics");
  EXPECT_EQ(after.status().code(), absl::StatusCode::kUnavailable)
      << after.status();
}

TEST(MetricsHttp, PromtoolAcceptsTheText) {
  const std::string promtool = testing_support::PromtoolPath();
  if (promtool.empty()) {
    GTEST_SKIP() << "promtool is not installed (Debian package prometheus; "
                    "scripts/install_deps.sh installs it)";
  }
  ServerHarness harness(WithMetricsHttp());
  ASSERT_TRUE(harness.server().EnableMetrics().ok());
  absl::StatusOr<RawClient> client = harness.StartAndConnect();
  ASSERT_TRUE(client.ok()) << client.status();
  ASSERT_TRUE(
      CallOnce(*client, 1, TestService::Method("Echo"), MakeRequest("x")).ok());
  TestRequest fail;
  fail.set_code(static_cast<int>(absl::StatusCode::kNotFound));
  ASSERT_TRUE(CallOnce(*client, 2, TestService::Method("Fail"), fail).ok());
  ASSERT_TRUE(CallOnce(*client, 3, "no.Such/Method", fail).ok());
  absl::StatusOr<std::string> response =
      HttpGet(harness.server().metrics_http_port(), "/metrics");
  ASSERT_TRUE(response.ok()) << response.status();
  const testing_support::PromtoolVerdict verdict =
      testing_support::PromtoolCheck(promtool, HttpBody(*response));
  EXPECT_EQ(verdict.exit_code, 0) << verdict.output;
  // promtool prints lint problems and still exits 0 for some: none wanted.
  EXPECT_EQ(verdict.output, "");
}

}  // namespace
}  // namespace test
}  // namespace framerpc
