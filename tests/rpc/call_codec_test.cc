#include "rpc/call_codec.h"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "framing/frame_decoder.h"
#include "framing/frame_format.h"
#include "gtest/gtest.h"
#include "proto/wire.pb.h"

namespace framerpc {
namespace {

constexpr size_t kLimit = kDefaultMaxBodySize;

// Hand-written bytes, compared as hex so that a failure shows where.
std::string Bytes(std::initializer_list<uint8_t> bytes) {
  return std::string(bytes.begin(), bytes.end());
}

std::string Hex(absl::string_view bytes) {
  return absl::BytesToHexString(bytes);
}

// wire::Request{call_id: 150}, serialized 08 96 01, stands in for any user
// message.
wire::Request UserMessage() {
  wire::Request message;
  message.set_call_id(150);
  return message;
}

std::string EncodedRequest(const RequestHeader& header,
                           const google::protobuf::MessageLite& payload) {
  Buffer out;
  absl::Status status = EncodeRequest(header, payload, kLimit, &out);
  EXPECT_TRUE(status.ok()) << status;
  return std::string(out.readable());
}

std::string EncodedResponse(const ResponseHeader& header,
                            const google::protobuf::MessageLite* payload) {
  Buffer out;
  absl::Status status = EncodeResponse(header, payload, kLimit, &out);
  EXPECT_TRUE(status.ok()) << status;
  return std::string(out.readable());
}

TEST(CallCodec, EncodeRequestWritesTheseBytes) {
  const Metadata metadata = {{"k", ""}};
  const std::string frame =
      EncodedRequest(RequestHeader{300, "a.B/C", 0, &metadata}, UserMessage());
  EXPECT_EQ(Hex(frame), Hex(Bytes({
                            0x00, 0x00, 0x00, 0x16,               // length 22
                            0x08, 0xac, 0x02,                     // call_id 300
                            0x12, 0x05, 'a', '.', 'B', '/', 'C',  // method
                            // (timeout_us 0 is not written)
                            0x22, 0x05, 0x0a, 0x01, 'k', 0x12, 0x00,  // k: ""
                            0x7a, 0x03, 0x08, 0x96, 0x01,  // payload, last
                        })));
}

TEST(CallCodec, EncodeResponseWritesTheseBytes) {
  const Metadata metadata = {{"m", "v"}};
  EXPECT_EQ(
      Hex(EncodedResponse(
          ResponseHeader{2, absl::NotFoundError("no such key"), &metadata},
          nullptr)),
      Hex(Bytes({0x00, 0x00, 0x00, 0x19,  // length 25
                 0x08, 0x02,              // call_id 2
                 0x10, 0x05,              // code NOT_FOUND
                 0x1a, 0x0b, 'n',  'o',  ' ', 's',  'u',  'c',
                 'h',  ' ',  'k',  'e',  'y',  // message
                 0x22, 0x06, 0x0a, 0x01, 'm', 0x12, 0x01, 'v'})));
  const wire::Request reply = UserMessage();
  EXPECT_EQ(Hex(EncodedResponse(ResponseHeader{1, absl::OkStatus(), nullptr},
                                &reply)),
            Hex(Bytes({0x00, 0x00, 0x00, 0x07, 0x08,
                       0x01,  // call_id 1
                              // code 0 and no message: nothing written
                       0x7a, 0x03, 0x08, 0x96, 0x01})));
}

TEST(CallCodec, EncodingMatchesPlainProtobufByteForByte) {
  // One metadata entry, as protobuf orders several entries its own way.
  for (const Metadata& metadata :
       {Metadata{}, Metadata{{"x-trace", "abc"}}, Metadata{{"", ""}},
        Metadata{{"bin", std::string("\0\xff", 2)}}}) {
    const wire::Request payload = UserMessage();
    wire::Request request;
    request.set_call_id(7);
    request.set_method("demo.Echo/Say");
    request.set_timeout_us(250000);
    for (const auto& [key, value] : metadata)
      (*request.mutable_metadata())[key] = value;
    request.set_payload(payload.SerializeAsString());
    EXPECT_EQ(
        Hex(EncodedRequest(RequestHeader{7, "demo.Echo/Say", 250000, &metadata},
                           payload)
                .substr(kFrameHeaderSize)),
        Hex(request.SerializeAsString()));

    wire::Response response;
    response.set_call_id(UINT64_MAX);
    response.set_code(16);
    response.set_message("who are you");
    for (const auto& [key, value] : metadata)
      (*response.mutable_metadata())[key] = value;
    EXPECT_EQ(Hex(EncodedResponse(
                      ResponseHeader{UINT64_MAX,
                                     absl::UnauthenticatedError("who are you"),
                                     &metadata},
                      nullptr)
                      .substr(kFrameHeaderSize)),
              Hex(response.SerializeAsString()));
  }
}

TEST(CallCodec, VersionTwoFlagsMatchProtobufAndRoundTrip) {
  const Metadata metadata = {{"m", "v"}};
  const wire::Request reply = UserMessage();
  for (const bool not_processed : {false, true}) {
    for (const bool draining : {false, true}) {
      SCOPED_TRACE(absl::StrCat("not_processed ", not_processed, " draining ",
                                draining));
      ResponseHeader header{3, absl::UnavailableError("later"), &metadata};
      header.not_processed = not_processed;
      header.draining = draining;
      wire::Response plain;
      plain.set_call_id(3);
      plain.set_code(14);
      plain.set_message("later");
      (*plain.mutable_metadata())["m"] = "v";
      plain.set_not_processed(not_processed);
      plain.set_draining(draining);
      plain.set_payload(reply.SerializeAsString());
      const std::string frame = EncodedResponse(header, &reply);
      EXPECT_EQ(Hex(frame.substr(kFrameHeaderSize)),
                Hex(plain.SerializeAsString()));

      DecodedResponse decoded;
      decoded.not_processed = !not_processed;  // overwritten either way
      decoded.draining = !draining;
      ASSERT_TRUE(
          DecodeResponse(absl::string_view(frame).substr(kFrameHeaderSize),
                         &decoded)
              .ok());
      EXPECT_EQ(decoded.not_processed, not_processed);
      EXPECT_EQ(decoded.draining, draining);
      EXPECT_EQ(decoded.status, absl::UnavailableError("later"));
    }
  }
}

TEST(CallCodec, DrainNoticeIsCallIdZeroAndTheDrainingFlagOnly) {
  ResponseHeader notice;
  notice.draining = true;
  EXPECT_EQ(Hex(EncodedResponse(notice, nullptr)),
            Hex(Bytes({0x00, 0x00, 0x00, 0x02, 0x30, 0x01})));
}

TEST(CallCodec, EmptyPayloadIsOmittedLikeProtobufDoes) {
  const wire::Request empty;
  EXPECT_EQ(Hex(EncodedRequest(RequestHeader{9, "a.B/C", 0, nullptr}, empty)),
            Hex(Bytes({0x00, 0x00, 0x00, 0x09, 0x08, 0x09, 0x12, 0x05, 'a', '.',
                       'B', '/', 'C'})));
  EXPECT_EQ(Hex(EncodedResponse(ResponseHeader{9, absl::OkStatus(), nullptr},
                                &empty)),
            Hex(Bytes({0x00, 0x00, 0x00, 0x02, 0x08, 0x09})));
}

TEST(CallCodec, DecodeRequestReadsTheseBytes) {
  // Fields out of order, the payload in the middle and repeated (the last
  // wins), a field from a later version (6), and two metadata entries.
  const std::string body = Bytes({
      0x7a, 0x03, 'o',  'l',  'd',                   // payload "old"
      0x22, 0x06, 0x0a, 0x01, 'b', 0x12, 0x01, '2',  // b: 2
      0x18, 0xe8, 0x07,                              // timeout_us 1000
      0x7a, 0x03, 'n',  'e',  'w',                   // payload "new"
      0x30, 0x01,                                    // unknown field 6
      0x12, 0x05, 'x',  '.',  'Y', '/',  'Z',        // method
      0x22, 0x06, 0x0a, 0x01, 'a', 0x12, 0x01, '1',  // a: 1
      0x08, 0x05,                                    // call_id 5
  });
  DecodedRequest request;
  ASSERT_TRUE(DecodeRequest(body, &request).ok());
  EXPECT_EQ(request.call_id, 5u);
  EXPECT_EQ(request.method, "x.Y/Z");
  EXPECT_EQ(request.timeout_us, 1000u);
  EXPECT_EQ(request.metadata, (Metadata{{"a", "1"}, {"b", "2"}}));
  EXPECT_EQ(request.payload, "new");
}

TEST(CallCodec, DecodedPayloadIsAViewIntoTheBody) {
  const std::string body = Bytes({0x08, 0x2a, 0x7a, 0x03, 0x08, 0x96, 0x01});
  DecodedResponse response;
  ASSERT_TRUE(DecodeResponse(body, &response).ok());
  EXPECT_EQ(response.call_id, 42u);
  EXPECT_TRUE(response.status.ok());
  ASSERT_EQ(response.payload.size(), 3u);
  EXPECT_EQ(response.payload.data(), body.data() + 4);
}

TEST(CallCodec, DecodingAgainReplacesEveryField) {
  DecodedRequest request;
  ASSERT_TRUE(
      DecodeRequest(Bytes({0x08, 0x01, 0x12, 0x01, 'm', 0x18, 0x01, 0x22, 0x06,
                           0x0a, 0x01, 'k', 0x12, 0x01, 'v', 0x7a, 0x01, 'p'}),
                    &request)
          .ok());
  ASSERT_TRUE(DecodeRequest(Bytes({0x08, 0x02}), &request).ok());
  EXPECT_EQ(request.call_id, 2u);
  EXPECT_EQ(request.method, "");
  EXPECT_EQ(request.timeout_us, 0u);
  EXPECT_TRUE(request.metadata.empty());
  EXPECT_TRUE(request.payload.empty());

  DecodedResponse response;
  ASSERT_TRUE(DecodeResponse(Bytes({0x08, 0x01, 0x10, 0x05, 0x22, 0x06, 0x0a,
                                    0x01, 'k', 0x12, 0x01, 'v'}),
                             &response)
                  .ok());
  ASSERT_TRUE(DecodeResponse(Bytes({0x08, 0x02}), &response).ok());
  EXPECT_EQ(response.call_id, 2u);
  EXPECT_TRUE(response.status.ok());
  EXPECT_TRUE(response.metadata.empty());
}

struct CodeRow {
  absl::StatusCode code;
  uint8_t wire;
};

// gRPC's numbers, which the protocol promises.
const std::vector<CodeRow> kCodes = {
    {absl::StatusCode::kOk, 0},
    {absl::StatusCode::kCancelled, 1},
    {absl::StatusCode::kUnknown, 2},
    {absl::StatusCode::kInvalidArgument, 3},
    {absl::StatusCode::kDeadlineExceeded, 4},
    {absl::StatusCode::kNotFound, 5},
    {absl::StatusCode::kAlreadyExists, 6},
    {absl::StatusCode::kPermissionDenied, 7},
    {absl::StatusCode::kResourceExhausted, 8},
    {absl::StatusCode::kFailedPrecondition, 9},
    {absl::StatusCode::kAborted, 10},
    {absl::StatusCode::kOutOfRange, 11},
    {absl::StatusCode::kUnimplemented, 12},
    {absl::StatusCode::kInternal, 13},
    {absl::StatusCode::kUnavailable, 14},
    {absl::StatusCode::kDataLoss, 15},
    {absl::StatusCode::kUnauthenticated, 16},
};

TEST(CallCodec, EveryStatusCodeTravelsAsItsNumberWithItsMessage) {
  for (const CodeRow& row : kCodes) {
    const absl::Status status(row.code, "why");
    // OK carries neither code nor message.
    const std::string body =
        row.wire == 0
            ? Bytes({0x08, 0x01})
            : Bytes({0x08, 0x01, 0x10, row.wire, 0x1a, 0x03, 'w', 'h', 'y'});
    EXPECT_EQ(Hex(EncodedResponse(ResponseHeader{1, status, nullptr}, nullptr)
                      .substr(kFrameHeaderSize)),
              Hex(body))
        << status;
    DecodedResponse decoded;
    ASSERT_TRUE(DecodeResponse(body, &decoded).ok());
    EXPECT_EQ(decoded.status, status);
  }
}

TEST(CallCodec, UnknownCodeNumbersBecomeUnknownNeverOk) {
  const std::vector<std::pair<int, std::string>> bodies = {
      // int32 -1 is sign-extended to ten bytes, as protobuf writes it.
      {-1, Bytes({0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                  0x01, 0x1a, 0x03, 'o', 'd', 'd'})},
      {17, Bytes({0x10, 0x11, 0x1a, 0x03, 'o', 'd', 'd'})},
      {1000, Bytes({0x10, 0xe8, 0x07, 0x1a, 0x03, 'o', 'd', 'd'})},
  };
  for (const auto& [code, body] : bodies) {
    DecodedResponse decoded;
    ASSERT_TRUE(DecodeResponse(body, &decoded).ok()) << code;
    EXPECT_EQ(decoded.status.code(), absl::StatusCode::kUnknown) << code;
    EXPECT_EQ(decoded.status.message(),
              absl::StrCat("peer sent unknown status code ", code, ": 'odd'"));
  }
}

TEST(CallCodec, NonUtf8StatusMessageIsEscapedSoThePeerCanParseIt) {
  const std::string frame = EncodedResponse(
      ResponseHeader{1, absl::InternalError("bad \xff\xfe byte"), nullptr},
      nullptr);
  DecodedResponse decoded;
  ASSERT_TRUE(DecodeResponse(absl::string_view(frame).substr(kFrameHeaderSize),
                             &decoded)
                  .ok());
  EXPECT_EQ(decoded.status, absl::InternalError("bad \\xff\\xfe byte"));
}

TEST(CallCodec, RejectsDamagedBodiesNamingTheType) {
  const std::string good =
      EncodedRequest(RequestHeader{300, "demo.Echo/Say", 0, nullptr},
                     UserMessage())
          .substr(kFrameHeaderSize);
  const std::vector<std::string> damaged = {
      good.substr(0, good.size() - 1),              // payload truncated
      good.substr(0, 1),                            // tag without value
      Bytes({0x7a, 0xff, 0xff, 0xff, 0xff, 0x0f}),  // payload length 4 GiB
      Bytes({0x00, 0x01}),                          // field number 0
      Bytes({0x0f}),                                // wire type 7
      Bytes({0x12, 0x05, 'a', 'b'}),                // field 2 runs past end
  };
  for (const std::string& body : damaged) {
    DecodedRequest request;
    absl::Status status = DecodeRequest(body, &request);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument)
        << "accepted damaged body " << Hex(body);
    EXPECT_NE(status.message().find("framerpc.wire.Request"), std::string::npos)
        << status;
    EXPECT_NE(status.message().find(absl::StrCat(body.size(), "-byte")),
              std::string::npos)
        << status;
    DecodedResponse response;
    status = DecodeResponse(body, &response);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument)
        << "accepted damaged body " << Hex(body);
    EXPECT_NE(status.message().find("framerpc.wire.Response"),
              std::string::npos)
        << status;
  }
}

