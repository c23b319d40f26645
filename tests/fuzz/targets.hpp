// What the fuzz targets run on one input, and what every input must give beyond not crashing,
// hanging or growing memory (libFuzzer and the sanitizers watch for those): error messages
// of bounded size with no control character but the newlines between a profile's problems
// (nothing that could drive the terminal they are printed on), and, for an accepted
// profile, a program the BPF emulator runs to a verdict. Each returns what went wrong, or
// an empty string. Shared by the libFuzzer targets and the unit test that replays
// tests/fuzz/regressions/ in every build.
#pragma once

#include <fcntl.h>
#include <seccomp.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <charconv>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "policy/bwrap_words.hpp"
#include "policy/cli.hpp"
#include "policy/group_file.hpp"
#include "policy/profile.hpp"
#include "seccomp/emulator.hpp"
#include "seccomp/filter.hpp"

namespace cloister_fuzz {

inline std::string check_message(const std::string& message) {
  std::string shown;  // control characters as \ooo
  for (unsigned char c : message.substr(0, 2000)) {
    char buf[8];
    std::snprintf(buf, sizeof buf, c >= 0x20 && c != 0x7f ? "%c" : "\\%03o", c);
    shown += buf;
  }
  // 50 problems of at most a 4 KiB location and a short text each, plus the count.
  if (message.size() > 256 * 1024) return "error message larger than 256 KiB: " + shown;
  for (unsigned char c : message)
    if (c != '\n' && (c < 0x20 || c == 0x7f)) return "control character in: " + shown;
  return "";
}

inline std::string check_program(const cloister::seccomp::Program& program) {
  if (program.code.empty() || program.code.size() > BPF_MAXINSNS)
    return "compiled program of " + std::to_string(program.code.size()) + " instructions";
  for (int nr : {0, 1, 16, 41, 59, 101, 165, 317, 435, 1000}) {
    seccomp_data call{};
    call.nr = nr;
    call.arch = seccomp_arch_native();
    call.args[0] = 0x5401;
    call.args[1] = 0x5412;
    if (!cloister::seccomp::emulate(program.code, call).valid)
      return "compiled program gives no verdict for syscall " + std::to_string(nr);
  }
  return "";
}

// The profile loader, then the seccomp compiler for what it accepts.
inline std::string profile_input(const std::string& text) {
  cloister::Policy policy;
  auto loaded = cloister::profile::load_text(text, "fuzz.toml", policy);
  if (!loaded) return check_message(loaded.error().message());
  auto compiled = cloister::seccomp::compile(policy.seccomp, {.binary_tree = true, .count = false});
  if (!compiled) return check_message(compiled.error().message());
  return check_program(compiled->program);
}

// What a group the loader accepts must hold: services in an order that starts each after
// those it names, ids from the ranges (each uid once), a command each, bounded settings.
inline std::string check_group(const cloister::group::Group& g) {
  if (g.services.empty()) return "a group without services";
  std::set<std::string> started;
  std::set<uid_t> uids;
  for (const auto& s : g.services) {
    for (const auto& after : s.after)
      if (!started.count(after)) return "service " + s.name + " starts before " + after;
    if (!started.insert(s.name).second) return "service " + s.name + " twice";
    if (s.policy.argv.empty() || s.policy.argv[0].empty()) return s.name + ": no command";
    if (g.uids.has_value() != s.uid.has_value()) return s.name + ": a uid without a range";
    if (s.uid && (!g.uids->contains(*s.uid) || !uids.insert(*s.uid).second))
      return s.name + ": uid " + std::to_string(*s.uid) + " outside the range or taken";
    if (s.gid && (!g.gids || !g.gids->contains(*s.gid))) return s.name + ": gid outside";
    if (s.stop_signal < 1 || s.stop_signal > 64) return s.name + ": stop signal";
    if (s.ready.kind == cloister::group::Readiness::Kind::Fd && s.ready.fd < 3)
      return s.name + ": ready fd";
    if (s.restart_delay_max_ms < s.restart_delay_ms) return s.name + ": restart delays";
  }
  return "";
}

// The group file loader; for a group it accepts, its invariants, and the seccomp compiler
// for its first service's profile.
inline std::string group_input(const std::string& text) {
  auto loaded = cloister::group::load_text(text, "fuzz.toml");
  if (!loaded) return check_message(loaded.error().message());
  if (auto problem = check_group(*loaded); !problem.empty()) return problem;
  const auto& seccomp = loaded->services.front().policy.seccomp;
  auto compiled = cloister::seccomp::compile(seccomp, {.binary_tree = true, .count = false});
  if (!compiled) return check_message(compiled.error().message());
  return check_program(compiled->program);
}

// Whether reading the descriptor named by `text` reaches an end: closed, /dev/null, or a
// regular file or directory.
inline bool ends(const std::string& text) {
  int fd = -1;
  if (std::from_chars(text.data(), text.data() + text.size(), fd).ec != std::errc{}) return true;
  struct stat st {};
  if (::fstat(fd, &st) != 0) return true;
  return S_ISREG(st.st_mode) || S_ISDIR(st.st_mode) ||
         (S_ISCHR(st.st_mode) && st.st_rdev == ::makedev(1, 3));
}

// The command line: the first byte picks the dialect ('b': cloister bwrap, anything else:
// cloister run), the rest are arguments separated by NUL bytes, as argv holds them.
inline std::string cli_input(const std::string& data) {
  if (data.empty()) return "";
  const auto dialect = data[0] == 'b' ? cloister::cli::Dialect::Bwrap : cloister::cli::Dialect::Run;
  std::vector<std::string> args(1);
  for (std::size_t i = 1; i < data.size(); ++i) {
    if (data[i] == '\0')
      args.emplace_back();
    else
      args.back().push_back(data[i]);
  }
  // --args FD reads FD to its end. The descriptors this process inherited (a terminal, a
  // pipe whose writer lives on) may never end: that is the caller's choice, not input.
  for (std::size_t i = 0; i + 1 < args.size(); ++i)
    if (args[i] == "--args" && !ends(args[i + 1])) return "";
  auto parsed = cloister::cli::parse(args, dialect);
  if (parsed) return "";
  if (dialect == cloister::cli::Dialect::Bwrap) {
    // What `cloister bwrap` prints: bubblewrap's words where it has them.
    auto problem = check_message(cloister::cli::bwrap_message(parsed.error()));
    if (!problem.empty()) return problem;
  }
  return check_message(parsed.error().message());
}

}  // namespace cloister_fuzz
