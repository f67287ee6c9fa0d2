// protoc-gen-framerpc as a real plugin process under the real protoc: how
// protoc reports its errors, and that a refused file leaves no output.
// (Its successful output is checked in golden_test.cc.)
#include <stdio.h>
#include <sys/wait.h>

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/codegen/test_files.h"

namespace framerpc {
namespace codegen_test {
namespace {

struct ProtocRun {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

// Runs protoc with the plugin on `proto` (in `dir`) and `out_flag`.
ProtocRun RunProtoc(const std::string& dir, const std::string& out_flag,
                    const std::string& proto) {
  std::string command = absl::StrCat(
      "'", FRAMERPC_PROTOC, "' '--plugin=protoc-gen-framerpc=", FRAMERPC_PLUGIN,
      "' '-I", dir, "' '", out_flag, "' '", proto, "' 2>&1");
  ProtocRun run;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    ADD_FAILURE() << "popen " << command << " failed";
    return run;
  }
  char buffer[512];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) {
    run.output.append(buffer, n);
  }
  int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

TEST(PluginBinary, StreamingMethodIsAnErrorNamingFileServiceAndMethod) {
  std::string dir = MakeTempDir();
  WriteFile(dir + "/chat.proto",
            "syntax = \"proto3\";\npackage demo;\nmessage M {}\n"
            "service Echo {\n  rpc Say(M) returns (M);\n"
            "  rpc Chat(stream M) returns (M);\n}\n");
  std::string out = MakeTempDir();
  ProtocRun run = RunProtoc(dir, "--framerpc_out=" + out, "chat.proto");
  EXPECT_NE(run.exit_code, 0);
  EXPECT_TRUE(absl::StrContains(
      run.output,
      "chat.proto: service demo.Echo, method Chat: streaming methods are not "
      "supported by framerpc (only unary); this method streams its requests"))
      << run.output;
  EXPECT_TRUE(ListFiles(out).empty());
}

TEST(PluginBinary, UnknownOptionIsAnError) {
  std::string dir = MakeTempDir();
  WriteFile(dir + "/echo.proto",
            "syntax = \"proto3\";\npackage demo;\nmessage M {}\n"
            "service Echo { rpc Say(M) returns (M); }\n");
  std::string out = MakeTempDir();
  ProtocRun run =
      RunProtoc(dir, "--framerpc_out=verbose=1:" + out, "echo.proto");
  EXPECT_NE(run.exit_code, 0);
  EXPECT_TRUE(absl::StrContains(
      run.output,
      "echo.proto: unknown option 'verbose' for protoc-gen-framerpc"))
      << run.output;
  EXPECT_TRUE(ListFiles(out).empty());

  ProtocRun ok = RunProtoc(dir, "--framerpc_out=" + out, "echo.proto");
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_EQ(ListFiles(out).size(), 2u);
}

}  // namespace
}  // namespace codegen_test
}  // namespace framerpc