TEST(CallCodec, RejectsStringsThatAreNotUtf8) {
  // proto3 strings: the method, a metadata key, the status message.
  DecodedRequest request;
  EXPECT_EQ(DecodeRequest(Bytes({0x12, 0x01, 0xff}), &request).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      DecodeRequest(Bytes({0x22, 0x05, 0x0a, 0x01, 0xff, 0x12, 0x00}), &request)
          .code(),
      absl::StatusCode::kInvalidArgument);
  DecodedResponse response;
  EXPECT_EQ(
      DecodeResponse(Bytes({0x10, 0x02, 0x1a, 0x01, 0xff}), &response).code(),
      absl::StatusCode::kInvalidArgument);
  // Metadata values are bytes.
  ASSERT_TRUE(
      DecodeRequest(Bytes({0x22, 0x06, 0x0a, 0x01, 'k', 0x12, 0x01, 0xff}),
                    &request)
          .ok());
  EXPECT_EQ(request.metadata.at("k"), "\xff");
}

TEST(CallCodec, RefusesBodiesOverTheLimitWithoutWriting) {
  Buffer out;
  absl::Status status =
      EncodeRequest(RequestHeader{1, "demo.Echo/Say", 0, nullptr},
                    std::string(1000, 'x'), 500, &out);
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(status.message().find("framerpc.wire.Request"), std::string::npos);
  EXPECT_NE(status.message().find("500"), std::string::npos) << status;
  EXPECT_TRUE(out.empty());

  const Metadata big = {{"k", std::string(1000, 'v')}};
  status = EncodeResponse(ResponseHeader{1, absl::OkStatus(), &big},
                          absl::string_view(), 500, &out);
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(status.message().find("framerpc.wire.Response"), std::string::npos);
  EXPECT_TRUE(out.empty());
}

