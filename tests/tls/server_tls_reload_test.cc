// A TLS Server whose certificate files change on disk
// (server/server_tls_credentials.h): a rotation reaches new connections
// while established ones go on calling, and a broken file keeps the old
// credentials.
#include <atomic>
#include <cstdio>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tests/tls/server_tls_fixture.h"

namespace framerpc {
namespace test {
namespace {

TEST_F(ServerTls, RotatedCertificateReachesNewConnectionsWithoutFailingCalls) {
  const std::string address = StartServer(TlsOptions());
  ASSERT_FALSE(address.empty());
  // One established connection calls on throughout the rotation.
  std::atomic<bool> stop{false};
  std::atomic<int> calls{0};
  std::string failure;  // written by the caller, read after join
  std::thread caller([&] {
    const absl::Time deadline = absl::Now() + kWait;
    auto client = TlsTestClient::Connect(address, ClientOptions(), deadline);
    if (!client.ok()) {
      failure = client.status().ToString();
      return;
    }
    for (uint64_t id = 1; !stop.load() && absl::Now() < deadline; ++id) {
      TestRequest request;
      request.set_text("during rotation");
      absl::StatusOr<RawResponse> response = (*client)->Call(
          id, TestService::Method("Echo"), request, deadline);
      if (!response.ok() || response->code() != absl::StatusCode::kOk) {
        failure = response.ok() ? response->header.message()
                                : response.status().ToString();
        return;
      }
      calls.fetch_add(1);
    }
  });
  // The new pair is renamed over the old, key first: for a moment the
  // files do not match, which the server must ride out.
  auto next = ca_->Issue("server_next", "server-rotated",
                         {"DNS:localhost", "IP:127.0.0.1"});
  ASSERT_TRUE(next.ok()) << next.status();
  ASSERT_EQ(::rename(next->key_file.c_str(), server_cert_.key_file.c_str()), 0);
  ASSERT_EQ(::rename(next->cert_file.c_str(), server_cert_.cert_file.c_str()),
            0);
  const absl::Time deadline = absl::Now() + kWait;
  std::string subject;
  while (absl::Now() < deadline) {
    auto client = TlsTestClient::Connect(address, ClientOptions(), deadline);
    ASSERT_TRUE(client.ok()) << client.status();
    subject = (*client)->ServerSubject();
    if (subject.find("CN=server-rotated") != std::string::npos) break;
    absl::SleepFor(absl::Milliseconds(50));  // pacing the probes only
  }
  EXPECT_NE(subject.find("CN=server-rotated"), std::string::npos) << subject;
  stop.store(true);
  caller.join();
  EXPECT_EQ(failure, "");
  EXPECT_GT(calls.load(), 0);
}

TEST_F(ServerTls, BadRotatedCertificateKeepsTheOldOne) {
  const std::string address = StartServer(TlsOptions());
  ASSERT_FALSE(address.empty());
  const std::string garbage = dir_ + "/garbage.pem";
  {
    FILE* file = std::fopen(garbage.c_str(), "w");
    ASSERT_NE(file, nullptr);
    std::fputs("-----BEGIN CERTIFICATE-----\nnot base64\n", file);
    std::fclose(file);
  }
  ASSERT_EQ(::rename(garbage.c_str(), server_cert_.cert_file.c_str()), 0);
  // Past the check interval, connections keep getting the old certificate.
  const absl::Time until = absl::Now() + absl::Milliseconds(2500);
  int connections = 0;
  while (absl::Now() < until) {
    auto client =
        TlsTestClient::Connect(address, ClientOptions(), absl::Now() + kWait);
    ASSERT_TRUE(client.ok()) << client.status();
    EXPECT_EQ((*client)->ServerSubject(), "O=framerpc tests,CN=server");
    ++connections;
    absl::SleepFor(absl::Milliseconds(100));  // pacing the probes only
  }
  EXPECT_GT(connections, 10);
}

}  // namespace
}  // namespace test
}  // namespace framerpc
