// Sandbox modes and cloister run's defaults, tried for real: the launcher starts /usr/bin/true
// in each, in a throwaway child, exactly as `cloister run OPTIONS -- /usr/bin/true` would.
#include <fcntl.h>
#include <unistd.h>

#include <cstring>

#include "check/report.hpp"
#include "check/trial.hpp"
#include "plan/plan.hpp"
#include "policy/cli.hpp"
#include "process/launcher.hpp"

namespace cloister::check {
namespace {

Attempt launch_attempt(const std::vector<std::string>& options) {
  const int null = ::open("/dev/null", O_RDWR);
  if (null >= 0) ::dup2(null, 0), ::dup2(null, 1), ::dup2(null, 2);
  std::vector<std::string> args = options;
  args.insert(args.end(), {"--", "/usr/bin/true"});
  auto parsed = cli::parse(args, cli::Dialect::Run);
  if (!parsed) return Attempt{EINVAL, parsed.error().message(), ""};
  auto plan = resolve(parsed->policy, current_caller());
  if (!plan)
    return Attempt{plan.error().err ? plan.error().err : EINVAL, plan.error().message(), ""};
  plan->close_inherited = false;  // the attempt's report pipe stays open
  const Outcome outcome = launch(*plan);
  if (outcome.error)
    return Attempt{outcome.error->err ? outcome.error->err : EINVAL, outcome.error->message(), ""};
  if (outcome.exit_code != 0)
    return Attempt{EINVAL, "/usr/bin/true exited " + std::to_string(outcome.exit_code), ""};
  std::string notes;
  for (const auto& n : outcome.notices) notes += (notes.empty() ? "" : "; ") + n;
  return Attempt{0, "", notes};
}

const Row* find(const std::vector<Row>& rows, const std::string& id) {
  for (const auto& r : rows)
    if (r.id == id) return &r;
  return nullptr;
}

// The first failing kernel row among `causes` gives the fix.
std::string fix_from(const std::vector<Row>& kernel, const std::vector<const char*>& causes) {
  for (const char* id : causes)
    if (const Row* r = find(kernel, id); r && !r->ok)
      return r->fix.empty() ? "see '" + r->what + "' above: " + r->reason : r->fix;
  return "";
}

struct Trial {
  const char* id;
  const char* what;
  std::vector<std::string> options;
  std::vector<const char*> causes;
};

}  // namespace

std::vector<Row> try_modes(const std::vector<Row>& kernel) {
  const std::vector<Trial> trials = {
      {"mode-namespace",
       "namespace mode: cloister run's defaults (every namespace, the default "
       "root, the default seccomp filter, --net=none)",
       {},
       {"user-namespace", "namespace-mount", "namespace-net", "mount-api"}},
      {"mode-chroot",
       "chroot mode (--sandbox=chroot --ro-bind / /)",
       {"--sandbox=chroot", "--ro-bind", "/", "/"},
       {}},
      {"run-landlock",
       "Landlock rules (--landlock-exec /usr)",
       {"--landlock-exec", "/usr"},
       {"landlock"}},
      {"run-net-unix", "--net=unix", {"--net=unix"}, {"landlock"}},
      {"run-net-tcp", "--net=tcp", {"--net=tcp"}, {"landlock"}},
      {"run-net-pasta", "--net=pasta", {"--net=pasta"}, {"pasta", "dev-net-tun"}},
      {"run-cgroup",
       "cgroup limits (--pids-max 64)",
       {"--pids-max", "64"},
       {"cgroup-pids", "clone-into-cgroup"}},
  };
  std::vector<Row> rows;
  for (const auto& t : trials) {
    Row row{t.id, t.what, false, "", "", ""};
    const Attempt a = in_child([&t] { return launch_attempt(t.options); }, 20000);
    row.ok = a.ok();
    if (row.ok) {
      row.detail = a.note.empty() ? "/usr/bin/true ran" : "/usr/bin/true ran; " + a.note;
    } else {
      row.reason = a.step;
      row.fix = fix_from(kernel, t.causes);
      if (row.fix.empty() && std::strcmp(t.id, "mode-chroot") == 0 && a.err == EPERM)
        row.fix = "chroot needs CAP_SYS_CHROOT: root, or root of a container";
    }
    rows.push_back(row);
  }
  return rows;
}

Report run_checks() {
  Report report;
  report.uid = ::geteuid();
  report.kernel = probe_kernel();
  report.modes = try_modes(report.kernel);
  report.namespace_mode = find(report.modes, "mode-namespace")->ok;
  report.chroot_mode = find(report.modes, "mode-chroot")->ok;
  return report;
}

}  // namespace cloister::check