std::string RandomBytes(std::mt19937_64& rng, size_t max_size) {
  std::string s(std::uniform_int_distribution<size_t>(0, max_size)(rng), '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

TEST(CallCodec, FlippedBytesNeverCrash) {
  std::mt19937_64 rng(1234);
  const Metadata metadata = {{"k", RandomBytes(rng, 20)}};
  const std::string good =
      EncodedRequest(RequestHeader{rng(), "pkg.Service/M", 5, &metadata},
                     UserMessage())
          .substr(kFrameHeaderSize);
  for (size_t i = 0; i < good.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string body = good;
      body[i] = static_cast<char>(body[i] ^ (1 << bit));
      // Either outcome is fine; what matters is no crash and, on success,
      // a payload view inside the body.
      DecodedRequest request;
      if (DecodeRequest(body, &request).ok() && !request.payload.empty()) {
        ASSERT_GE(request.payload.data(), body.data());
        ASSERT_LE(request.payload.data() + request.payload.size(),
                  body.data() + body.size());
      }
      DecodedResponse response;
      if (DecodeResponse(body, &response).ok() && !response.payload.empty()) {
        ASSERT_GE(response.payload.data(), body.data());
        ASSERT_LE(response.payload.data() + response.payload.size(),
                  body.data() + body.size());
      }
    }
  }
}

struct SentRequest {
  uint64_t call_id;
  std::string method;
  uint64_t timeout_us;
  Metadata metadata;
  std::string payload;
};

TEST(CallCodec, RandomizedRoundTripsWithRandomSplits) {
  const uint64_t seed = std::random_device()();
  SCOPED_TRACE(absl::StrCat("seed ", seed, " (rerun by hard-coding it)"));
  std::mt19937_64 rng(seed);
  for (int round = 0; round < 50; ++round) {
    std::vector<SentRequest> sent;
    Buffer stream;
    const int count = 1 + static_cast<int>(rng() % 20);
    for (int i = 0; i < count; ++i) {
      SentRequest request;
      request.call_id = rng() % 3 == 0 ? 1 : rng();
      request.method = absl::StrCat("pkg.Service/M", rng() % 1000);
      request.timeout_us = rng() % 2 ? rng() % 10000000 : 0;
      const int entries = static_cast<int>(rng() % 4);
      for (int e = 0; e < entries; ++e)
        request.metadata[absl::StrCat("k", e)] = RandomBytes(rng, 20);
      wire::Request user_message;  // stands in for any user message
      user_message.set_payload(RandomBytes(rng, 3000));
      request.payload = user_message.SerializeAsString();
      ASSERT_TRUE(
          EncodeRequest(RequestHeader{request.call_id, request.method,
                                      request.timeout_us, &request.metadata},
                        user_message, kLimit, &stream)
              .ok());
      sent.push_back(std::move(request));
    }
    // Deliver the stream in random pieces to a frame decoder.
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
        ASSERT_LT(got, sent.size());
        const SentRequest& expected = sent[got];
        DecodedRequest request;
        ASSERT_TRUE(DecodeRequest((*frame)->body, &request).ok());
        EXPECT_EQ(request.call_id, expected.call_id);
        EXPECT_EQ(request.method, expected.method);
        EXPECT_EQ(request.timeout_us, expected.timeout_us);
        EXPECT_EQ(request.metadata, expected.metadata);
        EXPECT_EQ(request.payload, expected.payload);
        // A plain parser accepts the same body.
        wire::Request plain;
        ASSERT_TRUE(plain.ParseFromArray(
            (*frame)->body.data(), static_cast<int>((*frame)->body.size())));
        EXPECT_EQ(plain.payload(), expected.payload);
        in.Retrieve((*frame)->frame_size);
        ++got;
      }
    }
    EXPECT_EQ(got, sent.size());
  }
}

