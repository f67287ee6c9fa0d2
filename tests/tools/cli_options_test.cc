// framerpc_cli's command line: every option spelling, and the usage errors.
#include "tools/cli_options.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace framerpc::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

absl::StatusOr<CliOptions> Parse(std::vector<std::string> args) {
  return ParseCliOptions(args);
}

TEST(CliOptions, CallWithEveryOption) {
  auto options =
      Parse({"call", "--timeout=250ms", "127.0.0.1:7000", "-H", "x-trace:abc",
             "-Hk: v", "kv.KeyValue/Get", "--proto", "kv.proto", "-I", "dir1",
             "--import_path=dir2", "-Idir3", "--format", "text", "-d", "@"});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->command, "call");
  EXPECT_EQ(options->address, "127.0.0.1:7000");
  EXPECT_THAT(options->args, ElementsAre("kv.KeyValue/Get"));
  EXPECT_EQ(options->timeout, absl::Milliseconds(250));
  EXPECT_THAT(options->metadata,
              ElementsAre(Pair("x-trace", "abc"), Pair("k", "v")));
  EXPECT_THAT(options->protos, ElementsAre("kv.proto"));
  EXPECT_THAT(options->import_paths, ElementsAre("dir1", "dir2", "dir3"));
  EXPECT_EQ(options->format, Format::kText);
  EXPECT_TRUE(options->has_data);
  EXPECT_EQ(options->data, "@");
}

TEST(CliOptions, TlsOptionsTurnTlsOn) {
  auto plain = Parse({"list", "127.0.0.1:7000"});
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_FALSE(plain->tls);

  auto system_store = Parse({"list", "--tls", "kv.internal:7000"});
  ASSERT_TRUE(system_store.ok()) << system_store.status();
  EXPECT_TRUE(system_store->tls);
  EXPECT_EQ(system_store->tls_ca, "");

  auto mutual = Parse({"call", "--tls_ca=ca.pem", "--tls_cert", "c.pem",
                       "--tls_key", "c.key", "--tls_server_name=kv.internal",
                       "127.0.0.1:7000", "kv.KeyValue/Get"});
  ASSERT_TRUE(mutual.ok()) << mutual.status();
  EXPECT_TRUE(mutual->tls);
  EXPECT_EQ(mutual->tls_ca, "ca.pem");
  EXPECT_EQ(mutual->tls_cert, "c.pem");
  EXPECT_EQ(mutual->tls_key, "c.key");
  EXPECT_EQ(mutual->tls_server_name, "kv.internal");
}

TEST(CliOptions, DefaultsAndPositionalRequest) {
  auto options = Parse({"call", "a:1", "p.S/M", R"({"k": "-v"})"});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->timeout, absl::Seconds(10));
  EXPECT_EQ(options->format, Format::kJson);
  EXPECT_FALSE(options->has_data);
  EXPECT_THAT(options->args, ElementsAre("p.S/M", R"({"k": "-v"})"));
}

TEST(CliOptions, HelpStatesTheTimeoutTheCodeUses) {
  // --help (and docs/cli.md, which copies it) must name the default that
  // calls really get when --timeout is not given.
  const absl::Duration default_timeout = CliOptions().timeout;
  EXPECT_EQ(default_timeout, absl::Seconds(10));
  EXPECT_THAT(UsageText(), HasSubstr(absl::StrCat(
                               "--timeout DURATION   deadline of each "
                               "call, e.g. 500ms, 5s (default ",
                               absl::FormatDuration(default_timeout), ")")));
}

TEST(CliOptions, DoubleDashEndsOptions) {
  auto options = Parse({"call", "a:1", "p.S/M", "--", "--not-an-option"});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_THAT(options->args, ElementsAre("p.S/M", "--not-an-option"));
}

TEST(CliOptions, HelpNeedsNothingElse) {
  auto options = Parse({"--help"});
  ASSERT_TRUE(options.ok());
  EXPECT_TRUE(options->help);
  EXPECT_THAT(UsageText(), HasSubstr("Exit codes"));
}

TEST(CliOptions, UsageErrors) {
  const struct {
    std::vector<std::string> args;
    const char* message;
  } kCases[] = {
      {{}, "no command given"},
      {{"frob", "a:1"}, "unknown command 'frob'"},
      {{"list"}, "no server address given"},
      {{"list", "a:1", "x", "y"}, "list: expected ADDR [SERVICE]"},
      {{"describe", "a:1"}, "describe: expected"},
      {{"call", "a:1"}, "call: expected"},
      {{"call", "a:1", "p.S/M", "{}", "-d", "{}"}, "both"},
      {{"call", "a:1", "p.S/M", "--timeout", "soon"}, "--timeout: 'soon'"},
      {{"call", "a:1", "p.S/M", "--timeout=-1s"}, "not a positive duration"},
      {{"call", "a:1", "p.S/M", "-H", "novalue"}, "not key:value"},
      {{"call", "a:1", "p.S/M", "--format=xml"}, "--format: 'xml'"},
      {{"call", "a:1", "p.S/M", "--frob"}, "unknown option '--frob'"},
      {{"call", "a:1", "p.S/M", "--proto"}, "--proto needs a value"},
      {{"call", "a:1", "p.S/M", "-d", "1", "-d", "2"}, "more than once"},
  };
  for (const auto& c : kCases) {
    auto options = Parse(c.args);
    ASSERT_FALSE(options.ok()) << c.message;
    EXPECT_EQ(options.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(options.status().message()), HasSubstr(c.message));
  }
}

}  // namespace
}  // namespace framerpc::cli
