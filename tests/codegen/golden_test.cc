// Golden files: what protoc-gen-framerpc emits for tests/codegen/protos,
// compared byte for byte, both from an in-process protoc run and from the
// real protoc + plugin binary that framerpc_generate() ran at build time.
//
// After an intended change to the output, regenerate the goldens with
//   FRAMERPC_UPDATE_GOLDEN=1 build/tests/codegen/codegen_golden_test
// and review `git diff tests/codegen/golden` before committing.
#include <cstdlib>
#include <string>

#include "gtest/gtest.h"
#include "tests/codegen/in_process_protoc.h"
#include "tests/codegen/proto_importer.h"
#include "tests/codegen/test_files.h"

namespace framerpc {
namespace codegen_test {
namespace {

struct Golden {
  const char* generated;  // path under the output directory
  const char* golden;     // file name under tests/codegen/golden
};

constexpr Golden kGoldens[] = {
    {"echo.framerpc.h", "echo.framerpc.h.golden"},
    {"echo.framerpc.cc", "echo.framerpc.cc.golden"},
    {"deep/awkward.framerpc.h", "awkward.framerpc.h.golden"},
    {"deep/awkward.framerpc.cc", "awkward.framerpc.cc.golden"},
    {"other/imported.framerpc.h", "imported.framerpc.h.golden"},
    {"other/imported.framerpc.cc", "imported.framerpc.cc.golden"},
};

bool UpdateRequested() {
  const char* update = std::getenv("FRAMERPC_UPDATE_GOLDEN");
  return update != nullptr && std::string(update) == "1";
}

std::string GoldenPath(const Golden& golden) {
  return std::string(FRAMERPC_CODEGEN_GOLDEN_DIR) + "/" + golden.golden;
}

TEST(Golden, InProcessOutputMatches) {
  std::string out = MakeTempDir();
  ASSERT_EQ(RunProtocInProcess({"-I" FRAMERPC_CODEGEN_PROTOS_DIR,
                                "-I" + ProtobufIncludeDir(), "--cpp_out=" + out,
                                "--framerpc_out=" + out, "echo.proto",
                                "deep/awkward.proto", "other/imported.proto"}),
            0);
  for (const Golden& golden : kGoldens) {
    std::string generated = ReadFile(out + "/" + golden.generated);
    if (UpdateRequested()) {
      WriteFile(GoldenPath(golden), generated);
      continue;
    }
    EXPECT_EQ(generated, ReadFile(GoldenPath(golden)))
        << golden.generated << " differs from " << GoldenPath(golden)
        << "; if the change is intended, regenerate with "
           "FRAMERPC_UPDATE_GOLDEN=1 (see golden_test.cc)";
  }
}

TEST(Golden, PluginBinaryOutputMatches) {
  if (UpdateRequested()) GTEST_SKIP() << "updating the goldens";
  for (const Golden& golden : kGoldens) {
    EXPECT_EQ(ReadFile(std::string(FRAMERPC_CODEGEN_BUILD_OUT_DIR) + "/" +
                       golden.generated),
              ReadFile(GoldenPath(golden)))
        << golden.generated << " as framerpc_generate() made it";
  }
}

}  // namespace
}  // namespace codegen_test
}  // namespace framerpc