// The codec must read exactly what protobuf's own parser reads. Each body
// below is one place where the in-place decoder once disagreed with
// ParseFromString: it read the payload field's tag and length with
// CodedInputStream's 32-bit varint reads, which take up to 10 bytes and
// drop the high bits, where protobuf's parser takes at most 5 bytes for a
// tag or a length and rejects a length of 2 GiB or more.
void ExpectAgreesWithProtobuf(const std::string& body) {
  SCOPED_TRACE(Hex(body));
  wire::Request plain_request;
  DecodedRequest request;
  const bool request_parsed = plain_request.ParseFromString(body);
  const absl::Status request_status = DecodeRequest(body, &request);
  EXPECT_EQ(request_status.ok(), request_parsed) << request_status;
  if (request_parsed && request_status.ok()) {
    EXPECT_EQ(request.call_id, plain_request.call_id());
    EXPECT_EQ(request.method, plain_request.method());
    EXPECT_EQ(request.payload, plain_request.payload());
  }
  wire::Response plain_response;
  DecodedResponse response;
  const bool response_parsed = plain_response.ParseFromString(body);
  const absl::Status response_status = DecodeResponse(body, &response);
  EXPECT_EQ(response_status.ok(), response_parsed) << response_status;
  if (response_parsed && response_status.ok()) {
    EXPECT_EQ(response.call_id, plain_response.call_id());
    EXPECT_EQ(response.payload, plain_response.payload());
    EXPECT_EQ(response.not_processed, plain_response.not_processed());
    EXPECT_EQ(response.draining, plain_response.draining());
  }
}

