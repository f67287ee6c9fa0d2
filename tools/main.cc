// framerpc_cli: list, describe and call the methods of any framerpc server
// from the shell. `framerpc_cli --help` and docs/cli.md describe it.
#include <iostream>
#include <string>
#include <vector>

#include "tools/cli.h"

int main(int argc, char** argv) {
  return framerpc::cli::RunCli(std::vector<std::string>(argv + 1, argv + argc),
                               std::cin, std::cout, std::cerr);
}
