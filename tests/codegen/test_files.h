// Test helpers for files on disk: fresh temporary directories, reading and
// writing whole files, listing a tree. Failures are reported through gtest
// (ADD_FAILURE) and leave an empty result; nothing here throws.
#ifndef FRAMERPC_TESTS_CODEGEN_TEST_FILES_H_
#define FRAMERPC_TESTS_CODEGEN_TEST_FILES_H_

#include <string>
#include <vector>

namespace framerpc {
namespace codegen_test {

// A new, empty directory under gtest's temporary directory. Not removed
// afterwards, so that a failing test's files can be looked at.
std::string MakeTempDir();

// Writes `contents` to `path`, creating missing parent directories.
void WriteFile(const std::string& path, const std::string& contents);

// The bytes of `path`; "" (and a test failure) when it cannot be read.
std::string ReadFile(const std::string& path);

// Paths of all regular files under `dir`, relative to it, sorted.
std::vector<std::string> ListFiles(const std::string& dir);

}  // namespace codegen_test
}  // namespace framerpc

#endif  // FRAMERPC_TESTS_CODEGEN_TEST_FILES_H_