TEST(CallCodec, PayloadLengthOf4GiBPlusOneIsNotReadAsOne) {
  // Length 2^32 + 1 in 5 bytes: was served as a 1-byte payload "x".
  ExpectAgreesWithProtobuf(
      Bytes({0x08, 0x01, 0x7a, 0x81, 0x80, 0x80, 0x80, 0x10, 'x'}));
}

TEST(CallCodec, PayloadLengthInSixBytesIsRejected) {
  // Length 1 written in 6 bytes, and 2^35 + 1 in 6 bytes.
  ExpectAgreesWithProtobuf(
      Bytes({0x08, 0x01, 0x7a, 0x81, 0x80, 0x80, 0x80, 0x80, 0x00, 'x'}));
  ExpectAgreesWithProtobuf(
      Bytes({0x08, 0x01, 0x7a, 0x81, 0x80, 0x80, 0x80, 0x80, 0x01, 'x'}));
}

TEST(CallCodec, PayloadLengthOf2GiBIsRejected) {
  // 0x80000000 in 5 bytes; the body is shorter anyway, and both refuse.
  ExpectAgreesWithProtobuf(
      Bytes({0x08, 0x01, 0x7a, 0x80, 0x80, 0x80, 0x80, 0x08, 'x'}));
}

TEST(CallCodec, PayloadTagInSixOrMoreBytesIsRejected) {
  // Tag 0x7a (field 15, length-delimited) written in 6 and in 10 bytes.
  ExpectAgreesWithProtobuf(
      Bytes({0x08, 0x01, 0xfa, 0x80, 0x80, 0x80, 0x80, 0x00, 0x01, 'x'}));
  ExpectAgreesWithProtobuf(Bytes({0x08, 0x01, 0xfa, 0x80, 0x80, 0x80, 0x80,
                                  0x80, 0x80, 0x80, 0x80, 0x00, 0x01, 'x'}));
}

