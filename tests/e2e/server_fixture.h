// ServerFixture: a real framerpc::Server with the test service, started on a
// loopback address (port 0) for one test, and channels to it.
#ifndef FRAMERPC_TESTS_E2E_SERVER_FIXTURE_H_
#define FRAMERPC_TESTS_E2E_SERVER_FIXTURE_H_

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "framerpc/channel.h"
#include "framerpc/server.h"
#include "gtest/gtest.h"
#include "test_service_impl.h"

namespace framerpc::e2e {

class ServerFixture {
 public:
  // Starts serving on `listen` ("127.0.0.1:0", "[::1]:0", "unix:/...").
  explicit ServerFixture(const std::string& listen,
                         ServerOptions options = ServerOptions())
      : server_(std::make_unique<Server>(options)) {
    status_ = server_->AddService(&service_);
    if (status_.ok()) status_ = server_->Listen(listen);
    if (status_.ok()) status_ = server_->Start();
    if (!status_.ok()) return;
    if (listen.rfind("unix:", 0) == 0) {
      target_ = listen;
    } else if (listen[0] == '[') {
      target_ = absl::StrCat(listen.substr(0, listen.find(']') + 1), ":",
                             server_->port());
    } else {
      target_ = absl::StrCat(listen.substr(0, listen.rfind(':')), ":",
                             server_->port());
    }
  }
  ~ServerFixture() {
    service_.OpenGate();  // never leave a handler blocked at shutdown
    server_->Shutdown(absl::Seconds(5));
    server_->Wait();
  }

  const absl::Status& status() const { return status_; }
  const std::string& target() const { return target_; }
  Server& server() { return *server_; }
  TestServiceImpl& service() { return service_; }

  std::shared_ptr<Channel> NewChannel(
      ChannelOptions options = ChannelOptions()) {
    auto channel = Channel::Create(target_, options);
    EXPECT_TRUE(channel.ok()) << channel.status();
    return channel.ok() ? *channel : nullptr;
  }

 private:
  TestServiceImpl service_;  // outlives the server (docs/api.md §4)
  std::unique_ptr<Server> server_;
  absl::Status status_;
  std::string target_;
};

// A context with a deadline, so no test can wait forever.
inline std::unique_ptr<ClientContext> BoundedContext(
    absl::Duration timeout = absl::Seconds(20)) {
  auto context = std::make_unique<ClientContext>();
  context->set_timeout(timeout);
  return context;
}

// A loopback port nobody listens on: bound, then closed.
inline int DeadPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  if (fd < 0 ||
      ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    if (fd >= 0) ::close(fd);
    return -1;
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

}  // namespace framerpc::e2e

#endif  // FRAMERPC_TESTS_E2E_SERVER_FIXTURE_H_
