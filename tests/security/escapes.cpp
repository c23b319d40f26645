// The escape suite: every attempt of tests/security/attack.cpp, run inside `cloister run` with
// the default sandbox and with a shipped strict profile, must fail; each weakened sandbox
// listed with an attempt must give the verdict written there, which shows that the mechanism
// named in docs/escape-tests.md is what stops the attempt (and that the test can tell an
// escape when one happens).
//
//   escapes ATTACK_BINARY PROFILE_DIR DEFAULT_PROFILE [NAME-SUBSTRING]
//
// cloister is CLOISTER_TEST_BIN (or the build's). Prints one line per run and, last,
// "N passed, M failed, K skipped"; exits 1 when anything failed (or the fixture could not be
// set up), 77 when every attempt was skipped. Where the kernel refuses namespace sandboxes,
// only the chroot mode attempts run.
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <netinet/in.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <functional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "attempts.hpp"

namespace cloister_sec {

const char* name_of(Verdict v) {
  return v == Verdict::Blocked ? "blocked" : v == Verdict::Escaped ? "ESCAPED" : "inconclusive";
}

namespace {

using cloister_it::RunResult;

class Suite {
 public:
  Suite(Paths paths, std::string filter) : paths_(std::move(paths)), filter_(std::move(filter)) {}

  void run(const std::vector<Attempt>& attempts) {
    for (const auto& attempt : attempts) {
      if (!filter_.empty() && attempt.name.find(filter_) == std::string::npos) continue;
      if (!attempt.only_root.empty() && !cloister_it::is_root()) {
        skip(attempt.name, attempt.only_root);
        continue;
      }
      // Every attempt but chroot mode's runs in a namespace sandbox.
      if (!attempt.chroot_mode && !cloister_it::namespaces_refused().empty()) {
        say_once_why_namespaces_are_refused();
        skip(attempt.name, "runs in a namespace sandbox, which the kernel refuses here (above)");
        continue;
      }
      if (const auto why = attempt.unavailable(); !why.empty()) {
        skip(attempt.name, why);
        continue;
      }
      expect(attempt, "default", default_argv(attempt), Verdict::Blocked);
      expect(attempt, "strict profile", strict_argv(attempt), Verdict::Blocked);
      for (const auto& w : attempt.weaker) {
        if ((w.root_only && !cloister_it::is_root()) || (w.nobody_only && cloister_it::is_root()))
          continue;
        expect(attempt, "weaker: " + w.label, weaker_argv(attempt, w), w.expected);
      }
    }
  }

  // 77 (ctest's skip) when every attempt was skipped: nothing of the suite could run here.
  int summary() const {
    std::printf("%d passed, %d failed, %d skipped\n", passed_, failed_, skipped_);
    if (passed_ == 0 && failed_ == 0 && skipped_ > 0) return 77;
    return failed_ == 0 ? 0 : 1;
  }

 private:
  Argv attack_command(const Attempt& a, const std::string& binary) {
    Argv argv = {binary, a.attack};
    const Argv args = a.args(fixture_);
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  }

  Argv with(Argv head, const Argv& more) {
    head.insert(head.end(), more.begin(), more.end());
    return head;
  }

  Argv default_argv(const Attempt& a, const Argv& extra = {}, bool own_options = true) {
    if (a.chroot_mode)
      return with(with({cloister_it::kCloister, "run", "--sandbox=chroot", "--bind",
                        fixture_.jail(), "/"},
                       with(a.options(fixture_), extra)),
                  with({"--"}, attack_command(a, "/attack")));
    Argv argv = {cloister_it::kCloister, "run", "--profile", paths_.default_profile, "--ro-bind",
                 paths_.attack, kInside};
    argv = with(argv, with(own_options ? a.options(fixture_) : Argv{}, extra));
    return with(with(argv, {"--"}), attack_command(a, kInside));
  }

  Argv strict_argv(const Attempt& a) {
    if (a.chroot_mode)
      return with(with({cloister_it::kCloister, "run", "--profile", "virtiofsd", "--sandbox=chroot",
                        "--bind", fixture_.jail(), "/"},
                       a.options(fixture_)),
                  with({"--"}, attack_command(a, "/attack")));
    Argv argv = {cloister_it::kCloister, "run", "--profile", "untrusted-parser", "--ro-bind",
                 paths_.attack, kInside, "--landlock-exec", kInside};
    argv = with(argv, a.options(fixture_));
    return with(with(argv, {"--"}), attack_command(a, kInside));
  }

  Argv weaker_argv(const Attempt& a, const Weaker& w) {
    if (w.bwrap)
      return with({cloister_it::kCloister, "bwrap", "--ro-bind", "/", "/", "--proc", "/proc",
                   "--dev", "/dev"},
                  attack_command(a, paths_.attack));
    return default_argv(a, w.options(fixture_), !w.replaces);
  }

