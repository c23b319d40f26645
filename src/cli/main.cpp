#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cloister/error.hpp"
#include "manual/manual.hpp"
#include "process/init.hpp"

namespace {

std::string basename_of(const char* path) {
  const char* slash = std::strrchr(path, '/');
  return slash ? slash + 1 : path;
}

// Installed under the name bwrap (a copy or a hard link): invoked by that name, or by another
// one such as /proc/self/exe, which bubblewrap's users run to nest a sandbox in one; the
// executable's own name decides then (/proc/self/exe keeps the name it was executed by).
bool invoked_as_bwrap(const char* argv0) {
  const std::string name = basename_of(argv0);
  if (name == "bwrap") return true;
  if (name == "cloister") return false;
  char exe[4096];
  const ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) return false;
  exe[n] = '\0';
  return basename_of(exe) == "bwrap";
}

std::string usage() { return cloister::manual::help_text(cloister::manual::page("cloister")); }

}  // namespace

int main(int argc, char** argv) {
  cloister::init::remember_environment(environ);
  std::vector<std::string> args(argv + 1, argv + argc);
  if (invoked_as_bwrap(argv[0])) return cloister::cli::bwrap_command(args, argv[0]);
  if (basename_of(argv[0]) == "cloister-oci") return cloister::cli::oci_command(args);
  if (args.empty()) {
    std::fputs(usage().c_str(), stderr);
    return 2;
  }
  const std::string sub = args.front();
  args.erase(args.begin());
  if (sub == "run") return cloister::cli::run_command(args);
  if (sub == "bwrap") return cloister::cli::bwrap_command(args, "cloister bwrap");
  if (sub == "explain") return cloister::cli::explain_command(args);
  if (sub == "check") return cloister::cli::check_command(args);
  if (sub == "learn") return cloister::cli::learn_command(args);
  if (sub == "supervise") return cloister::cli::supervise_command(args);
  if (sub == "oci") return cloister::cli::oci_command(args, "cloister oci");
  if (sub == "--help" || sub == "-h" || sub == "help") {
    std::fputs(usage().c_str(), stdout);
    return 0;
  }
  if (sub == "--version") return cloister::cli::version_command();
  std::fprintf(stderr, "cloister: unknown command %s\nTry 'cloister --help'.\n",
               cloister::quote(sub).c_str());
  return 2;
}
