#include "framing/envelope_codec.h"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "framing/frame_decoder.h"
#include "framing/frame_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "proto/wire.pb.h"

namespace framerpc {
namespace {

using google::protobuf::util::MessageDifferencer;

constexpr size_t kLimit = kDefaultMaxBodySize;

std::string RandomBytes(std::mt19937_64& rng, size_t max_size) {
  std::string s(std::uniform_int_distribution<size_t>(0, max_size)(rng), '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

wire::Request RandomRequest(std::mt19937_64& rng) {
  wire::Request request;
  request.set_call_id(rng() % 3 == 0 ? 1 : rng());
  request.set_method(absl::StrCat("pkg.Service/M", rng() % 1000));
  if (rng() % 2) request.set_timeout_us(rng() % 10000000);
  const int entries = static_cast<int>(rng() % 4);
  for (int i = 0; i < entries; ++i) {
    (*request.mutable_metadata())[absl::StrCat("k", i)] = RandomBytes(rng, 20);
  }
  return request;
}

// The in-place encoding of (header, payload) as a whole frame.
std::string Encode(const google::protobuf::MessageLite& header,
                   const google::protobuf::MessageLite* payload) {
  Buffer out;
  absl::Status status = AppendFrame(header, payload, kLimit, &out);
  EXPECT_TRUE(status.ok()) << status;
  return std::string(out.readable());
}

TEST(EnvelopeCodec, MatchesPlainSerializationByteForByte) {
  wire::Request header;
  header.set_call_id(7);
  header.set_method("demo.Echo/Say");
  header.set_timeout_us(250000);
  (*header.mutable_metadata())["x-trace"] = "abc";
  wire::Response user_message;  // any message serves as the user's payload
  user_message.set_message("hello");
  user_message.set_code(3);

  wire::Request plain = header;
  plain.set_payload(user_message.SerializeAsString());
  const std::string body = plain.SerializeAsString();

  const std::string frame = Encode(header, &user_message);
  ASSERT_EQ(frame.size(), 4 + body.size());
  EXPECT_EQ(DecodeFrameLength(frame.data()), body.size());
  EXPECT_EQ(frame.substr(4), body);
}

TEST(EnvelopeCodec, EmptyPayloadIsOmittedLikeProtobufDoes) {
  wire::Response header;
  header.set_call_id(9);
  wire::Request empty;
  EXPECT_EQ(Encode(header, &empty).substr(4), header.SerializeAsString());
}

TEST(EnvelopeCodec, PlainSerializationDecodesInPlace) {
  wire::Request plain;
  plain.set_call_id(42);
  plain.set_method("a.B/C");
  plain.set_payload("\x08\x96\x01");
  const std::string body = plain.SerializeAsString();
  wire::Request header;
  absl::string_view payload;
  ASSERT_TRUE(DecodeEnvelope(body, &header, &payload).ok());
  EXPECT_EQ(header.call_id(), 42u);
  EXPECT_EQ(header.method(), "a.B/C");
  EXPECT_TRUE(header.payload().empty());
  EXPECT_EQ(payload, "\x08\x96\x01");
  // The payload is a view into the body, not a copy.
  EXPECT_GE(payload.data(), body.data());
  EXPECT_LT(payload.data(), body.data() + body.size());
}

TEST(EnvelopeCodec, PayloadNotLastAndRepeatedLastWins) {
  // Another implementation may put fields in any order; protobuf's rule for
  // a repeated singular field is that the last one wins.
  wire::Request first;
  first.set_payload("old");
  wire::Request middle;
  middle.set_method("x.Y/Z");
  wire::Request second;
  second.set_payload("new");
  wire::Request last;
  last.set_call_id(5);
  const std::string body = first.SerializeAsString() + middle.SerializeAsString() +
                           second.SerializeAsString() + last.SerializeAsString();
  wire::Request header;
  absl::string_view payload;
  ASSERT_TRUE(DecodeEnvelope(body, &header, &payload).ok());
  EXPECT_EQ(payload, "new");
  EXPECT_EQ(header.method(), "x.Y/Z");
  EXPECT_EQ(header.call_id(), 5u);
}

TEST(EnvelopeCodec, UnknownFieldsAreIgnored) {
  // Field 6 (varint 1) and field 20 (bytes "zz") from a later version.
  const std::string body = std::string("\x08\x03", 2) + "\x30\x01" +
                           std::string("\xa2\x01\x02zz", 5) + "\x7a\x01P";
  wire::Request header;
  absl::string_view payload;
  ASSERT_TRUE(DecodeEnvelope(body, &header, &payload).ok());
  EXPECT_EQ(header.call_id(), 3u);
  EXPECT_EQ(payload, "P");
}

TEST(EnvelopeCodec, RejectsDamagedBodies) {
  wire::Request request;
  request.set_call_id(300);
  request.set_method("demo.Echo/Say");
  request.set_payload(std::string(50, 'p'));
  const std::string good = request.SerializeAsString();
  const std::vector<std::string> damaged = {
      good.substr(0, good.size() - 1),  // payload truncated
      good.substr(0, 1),                // tag without value
      std::string("\x7a\xff\xff\xff\xff\x0f", 6),  // payload length 4 GiB
      std::string("\x00\x01", 2),                  // field number 0
      std::string("\x0f", 1),                      // wire type 7
      std::string("\x12\x05" "ab", 4),             // method runs past end
  };
  for (const std::string& body : damaged) {
    wire::Request header;
    absl::string_view payload;
    absl::Status status = DecodeEnvelope(body, &header, &payload);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument)
        << "accepted damaged body of " << body.size() << " bytes";
    EXPECT_NE(status.message().find("framerpc.wire.Request"), std::string::npos);
  }
}

TEST(EnvelopeCodec, FlippedBytesNeverCrash) {
  std::mt19937_64 rng(1234);
  wire::Request request = RandomRequest(rng);
  request.set_payload(RandomBytes(rng, 200));
  const std::string good = request.SerializeAsString();
  for (size_t i = 0; i < good.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string body = good;
      body[i] = static_cast<char>(body[i] ^ (1 << bit));
      wire::Request header;
      absl::string_view payload;
      // Either outcome is fine; what matters is no crash and, on success,
      // a payload view inside the body.
      if (DecodeEnvelope(body, &header, &payload).ok() && !payload.empty()) {
        ASSERT_GE(payload.data(), body.data());
        ASSERT_LE(payload.data() + payload.size(), body.data() + body.size());
      }
    }
  }
}

TEST(EnvelopeCodec, RefusesBodiesOverTheLimitWithoutWriting) {
  wire::Request header;
  header.set_method("demo.Echo/Say");
  Buffer out;
  absl::Status status =
      AppendFrameWithPayloadBytes(header, std::string(1000, 'x'), 500, &out);
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(status.message().find("500"), std::string::npos) << status;
  EXPECT_TRUE(out.empty());
}

TEST(EnvelopeCodec, RandomizedRoundTripsWithRandomSplits) {
  const uint64_t seed = std::random_device()();
  SCOPED_TRACE(absl::StrCat("seed ", seed, " (rerun by hard-coding it)"));
  std::mt19937_64 rng(seed);
  for (int round = 0; round < 50; ++round) {
    std::vector<wire::Request> sent;
    std::vector<std::string> payloads;
    Buffer stream;
    const int count = 1 + static_cast<int>(rng() % 20);
    for (int i = 0; i < count; ++i) {
      sent.push_back(RandomRequest(rng));
      wire::Request user_message;  // stands in for any user message
      user_message.set_payload(RandomBytes(rng, 3000));
      payloads.push_back(user_message.SerializeAsString());
      ASSERT_TRUE(AppendFrame(sent.back(), &user_message, kLimit, &stream).ok());
    }
    // Deliver the stream in random pieces to a decoder.
    const std::string bytes(stream.readable());
    FrameDecoder decoder(kLimit);
    Buffer in(16);
    size_t got = 0;
    for (size_t at = 0; at < bytes.size();) {
      const size_t step = 1 + rng() % 700;
      in.Append(absl::string_view(bytes).substr(at, step));
      at += step;
      while (true) {
        auto frame = decoder.Next(in);
        ASSERT_TRUE(frame.ok()) << frame.status();
        if (!frame->has_value()) break;
        wire::Request header;
        absl::string_view payload;
        ASSERT_TRUE(DecodeEnvelope((*frame)->body, &header, &payload).ok());
        ASSERT_LT(got, sent.size());
        EXPECT_TRUE(MessageDifferencer::Equals(header, sent[got]))
            << header.DebugString() << " vs " << sent[got].DebugString();
        EXPECT_EQ(payload, payloads[got]);
        // A plain parser accepts the same body.
        wire::Request plain;
        ASSERT_TRUE(plain.ParseFromArray((*frame)->body.data(),
                                         static_cast<int>((*frame)->body.size())));
        EXPECT_EQ(plain.payload(), payloads[got]);
        in.Retrieve((*frame)->frame_size);
        ++got;
      }
    }
    EXPECT_EQ(got, sent.size());
  }
}

}  // namespace
}  // namespace framerpc
