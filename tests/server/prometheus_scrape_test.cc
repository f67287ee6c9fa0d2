// A real Prometheus scrapes a server's metrics endpoint
// (ServerOptions::metrics_http_address) on loopback, and its query API
// gives back the counter of the calls made. Skipped without Debian's
// prometheus package (scripts/install_deps.sh installs it).
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/server/server_harness.h"
#include "tests/support/prometheus_server.h"

namespace framerpc {
namespace test {
namespace {

using testing_support::PrometheusServer;

TEST(PrometheusScrape, APrometheusServerReadsTheCallCounterBack) {
  if (PrometheusServer::BinaryPath().empty()) {
    GTEST_SKIP() << "prometheus is not installed (Debian package prometheus; "
                    "scripts/install_deps.sh installs it)";
  }
  ServerOptions options;
  options.metrics_http_address = "127.0.0.1:0";
  ServerHarness harness(options);
  absl::StatusOr<RawClient> client = harness.StartAndConnect();
  ASSERT_TRUE(client.ok()) << client.status();
  for (uint64_t id = 1; id <= 5; ++id) {
    ASSERT_TRUE(
        CallOnce(*client, id, TestService::Method("Echo"), MakeRequest("x"))
            .ok());
  }
  absl::StatusOr<std::unique_ptr<PrometheusServer>> prometheus =
      PrometheusServer::Start(harness.server().metrics_http_port());
  ASSERT_TRUE(prometheus.ok()) << prometheus.status();
  const std::string query = absl::StrCat(
      "grpc_server_call_started_total{grpc_method=\"",
      TestService::Method("Echo"), "\"}");
  // Scraped every second; the first scrape comes within a few.
  const absl::Time give_up = absl::Now() + absl::Seconds(60);
  absl::StatusOr<std::string> value = absl::NotFoundError("not asked yet");
  while (absl::Now() < give_up) {
    value = (*prometheus)->QueryOne(query);
    if (value.ok() && *value == "5") break;
    absl::SleepFor(absl::Milliseconds(250));
  }
  EXPECT_TRUE(value.ok() && *value == "5")
      << "last answer: " << (value.ok() ? *value : value.status().ToString())
      << "\nprometheus log:\n" << (*prometheus)->Log();
  (*prometheus)->Stop();
}

}  // namespace
}  // namespace test
}  // namespace framerpc
