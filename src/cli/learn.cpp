#include <sched.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "cli/commands.hpp"
#include "learn/grants.hpp"
#include "learn/profile_writer.hpp"
#include "learn/session.hpp"
#include "manual/manual.hpp"
#include "plan/plan.hpp"
#include "policy/cli.hpp"
#include "policy/subcommands.hpp"
#include "process/launcher.hpp"

namespace cloister::cli {
namespace {

std::string command_line(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) {
    const bool plain = !a.empty() && a.find_first_of(" \t'\"\\$;&|<>()*?") == std::string::npos;
    out += (out.empty() ? "" : " ") + (plain ? a : "'" + a + "'");
  }
  return out;
}

Status write_atomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text;
    out.close();
    if (!out) return Error{"learn", "write", tmp, errno, ""};
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return Error{"learn", "rename", path, err, ""};
  }
  return ok_status();
}

int print_outcome(const Outcome& outcome) {
  for (const auto& n : outcome.notices) std::fprintf(stderr, "cloister: %s\n", n.c_str());
  if (outcome.error) std::fprintf(stderr, "cloister: %s\n", outcome.error->message().c_str());
  return outcome.exit_code;
}

void summary(const learn::Recording& r, const learn::ProfileText& p, const std::string& file) {
  const auto g = learn::grants_for(r.paths);
  std::fprintf(stderr,
               "cloister learn: wrote %s: %zu syscalls allowed (%llu calls observed), "
               "Landlock %zu read / %zu write / %zu exec grants\n"
               "cloister learn: the profile is only as complete as this run: what it did not do "
               "is refused under it (more runs: --append)\n",
               file.c_str(), p.allowed, static_cast<unsigned long long>(r.notifications),
               g.read.size(), g.write.size(), g.exec.size());
}

}  // namespace

int learn_command(const std::vector<std::string>& args) {
  auto options = parse_learn(args);
  if (!options) {
    std::fprintf(stderr, "cloister: %s\nTry 'cloister learn --help'.\n",
                 options.error().message().c_str());
    return kExitUsage;
  }
  if (options->help) {
    std::fputs(manual::help_text(manual::page("cloister-learn")).c_str(), stdout);
    return 0;
  }
  auto parsed = parse(options->run_args, Dialect::Run);
  if (!parsed) {
    std::fprintf(stderr, "cloister: %s\n", parsed.error().message().c_str());
    return kExitUsage;
  }
  learn::Recording recording;
  learn::LearnedIn in;
  if (options->append) {
    auto st = learn::load_previous(options->output, recording, in.previous);
    if (!st) {
      std::fprintf(stderr, "cloister: --append: %s\n", st.error().message().c_str());
      return kExitUsage;
    }
  }
  auto plan = resolve(parsed->policy, current_caller());
  if (!plan) {
    std::fprintf(stderr, "cloister: %s\n", plan.error().message().c_str());
    return plan.error().err == 0 ? kExitUsage : kExitSetupFailed;
  }
  for (const auto& notice : plan->notices) std::fprintf(stderr, "cloister: %s\n", notice.c_str());
  in.mode = parsed->policy.net;
  in.private_network = (plan->clone_flags & CLONE_NEWNET) && plan->mode != SandboxMode::Chroot;
  in.base = parsed->policy.seccomp.base;
  const std::uint64_t before = recording.notifications;
  auto code = learn::run_learning(std::move(*plan), recording, print_outcome);
  if (!code) {
    std::fprintf(stderr, "cloister: %s\n", code.error().message().c_str());
    return kExitSetupFailed;
  }
  if (recording.notifications == before) {
    std::fprintf(stderr, "cloister learn: COMMAND never ran: no profile written\n");
    return *code;
  }
  const auto profile = learn::profile_text(recording, in, command_line(parsed->policy.argv));
  auto written = write_atomically(options->output, profile.text);
  if (!written) {
    std::fprintf(stderr, "cloister: %s\n", written.error().message().c_str());
    return kExitSetupFailed;
  }
  summary(recording, profile, options->output);
  return *code;
}

}  // namespace cloister::cli
