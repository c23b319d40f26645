// `cloister check`: what this kernel and this caller can use, each row found by trying it,
// with the reason and the one-line fix where it is missing; then which sandbox modes and
// which `cloister run` defaults work for this caller.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace cloister::check {

struct Row {
  std::string id;    // stable name for scripts: "user-namespace", "landlock", ...
  std::string what;  // for people: "user namespaces (this caller)"
  bool ok = false;
  std::string detail;  // what works, or what the attempt found ("ABI 7: ...")
  std::string reason;  // why not: the step, its errno and the cause
  std::string fix;     // one line, where something common stands in the way
};

struct Report {
  uid_t uid = 0;
  std::vector<Row> kernel;  // mechanisms
  std::vector<Row> modes;   // sandbox modes and cloister run's defaults, tried for real
  bool namespace_mode = false;
  bool chroot_mode = false;
  // Non-zero only when not even chroot mode can run.
  int exit_code() const { return namespace_mode || chroot_mode ? 0 : 1; }
};

// The mechanisms (probes.cpp) and the modes (modes.cpp).
std::vector<Row> probe_kernel();
std::vector<Row> try_modes(const std::vector<Row>& kernel);

// What `cloister --version` shows of this kernel: Landlock and its ABI, seccomp user
// notification, clone3 with pidfd, clone3 into a cgroup (the rows of probe_kernel with those
// ids, tried the same way).
std::vector<Row> probe_version_features();

Report run_checks();
// Rows as report_text shows them: "  yes  what", then detail, why and fix, indented.
std::string rows_text(const std::vector<Row>& rows);
std::string report_text(const Report& report);
std::string report_json(const Report& report);

}  // namespace cloister::check
