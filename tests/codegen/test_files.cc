#include "tests/codegen/test_files.h"

#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "gtest/gtest.h"

namespace framerpc {
namespace codegen_test {

namespace fs = std::filesystem;

std::string MakeTempDir() {
  std::string pattern =
      (fs::path(testing::TempDir()) / "codegen_XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    ADD_FAILURE() << "mkdtemp " << pattern << " failed";
    return "";
  }
  return pattern;
}

void WriteFile(const std::string& path, const std::string& contents) {
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << contents;
  out.close();
  if (!out) ADD_FAILURE() << "write " << path << " failed";
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ADD_FAILURE() << "read " << path << ": cannot open";
    return "";
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

std::vector<std::string> ListFiles(const std::string& dir) {
  std::vector<std::string> files;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    if (it->is_regular_file()) {
      files.push_back(fs::relative(it->path(), dir).generic_string());
    }
  }
  if (ec) ADD_FAILURE() << "list " << dir << ": " << ec.message();
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace codegen_test
}  // namespace framerpc
