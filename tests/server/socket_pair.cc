#include "tests/server/socket_pair.h"

#include <sys/socket.h>

#include "framing/frame_decoder.h"
#include "gtest/gtest.h"

namespace framerpc {
namespace test {

SocketPair MakeSocketPair() {
  int fds[2] = {-1, -1};
  EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0);
  return SocketPair{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

std::vector<wire::Response> TakeResponses(int fd, Buffer* received) {
  int error = 0;
  while (received->ReadFromFd(fd, &error) > 0) {
  }
  return ParseResponses(received);
}

std::vector<wire::Response> ParseResponses(Buffer* received) {
  std::vector<wire::Response> responses;
  FrameDecoder decoder(64 << 20);
  while (true) {
    absl::StatusOr<absl::optional<Frame>> frame = decoder.Next(*received);
    EXPECT_TRUE(frame.ok()) << frame.status();
    if (!frame.ok() || !frame->has_value()) break;
    wire::Response response;
    EXPECT_TRUE(response.ParseFromArray(
        (*frame)->body.data(), static_cast<int>((*frame)->body.size())));
    responses.push_back(response);
    received->Retrieve((*frame)->frame_size);
  }
  return responses;
}

}  // namespace test
}  // namespace framerpc
