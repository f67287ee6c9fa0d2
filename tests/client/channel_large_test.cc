// Frames larger than the socket buffers: requests and responses that take
// many partial writes and reads, in both directions at once, requests
// queued behind a writer stalled by a full socket (and sent by it even
// when its own call ends first), and a request whose deadline passes
// halfway through its frame.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "framerpc/channel.h"
#include "gtest/gtest.h"
#include "tests/client/echo_scripts.h"

namespace framerpc {
namespace {

using testing_support::EchoOf;
using testing_support::EchoScript;
using testing_support::Event;
using testing_support::FakeConnection;
using testing_support::FakeServer;
using testing_support::MakeChannel;
using testing_support::ParseEchoRequest;
using testing_support::ReceivedRequest;
using testing_support::Say;
using testing_support::StartServer;

// Larger than loopback's socket buffers on both ends together, so a frame
// of this size cannot be written before the peer reads.
constexpr size_t kHuge = size_t{12} << 20;

// ASCII (EchoRequest.text is a string field) for seeds up to 'e'.
std::string Pattern(size_t size, char seed) {
  std::string text(size, '\0');
  for (size_t i = 0; i < size; ++i) text[i] = static_cast<char>(seed + i % 23);
  return text;
}

TEST(ChannelLarge, EchoOfVariedSizes) {
  auto server = StartServer(EchoScript);
  std::shared_ptr<Channel> channel = MakeChannel(server->address());
  for (size_t size : {size_t{0}, size_t{1}, size_t{1} << 16, size_t{3} << 20}) {
    const std::string text = Pattern(size, 'a');
    absl::StatusOr<test::EchoReply> reply = Say(*channel, text);
    ASSERT_TRUE(reply.ok()) << reply.status();
    EXPECT_TRUE(reply->text() == text)
        << "reply of " << size << " bytes differs";
  }
}

TEST(ChannelLarge, LargeRequestsAndRepliesInBothDirectionsAtOnce) {
  auto server = StartServer(EchoScript);
  std::shared_ptr<Channel> channel = MakeChannel(server->address());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 3; ++i) {
        const std::string text =
            Pattern((size_t{2} << 20) + t * 1000 + i, 'A' + t);
        ClientContext context;
        context.set_timeout(absl::Seconds(60));
        absl::StatusOr<test::EchoReply> reply = Say(*channel, text, &context);
        ASSERT_TRUE(reply.ok()) << reply.status();
        EXPECT_TRUE(reply->text() == text);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
}

TEST(ChannelLarge, SenderReadsWhileTheSocketIsFull) {
  // The server answers a call its caller gave up on with a huge late reply
  // and reads nothing until that reply is written. The next caller's huge
  // request then fills the socket: it must read (and drop) the late reply
  // while sending, or both sides would wait for each other until the
  // deadline.
  Event gave_up;
  auto server = StartServer([&](FakeConnection& connection) {
    absl::optional<ReceivedRequest> first = connection.Read();
    ASSERT_TRUE(first.has_value());
    ASSERT_TRUE(gave_up.WaitFor());
    test::EchoReply late;
    late.set_text(Pattern(kHuge, 'L'));
    ASSERT_TRUE(connection.Reply(first->header.call_id(), late));
    EchoScript(connection);
  });
  std::shared_ptr<Channel> channel = MakeChannel(server->address());
  ClientContext short_context;
  short_context.set_timeout(absl::Milliseconds(100));
  EXPECT_EQ(Say(*channel, "answered too late", &short_context).status().code(),
            absl::StatusCode::kDeadlineExceeded);
  gave_up.Notify();

  const std::string text = Pattern(kHuge, 'R');
  ClientContext context;
  context.set_timeout(absl::Seconds(20));
  absl::StatusOr<test::EchoReply> reply = Say(*channel, text, &context);
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_TRUE(reply->text() == text);
  EXPECT_EQ(server->connections_accepted(), 1);
}

// A server that reads nothing until start_reading_ is notified, then
// echoes; a Channel to it; and a caller (writer_) stuck writing a huge
// frame on that Channel, so that it holds the writer role while a test
// queues calls behind it.
class StalledWriter : public testing::Test {
 protected:
  void SetUp() override {
    server_ = StartServer([this](FakeConnection& connection) {
      ASSERT_TRUE(start_reading_.WaitFor());
      EchoScript(connection);
    });
    ASSERT_NE(server_, nullptr);
    channel_ = MakeChannel(server_->address());
    ASSERT_NE(channel_, nullptr);
    writer_ = std::thread([this] {
      const std::string text = Pattern(kHuge, 'W');
      ClientContext context;
      context.set_timeout(absl::Seconds(60));
      absl::StatusOr<test::EchoReply> reply = Say(*channel_, text, &context);
      ASSERT_TRUE(reply.ok()) << reply.status();
      writer_ok_.store(reply->text() == text);
    });
    // Time to fill the socket.
    absl::SleepFor(absl::Milliseconds(300));
  }

