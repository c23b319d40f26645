#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "cli/commands.hpp"

namespace {

const char* kUsage =
    "usage: cloister COMMAND [ARGS...]\n"
    "  run [OPTIONS] [--] PROGRAM [ARGS...]   run PROGRAM in a sandbox (see cloister run --help)\n"
    "  bwrap [OPTIONS] [--] PROGRAM [ARGS...] bubblewrap-compatible front end\n"
    "  explain [--json] [--groups] [OPTIONS]  print the plan run would build (and seccomp groups)\n"
    "  --version                              print the version\n";

std::string basename_of(const char* path) {
  const char* slash = std::strrchr(path, '/');
  return slash ? slash + 1 : path;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (basename_of(argv[0]) == "bwrap") return cloister::cli::bwrap_command(args);
  if (args.empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  const std::string sub = args.front();
  args.erase(args.begin());
  if (sub == "run") return cloister::cli::run_command(args);
  if (sub == "bwrap") return cloister::cli::bwrap_command(args);
  if (sub == "explain") return cloister::cli::explain_command(args);
  if (sub == "--help" || sub == "-h" || sub == "help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (sub == "--version") {
    std::printf("cloister %s\n", CLOISTER_VERSION);
    return 0;
  }
  std::fprintf(stderr, "cloister: unknown command '%s'\n%s", sub.c_str(), kUsage);
  return 2;
}