  RunResult launch(const Attempt& a, const Argv& argv) {
    cloister_it::RunOptions options;
    options.env = fixture_.environment();
    options.timeout = std::chrono::milliseconds(30000);
    options.fds = fixture_.inherited();
    if (!a.on_terminal) return cloister_it::run(argv, options);
    Pty pty = open_pty();
    options.stdin_fd = pty.slave.get();
    return cloister_it::run(with({"/usr/bin/setsid", "--wait", "--ctty"}, argv), options);
  }

  Verdict judge(const Attempt& a, const RunResult& r, std::string& why) {
    std::string host = a.host_check(fixture_);
    if (const auto damage = fixture_.host_damage(); !damage.empty())
      host += (host.empty() ? "" : "; ") + damage;
    for (const auto& token : fixture_.tokens())
      if (r.out.find(token) != std::string::npos || r.err.find(token) != std::string::npos)
        host += (host.empty() ? "" : "; ") + std::string("a secret token was printed");
    std::string escapes, blocks;
    for (const auto& line : cloister_it::lines_of(r.out)) {
      if (line.rfind("escaped: ", 0) == 0) escapes += (escapes.empty() ? "" : "; ") + line.substr(9);
      if (line.rfind("blocked: ", 0) == 0) blocks += (blocks.empty() ? "" : "; ") + line.substr(9);
    }
    if (!host.empty() || !escapes.empty()) {
      why = host + (host.empty() || escapes.empty() ? "" : "; ") + escapes;
      return Verdict::Escaped;
    }
    if (r.term_signal == SIGSYS || r.exit_code == 128 + SIGSYS) {
      why = "killed by the seccomp filter (SIGSYS)";
      return Verdict::Blocked;
    }
    if (a.killed_is_blocked && r.term_signal == 0 && r.exit_code == 128 + SIGKILL) {
      why = "killed by SIGKILL (a limit's OOM kill)" + (blocks.empty() ? "" : "; " + blocks);
      return Verdict::Blocked;
    }
    if (a.refusal_is_blocked && r.exit_code == 125) {
      why = "cloister refused to set the sandbox up: " + r.err.substr(0, r.err.find('\n'));
      return Verdict::Blocked;
    }
    if (!blocks.empty()) {
      why = blocks;
      return Verdict::Blocked;
    }
    why = "no verdict: " + r.describe();
    return Verdict::Inconclusive;
  }

  void expect(const Attempt& a, const std::string& config, const Argv& argv, Verdict expected) {
    fixture_.before_run();
    a.prepare(fixture_);
    const RunResult r = launch(a, argv);
    std::string why;
    const Verdict got = judge(a, r, why);
    const std::string who = cloister_it::is_root() ? "root" : "uid " + std::to_string(::getuid());
    const bool ok = got == expected && !r.timed_out;
    (ok ? passed_ : failed_)++;
    std::printf("%s %s [%s, %s]: %s (%s)\n", ok ? "PASS" : "FAIL", a.name.c_str(), config.c_str(),
                who.c_str(), name_of(got), why.substr(0, 600).c_str());
    if (!ok) std::printf("     expected %s; command: %s\n", name_of(expected), join(argv).c_str());
    std::fflush(stdout);
  }

  // The kernel's answer and cloister's, once: every skipped attempt refers to it.
  void say_once_why_namespaces_are_refused() {
    if (said_why_refused_) return;
    said_why_refused_ = true;
    std::printf("SKIP the attempts in namespace sandboxes: %s\n",
                cloister_it::namespaces_refused().c_str());
  }

  void skip(const std::string& name, const std::string& why) {
    ++skipped_;
    std::printf("SKIP %s: %s\n", name.c_str(), why.c_str());
  }

  static std::string join(const Argv& argv) {
    std::string out;
    for (const auto& a : argv) out += (out.empty() ? "" : " ") + a;
    return out;
  }

  static constexpr const char* kInside = "/run/attack";
  Paths paths_;
  std::string filter_;
  Fixture fixture_{paths_};
  int passed_ = 0, failed_ = 0, skipped_ = 0;
  bool said_why_refused_ = false;
};

}  // namespace
}  // namespace cloister_sec

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: escapes ATTACK_BINARY PROFILE_DIR DEFAULT_PROFILE [FILTER]\n");
    return 2;
  }
  using namespace cloister_sec;
  ::setenv("CLOISTER_PROFILE_PATH", argv[2], 1);
  // Caught here so that the stack unwinds: the fixture's processes are ended and its
  // directory removed also when setting it up or a run fails.
  try {
    Suite suite(Paths{argv[1], argv[2], argv[3]}, argc > 4 ? argv[4] : "");
    suite.run(all_attempts());
    return suite.summary();
  } catch (const std::exception& e) {
    std::printf("FAIL: %s\n", e.what());
    return 1;
  }
}
