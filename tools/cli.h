// framerpc_cli's commands (list, describe, call) behind main().
// RunCli takes the arguments after the program name, reads a `-d @`
// request from `in`, prints results to `out` and errors to `err`, and
// returns the exit code (cli::ExitCode in tools/cli_options.h).
#ifndef FRAMERPC_TOOLS_CLI_H_
#define FRAMERPC_TOOLS_CLI_H_

#include <iosfwd>
#include <string>
#include <vector>

namespace framerpc {
namespace cli {

int RunCli(const std::vector<std::string>& args, std::istream& in,
           std::ostream& out, std::ostream& err);

}  // namespace cli
}  // namespace framerpc

#endif  // FRAMERPC_TOOLS_CLI_H_