TEST(CallCodec, OverlongButValidPayloadTagAndLengthAreAccepted) {
  // Tag and length in 5 bytes each (the most protobuf takes), and a tag
  // whose fifth byte has bits beyond 32 (dropped by protobuf too).
  ExpectAgreesWithProtobuf(Bytes({0x08, 0x01, 0xfa, 0x80, 0x80, 0x80, 0x00,
                                  0x81, 0x80, 0x80, 0x80, 0x00, 'x'}));
  ExpectAgreesWithProtobuf(
      Bytes({0x08, 0x01, 0xfa, 0x80, 0x80, 0x80, 0x70, 0x01, 'x'}));
  // Two payload fields: the last wins; a payload field with the wrong wire
  // type is an unknown field.
  ExpectAgreesWithProtobuf(
      Bytes({0x7a, 0x01, 'a', 0x08, 0x01, 0x7a, 0x02, 'b', 'c'}));
  ExpectAgreesWithProtobuf(Bytes({0x7a, 0x01, 'a', 0x78, 0x05}));
}

TEST(CallCodec, MetadataLimitsCountEntriesAndBytesOnTheWire) {
  // Two entries, "k"/"vv" and "k"/"v": the repeated key counts twice, and
  // so do its bytes (3 + 2 = 5).
  const std::string body =
      Bytes({0x08, 0x07, 0x12, 0x05, 'a', '.',  'B',  '/', 'C',  //
             0x22, 0x07, 0x0a, 0x01, 'k', 0x12, 0x02, 'v', 'v',  //
             0x22, 0x06, 0x0a, 0x01, 'k', 0x12, 0x01, 'v',       //
             0x7a, 0x01, 'x'});
  DecodedRequest request;
  ASSERT_TRUE(DecodeRequest(body, &request, MetadataLimits{2, 5}).ok());
  EXPECT_EQ(request.metadata, (Metadata{{"k", "v"}}));
  EXPECT_EQ(request.payload, "x");

  for (const MetadataLimits& limits :
       {MetadataLimits{1, 5}, MetadataLimits{2, 4}}) {
    request = DecodedRequest();
    const absl::Status status = DecodeRequest(body, &request, limits);
    EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted) << status;
    EXPECT_NE(
        status.message().find(absl::StrCat(
            "request metadata of 2 entries (13 bytes on the wire) "
            "exceeds the limit of ",
            limits.max_entries, " entries / ", limits.max_bytes, " bytes")),
        std::string::npos)
        << status;
    EXPECT_EQ(request.call_id, 7u);
    EXPECT_EQ(request.method, "a.B/C");
    EXPECT_TRUE(request.metadata.empty());
  }
  DecodedResponse response;
  EXPECT_EQ(DecodeResponse(Bytes({0x08, 0x03, 0x22, 0x00, 0x22, 0x00}),
                           &response, MetadataLimits{1, 100})
                .code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(response.call_id, 3u);
}

TEST(CallCodec, EntriesPastTheLimitAreSkippedUnread) {
  // The second entry holds a field of wire type 7, which no parser takes;
  // past the limit of one entry it is only skipped, so the answer is the
  // limit, while without limits the body is rejected.
  const std::string body =
      Bytes({0x08, 0x01, 0x22, 0x00, 0x22, 0x01, 0x0f, 0x7a, 0x01, 'x'});
  DecodedRequest request;
  EXPECT_EQ(DecodeRequest(body, &request, MetadataLimits{1, 100}).code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(DecodeRequest(body, &request).code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace framerpc
