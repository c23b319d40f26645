// Build-time generator: writes the man pages and the shell completions from the manual's data
// (src/manual/), the same data --help prints, so the three cannot disagree.
//
//   gen_docs OUTDIR VERSION PROFILES_DIR INSTALLED_PROFILES_DIR
//
// OUTDIR/man/manSECTION/NAME.SECTION for every page; OUTDIR/completions/cloister (bash) and
// OUTDIR/completions/_cloister (zsh). PROFILES_DIR holds the shipped profiles (their names are
// offered for --profile); INSTALLED_PROFILES_DIR is where they are installed, looked in at
// completion time for profiles added there since.
#include <seccomp.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "kernel/capability_names.hpp"
#include "manual/completion.hpp"
#include "manual/manual.hpp"
#include "seccomp/tables.hpp"

namespace {

namespace fs = std::filesystem;
using cloister::manual::CompletionWords;

bool write(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  out.close();
  if (!out) {
    std::fprintf(stderr, "gen_docs: cannot write %s\n", path.c_str());
    return false;
  }
  return true;
}

std::vector<std::string> profile_names(const fs::path& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.path().extension() == ".toml") names.push_back(entry.path().stem().string());
  if (ec) std::fprintf(stderr, "gen_docs: %s: %s\n", dir.c_str(), ec.message().c_str());
  std::sort(names.begin(), names.end());
  return names;
}

// The native architecture's syscalls, by number, as libseccomp names them.
std::vector<std::string> syscall_names() {
  std::vector<std::string> names;
  for (int nr = 0; nr < 1024; ++nr) {
    char* name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
    if (name) names.emplace_back(name);
    std::free(name);
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

std::vector<std::string> capability_names() {
  std::vector<std::string> names;
  for (int cap = 0; cap < 64; ++cap) {
    const auto name = cloister::caps::name_of(cap);
    if (name == "unknown") break;
    std::string upper = "CAP_";  // as capabilities(7) writes them, and --cap-add takes them
    for (char c : name) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    names.push_back(upper);
  }
  return names;
}

std::vector<std::string> group_names() {
  std::vector<std::string> names;
  for (const auto& g : cloister::seccomp::groups()) names.emplace_back(g.name);
  return names;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: gen_docs OUTDIR VERSION PROFILES_DIR INSTALLED_PROFILES_DIR\n");
    return 2;
  }
  const fs::path out = argv[1];
  const std::string version = argv[2];
  if (const auto conflicts = cloister::manual::argument_conflicts(); !conflicts.empty()) {
    std::fprintf(stderr, "gen_docs: options with different arguments on different pages: %s\n",
                 conflicts.c_str());
    return 1;
  }
  std::error_code ec;
  fs::create_directories(out / "completions", ec);
  bool ok = true;
  for (const auto& page : cloister::manual::pages()) {
    const std::string section = std::to_string(page.section);
    fs::create_directories(out / "man" / ("man" + section), ec);
    ok &= write(out / "man" / ("man" + section) / (page.name + "." + section),
                cloister::manual::roff(page, version));
  }
  CompletionWords words;
  words.profiles = profile_names(argv[3]);
  words.profile_dirs = {argv[4]};
  words.groups = group_names();
  words.syscalls = syscall_names();
  words.capabilities = capability_names();
  if (words.profiles.empty() || words.syscalls.empty() || words.capabilities.empty()) {
    std::fprintf(stderr, "gen_docs: no %s found\n",
                 words.profiles.empty()   ? "shipped profile"
                 : words.syscalls.empty() ? "syscall name"
                                          : "capability name");
    return 1;
  }
  ok &= write(out / "completions" / "cloister", cloister::manual::bash_completion(words));
  ok &= write(out / "completions" / "_cloister", cloister::manual::zsh_completion(words));
  return ok ? 0 : 1;
}
