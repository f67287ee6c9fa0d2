#include "framing/frame_decoder.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace framerpc {
namespace {

std::string Frame(absl::string_view body) {
  char prefix[4];
  EncodeFrameLength(static_cast<uint32_t>(body.size()), prefix);
  return absl::StrCat(absl::string_view(prefix, 4), body);
}

// Drains every whole frame from `buffer` into `out`; fails the test on error.
void DrainFrames(const FrameDecoder& decoder, Buffer* buffer,
                 std::vector<std::string>* out) {
  while (true) {
    auto frame = decoder.Next(*buffer);
    ASSERT_TRUE(frame.ok()) << frame.status();
    if (!frame->has_value()) return;
    out->emplace_back((*frame)->body);
    buffer->Retrieve((*frame)->frame_size);
  }
}

TEST(FrameDecoder, LengthPrefixIsBigEndian) {
  char p[4];
  EncodeFrameLength(0x01020304, p);
  EXPECT_EQ(absl::string_view(p, 4), "\x01\x02\x03\x04");
  EXPECT_EQ(DecodeFrameLength("\xff\x00\x00\x10"), 0xff000010u);
}

TEST(FrameDecoder, NeedsWholeHeaderAndBody) {
  FrameDecoder decoder(100);
  Buffer buffer;
  buffer.Append("\x00\x00", 2);
  EXPECT_FALSE(decoder.Next(buffer)->has_value());
  EXPECT_EQ(decoder.BytesMissing(buffer), 2u);
  buffer.Append(
      "\x00\x03"
      "ab",
      4);
  EXPECT_FALSE(decoder.Next(buffer)->has_value());
  EXPECT_EQ(decoder.BytesMissing(buffer), 1u);
  buffer.Append("c");
  auto frame = decoder.Next(buffer);
  ASSERT_TRUE(frame.ok() && frame->has_value());
  EXPECT_EQ((*frame)->body, "abc");
  EXPECT_EQ((*frame)->frame_size, 7u);
  EXPECT_EQ(decoder.BytesMissing(buffer), 0u);
}

TEST(FrameDecoder, ZeroLengthFrameIsAFrame) {
  FrameDecoder decoder(100);
  Buffer buffer;
  buffer.Append(Frame(""));
  auto frame = decoder.Next(buffer);
  ASSERT_TRUE(frame.ok() && frame->has_value());
  EXPECT_EQ((*frame)->body, "");
}

TEST(FrameDecoder, RejectsOversizedLengthAsSoonAsPrefixArrives) {
  FrameDecoder decoder(1000);
  Buffer buffer;
  buffer.Append("\xff\xff\xff\xf0", 4);  // no body bytes at all
  auto frame = decoder.Next(buffer);
  ASSERT_FALSE(frame.ok());
  EXPECT_EQ(frame.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(frame.status().message().find("4294967280"), std::string::npos);
  EXPECT_NE(frame.status().message().find("1000"), std::string::npos);
  // The hint never asks to reserve more than the limit.
  EXPECT_LE(decoder.BytesMissing(buffer), 1000u + 4u);
}

TEST(FrameDecoder, LimitIsInclusive) {
  FrameDecoder decoder(5);
  Buffer at_limit;
  at_limit.Append(Frame("12345"));
  EXPECT_TRUE(decoder.Next(at_limit).ok());
  Buffer over;
  over.Append(Frame("123456"));
  EXPECT_EQ(decoder.Next(over).status().code(),
            absl::StatusCode::kResourceExhausted);
}

TEST(FrameDecoder, ManyFramesInOneRead) {
  FrameDecoder decoder(1 << 20);
  Buffer buffer;
  std::vector<std::string> bodies;
  std::string stream;
  for (int i = 0; i < 500; ++i) {
    bodies.push_back(std::string(static_cast<size_t>(i % 37), 'a' + i % 26));
    stream += Frame(bodies.back());
  }
  buffer.Append(stream);
  std::vector<std::string> got;
  DrainFrames(decoder, &buffer, &got);
  EXPECT_EQ(got, bodies);
  EXPECT_TRUE(buffer.empty());
}

TEST(FrameDecoder, FedOneByteAtATime) {
  FrameDecoder decoder(1 << 20);
  const std::vector<std::string> bodies = {"", "x", std::string(300, 'y'),
                                           "tail"};
  std::string stream;
  for (const auto& body : bodies) stream += Frame(body);
  Buffer buffer(1);
  std::vector<std::string> got;
  for (char c : stream) {
    buffer.Append(&c, 1);
    DrainFrames(decoder, &buffer, &got);
  }
  EXPECT_EQ(got, bodies);
}

TEST(FrameDecoder, StreamSplitAtEveryPosition) {
  FrameDecoder decoder(1 << 20);
  const std::vector<std::string> bodies = {"first", "", "third frame",
                                           std::string(70, '7')};
  std::string stream;
  for (const auto& body : bodies) stream += Frame(body);
  for (size_t a = 0; a <= stream.size(); ++a) {
    for (size_t b = a; b <= stream.size(); b += 3) {
      Buffer buffer(8);
      std::vector<std::string> got;
      buffer.Append(stream.substr(0, a));
      DrainFrames(decoder, &buffer, &got);
      buffer.Append(stream.substr(a, b - a));
      DrainFrames(decoder, &buffer, &got);
      buffer.Append(stream.substr(b));
      DrainFrames(decoder, &buffer, &got);
      ASSERT_EQ(got, bodies) << "split at " << a << " and " << b;
      ASSERT_TRUE(buffer.empty());
    }
  }
}

TEST(FrameDecoder, LargeFrameInSmallPiecesIsNotCopiedQuadratically) {
  // With BytesMissing() reserved before each read, a 4 MiB body arriving
  // 1 KiB at a time is stored once: the capacity changes at most twice
  // (once for the prefix's frame size), never once per piece.
  FrameDecoder decoder(8 << 20);
  const std::string stream = Frame(std::string(4 << 20, 'L'));
  Buffer buffer(64);
  int capacity_changes = 0;
  size_t capacity = buffer.capacity();
  for (size_t at = 0; at < stream.size(); at += 1024) {
    buffer.EnsureWritable(decoder.BytesMissing(buffer));
    buffer.Append(absl::string_view(stream).substr(at, 1024));
    if (buffer.capacity() != capacity) {
      ++capacity_changes;
      capacity = buffer.capacity();
    }
  }
  auto frame = decoder.Next(buffer);
  ASSERT_TRUE(frame.ok() && frame->has_value());
  EXPECT_EQ((*frame)->body.size(), size_t{4} << 20);
  EXPECT_LE(capacity_changes, 2);
}

}  // namespace
}  // namespace framerpc
