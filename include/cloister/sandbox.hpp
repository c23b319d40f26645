// libcloister's C++ API: a daemon confines itself, in phases, when it is ready.
//
//   auto sandbox = cloister::Sandbox::from_profile_file("/etc/mydaemon/sandbox.toml");
//   if (!sandbox) die(sandbox.error().message());
//   Status s = sandbox->compile();             // allocates, reads the host, compiles seccomp
//   int dir = *sandbox->open("/srv/data", O_PATH | O_DIRECTORY);  // kept through it all
//   s = sandbox->enter_namespaces();           // user, mount, network, IPC, UTS namespaces
//   pid_t pid = *sandbox->daemonize("/run/mydaemon.pid");  // optional: 0 in the daemon
//   s = sandbox->enter_filesystem();           // pivot_root (or chroot) into the new root
//   s = sandbox->drop_privileges();            // descriptors, rlimits, Landlock, ids, caps, nnp
//   // ... open what the main loop needs ...
//   s = sandbox->apply_seccomp();              // last, on every thread
//
// The phases run once each, in this order; one out of order or twice is an error that says
// so. The steps are cloister run's own (one step engine): the same profile confines the same
// way under `cloister run` and here. A failed phase may have applied part of its steps
// (changing a process cannot be rolled back): every later phase then refuses, and the
// daemon should exit.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cloister/error.hpp"
#include "cloister/export.hpp"
#include "cloister/policy.hpp"

namespace cloister {

enum class Phase : std::uint8_t {
  Created,     // a policy, not yet compiled
  Compiled,    // a plan: every allocation, host lookup and seccomp compilation done
  Namespaces,  // in its namespaces (none in chroot mode)
  Filesystem,  // in its root
  Privileges,  // descriptors closed, limits, Landlock, ids, capabilities, no_new_privs
  Seccomp,     // filters installed: fully confined
};

CLOISTER_API const char* phase_name(Phase phase);

class CLOISTER_API Sandbox {
 public:
  // An empty policy: no namespaces beyond mount (and user, for an unprivileged caller), an
  // empty root, cloister's default seccomp denylist.
  Sandbox();
  explicit Sandbox(Policy policy);
  // A profile (the TOML of `cloister run --profile`), errors as FILE:LINE:COLUMN.
  static Result<Sandbox> from_profile_file(const std::string& path);
  static Result<Sandbox> from_profile_text(const std::string& text, const std::string& name);
  Sandbox(Sandbox&&) noexcept;
  Sandbox& operator=(Sandbox&&) noexcept;
  ~Sandbox();

  // The policy, to change in code before compile(); profiles may be loaded on top.
  Policy& policy();
  Status load_profile_file(const std::string& path);
  Status load_profile_text(const std::string& text, const std::string& name);

  // Handles opened before confinement and kept through it (every other descriptor above 2 is
  // closed in the privileges phase). open() is openat(AT_FDCWD, path, flags | O_CLOEXEC);
  // the descriptor is the caller's. Both work until the privileges phase.
  Result<int> open(const std::string& path, int flags, mode_t mode = 0);
  Status keep(int fd);

  Status compile();
  // Before the process starts threads: the kernel refuses a new user namespace to a process
  // with several (seccomp, later, reaches every thread).
  Status enter_namespaces();
  // passt's way: the PID file written with the PID the caller sees, then a new PID
  // namespace (when the policy has one) whose PID 1 is the daemon; setsid, stdio on
  // /dev/null, SIGTERM/SIGQUIT/SIGINT end it with status 0. Returns 0 in the daemon; in the
  // calling process the daemon's PID, once the daemon has finished apply_seccomp(), or the
  // error of the phase that failed in the daemon. Between enter_namespaces() and
  // enter_filesystem(). Without it a PID namespace is refused: a process cannot enter a new
  // one itself, only its children are born there.
  Result<pid_t> daemonize(const std::string& pid_file);
  Status enter_filesystem();
  Status drop_privileges();
  Status apply_seccomp();
  // The phases not yet applied, in order (not daemonize).
  Status confine();

  Phase phase() const;
  // What is in effect: Namespace, or Chroot (asked for, or auto's fallback).
  SandboxMode mode() const;
  // What the sandbox could not give and said it would do without (auto's fallback, best-effort
  // Landlock): for the daemon to log.
  const std::vector<std::string>& notices() const;

 private:
  struct State;
  Status run_phase(Phase phase, Status (*steps)(State&));
  std::unique_ptr<State> state_;
};

}  // namespace cloister