  void TearDown() override {
    start_reading_.Notify();
    if (writer_.joinable()) writer_.join();
  }

  // Lets the server read, then checks the stalled call's answer.
  void ReleaseWriter() {
    start_reading_.Notify();
    writer_.join();
    EXPECT_TRUE(writer_ok_.load());
  }

  Event start_reading_;
  std::unique_ptr<FakeServer> server_;
  std::shared_ptr<Channel> channel_;
  std::atomic<bool> writer_ok_{false};
  std::thread writer_;
};

TEST_F(StalledWriter, CallsQueuedBehindItGoOutWhenItIsDone) {
  // Small calls made while another caller is stuck writing a huge frame
  // do not wait for a write lock: their frames are queued, and the writer
  // sends them (together) once its own frame is out.
  constexpr int kQueued = 8;
  std::atomic<int> answered{0};
  std::vector<std::thread> callers;
  for (int i = 0; i < kQueued; ++i) {
    callers.emplace_back([&, i] {
      const std::string text = absl::StrCat("queued ", i);
      ClientContext context;
      context.set_timeout(absl::Seconds(60));
      absl::StatusOr<test::EchoReply> reply = Say(*channel_, text, &context);
      ASSERT_TRUE(reply.ok()) << reply.status();
      EXPECT_EQ(reply->text(), text);
      ++answered;
    });
  }
  absl::SleepFor(absl::Milliseconds(200));
  EXPECT_EQ(answered.load(), 0);  // nothing can be answered yet
  start_reading_.Notify();
  for (std::thread& caller : callers) caller.join();
  ReleaseWriter();
  EXPECT_EQ(answered.load(), kQueued);
  EXPECT_EQ(server_->connections_accepted(), 1);
}

TEST_F(StalledWriter, QueuedCallerThatGivesUpLeavesTheStreamWhole) {
  // A caller whose frame is still queued when its deadline passes returns
  // DEADLINE_EXCEEDED; its frame still goes out whole later (the server
  // answers it, the client drops the answer), and the calls queued with it
  // are answered.
  ClientContext short_context;
  short_context.set_timeout(absl::Milliseconds(100));
  absl::StatusOr<test::EchoReply> gave_up =
      Say(*channel_, "gives up while queued", &short_context);
  EXPECT_EQ(gave_up.status().code(), absl::StatusCode::kDeadlineExceeded)
      << gave_up.status();

  std::thread patient([&] {
    ClientContext context;
    context.set_timeout(absl::Seconds(60));
    absl::StatusOr<test::EchoReply> reply =
        Say(*channel_, "waits its turn", &context);
    ASSERT_TRUE(reply.ok()) << reply.status();
    EXPECT_EQ(reply->text(), "waits its turn");
  });
  absl::SleepFor(absl::Milliseconds(100));
  start_reading_.Notify();
  patient.join();
  ReleaseWriter();
  absl::StatusOr<test::EchoReply> after = Say(*channel_, "after");
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(after->text(), "after");
  EXPECT_EQ(server_->connections_accepted(), 1);
}

TEST(ChannelLarge, WriterWhoseCallEndsSendsWhatIsQueuedWhenOnlyTheReaderWaits) {
  // Caller L sends first and becomes the reader. Caller X then writes a
  // huge frame and stalls on the full socket (holding the writer role, not
  // the reader's). Caller M queues a frame behind X and gives up, so only L
  // still waits. The server answers X before reading its frame, then reads
  // and answers L only once M's frame has arrived. When X's frame is out,
  // X's call is over with M's frame still queued: X must send it itself.
  // Handing it to L (the only caller waiting) would lose it: L waits in
  // poll, not on its slot, and nothing would arrive to wake it.
  Event l_read;
  Event x_writing;
  Event m_gave_up;
  auto server = StartServer([&](FakeConnection& connection) {
    absl::optional<ReceivedRequest> l_request = connection.Read();
    ASSERT_TRUE(l_request.has_value());
    l_read.Notify();
    // X's frame is arriving, so X holds the writer role (and keeps it: the
    // frame is larger than both socket buffers together).
    ASSERT_TRUE(connection.WaitForUnreadBytes(16 << 10));
    x_writing.Notify();
    ASSERT_TRUE(m_gave_up.WaitFor());
    test::EchoReply early;
    early.set_text("answered before its request was read");
    ASSERT_TRUE(connection.Reply(l_request->header.call_id() + 1, early));
    bool m_arrived = false;
    while (!m_arrived) {
      std::vector<ReceivedRequest> batch = connection.ReadBatch();
      ASSERT_FALSE(batch.empty()) << "M's request never arrived";
      for (const ReceivedRequest& request : batch) {
        m_arrived |= ParseEchoRequest(request).text() == "M";
      }
    }
    ASSERT_TRUE(connection.Reply(l_request->header.call_id(),
                                 EchoOf(ParseEchoRequest(*l_request))));
  });
  std::shared_ptr<Channel> channel = MakeChannel(server->address());
  std::thread l([&] {
    ClientContext context;
    context.set_timeout(absl::Seconds(20));
    absl::StatusOr<test::EchoReply> reply = Say(*channel, "L", &context);
    ASSERT_TRUE(reply.ok()) << reply.status();
    EXPECT_EQ(reply->text(), "L");
  });
  ASSERT_TRUE(l_read.WaitFor());
  absl::SleepFor(absl::Milliseconds(100));  // L is reading
  std::thread x([&] {
    ClientContext context;
    context.set_timeout(absl::Seconds(60));
    absl::StatusOr<test::EchoReply> reply =
        Say(*channel, Pattern(kHuge, 'X'), &context);
    EXPECT_TRUE(reply.ok()) << reply.status();
  });
  ASSERT_TRUE(x_writing.WaitFor());
  ClientContext short_context;
  short_context.set_timeout(absl::Milliseconds(100));
  EXPECT_EQ(Say(*channel, "M", &short_context).status().code(),
            absl::StatusCode::kDeadlineExceeded);
  m_gave_up.Notify();
  x.join();
  l.join();
  EXPECT_EQ(server->connections_accepted(), 1);
}

TEST(ChannelLarge, DeadlineMidFrameClosesTheConnection) {
  // The server reads nothing, so a huge request stops partway; when its
  // deadline passes, half a frame is on the wire and the connection cannot
  // carry another call: the client must close it and use a new one.
  Event gave_up;
  Event client_closed;
  auto server = StartServer([&](FakeConnection& connection) {
    if (connection.index() == 0) {
      // Reads only once the client has given up, to see it close.
      ASSERT_TRUE(gave_up.WaitFor());
      if (connection.WaitForClientClose()) client_closed.Notify();
      return;
    }
    EchoScript(connection);
  });
  std::shared_ptr<Channel> channel = MakeChannel(server->address());
  ClientContext context;
  context.set_timeout(absl::Milliseconds(300));
  const std::string huge = Pattern(kHuge, 'c');
  const absl::Time start = absl::Now();
  absl::StatusOr<test::EchoReply> reply = Say(*channel, huge, &context);
  gave_up.Notify();
  // Generous slack: serializing 12 MB under TSan on a busy 2-core machine
  // takes seconds; what matters is that the caller is not held until the
  // server reads (which it never does here).
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(300) + absl::Seconds(8));
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kDeadlineExceeded)
      << reply.status();
  EXPECT_NE(reply.status().message().find("bytes sent"), std::string::npos)
      << reply.status();
  EXPECT_TRUE(client_closed.WaitFor());
  absl::StatusOr<test::EchoReply> again = Say(*channel, "again");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(server->connections_accepted(), 2);
}

}  // namespace
}  // namespace framerpc
