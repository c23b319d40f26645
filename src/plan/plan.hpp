// Plan: the ordered, fully resolved steps of one sandbox. Built in the parent (where host
// paths are resolved and file contents read); the child only walks it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "cloister/error.hpp"
#include "cloister/policy.hpp"
#include "plan/cgroup_plan.hpp"
#include "plan/pasta_spec.hpp"
#include "seccomp/filter.hpp"

namespace cloister {

namespace step {

// Host source (absolute, symlinks resolved in the parent) mounted on dest. The child checks
// that what it mounts is still the inode the parent resolved (dev/ino), so a path swapped in
// between cannot redirect the bind.
struct Bind {
  std::string source;
  std::string dest;
  bool read_only = false;
  bool devices = false;  // --dev-bind: no MS_NODEV
  bool source_is_dir = true;
  dev_t dev = 0;
  ino_t ino = 0;
  std::string option = "--bind";  // for messages
  bool noexec = false;
};
struct RemountRo {
  std::string dest;
  bool bind_first = false;  // not a mount point: bound onto itself first (FsOp ReadOnlyPath)
};
struct Tmpfs {
  std::string dest;
  mode_t mode = 0755;
  std::optional<std::uint64_t> size;
  bool read_only = false;
  bool noexec = false;
};
struct Proc {
  std::string dest;
  // The sandbox shares the host's PID namespace: where the kernel refuses a new procfs for it
  // (inside a user namespace that does not own that PID namespace), the host's /proc is
  // bound instead, as bubblewrap does. Never with a PID namespace of the sandbox's own.
  bool host_pid_namespace = false;
  bool knobs_read_only = true;  // /proc/sys, sysrq-trigger, irq, bus (FsOp::proc_knobs_writable)
};
struct Dev {
  std::string dest;
  std::string console;  // the caller's terminal (ttyname of stdin), bound as DEST/console
  std::optional<std::uint64_t> size;  // of its tmpfs (OCI's /dev mount options)
};
struct Mqueue {
  std::string dest;
};
struct Sysfs {
  std::string dest;
  bool read_only = true;
};
struct CgroupFs {
  std::string dest;
  bool read_only = true;
  // The sandbox's cgroup is v1 (a hybrid host): a tmpfs on dest holding one v1 mount per
  // hierarchy the sandbox has a directory in, as {directory name, controllers}; seen from
  // the sandbox's cgroup namespace, each shows the sandbox's own cgroup as its root.
  std::vector<std::pair<std::string, std::string>> v1;
};
struct Dir {
  std::string dest;
  mode_t mode = 0755;
};
struct Symlink {
  std::string target;
  std::string dest;
};
struct File {
  std::string dest;
  std::string data;  // read from the caller's fd while planning
  mode_t mode = 0666;
};
struct BindData {
  std::string dest;
  std::string data;
  mode_t mode = 0600;
  bool read_only = false;
};
struct Chmod {
  std::string path;
  mode_t mode = 0;
};
struct LockFile {
  std::string dest;
};
// Make the whole new root read-only once built (cloister's default root).
struct SealRoot {};

}  // namespace step

using FsStep = std::variant<step::Bind, step::RemountRo, step::Tmpfs, step::Proc, step::Dev,
                            step::Mqueue, step::Dir, step::Symlink, step::File, step::BindData,
                            step::Chmod, step::LockFile, step::SealRoot, step::Sysfs,
                            step::CgroupFs>;

// "ro-bind /usr -> /usr", "tmpfs /tmp", ...: how steps are named in errors and `explain`.
std::string describe(const FsStep& s);

struct IdMaps {
  std::string uid_map;  // contents for /proc/PID/uid_map
  std::string gid_map;
  // Maps naming ids other than the caller's own need CAP_SETUID/CAP_SETGID in the parent
  // user namespace, so the parent writes them; otherwise the child maps itself (no round
  // trip) after denying setgroups, as the kernel requires for unprivileged gid maps.
  bool written_by_parent = false;
  bool deny_setgroups = true;
  // With ranges the child's own host ids may not be mapped at all: it switches to these
  // (inside) ids once the maps exist, so files it creates have a mapped owner.
  uid_t switch_uid = 0;
  gid_t switch_gid = 0;
  // Supplementary groups after the switch (Identity::groups); none when empty.
  std::vector<gid_t> groups;
  // Root's sandbox mapped onto an unprivileged host id (Identity::root_maps_onto): said by
  // explain, with how to keep host root instead.
  bool root_onto_unprivileged = false;
};

struct ChrootPlan {
  std::string root;               // host directory to chroot into
  std::vector<std::string> lost;  // protections this mode cannot give, said on stderr
  // The sandbox's filters plus mount, umount2, pivot_root and chroot denied: without a
  // mount namespace those are what would undo the chroot.
  std::vector<seccomp::Program> seccomp;
  // Root's sandbox without a user namespace runs under these real host ids (setresuid):
  // root's sandbox is not host root unless the policy keeps it.
  std::optional<IdMaps> switch_ids;
};

struct Plan {
  SandboxMode mode = SandboxMode::Namespace;
  std::uint64_t clone_flags = 0;  // CLONE_NEW* created by clone3
  bool user_ns_optional = false;  // retry without CLONE_NEWUSER when refused
  bool cgroup_ns_optional = false;
  int userns_fd = -1;
  int pidns_fd = -1;
  std::vector<Namespaces::Join> joins;  // entered after the user namespace, before the root
  IdMaps ids;
  std::optional<std::string> hostname;
  std::vector<FsStep> fs;
  // fs[fs_user_begin, fs_user_end) come from the user's options; the rest is cloister's
  // default view (`cloister run` without --empty-root), for explain.
  std::size_t fs_user_begin = 0;
  std::size_t fs_user_end = 0;
  std::vector<std::string> fs_replaced;  // default-view steps a user option replaced
  std::vector<std::string> skipped;      // -try binds whose source is missing

  // Namespace mode falls back to this (SandboxMode::Auto), or it is the mode (Chroot).
  std::optional<ChrootPlan> chroot;
  std::string chroot_unavailable;  // Auto mode: why chroot cannot serve as the fallback

  bool init_is_pid1 = false;  // cloister's init runs COMMAND as its child
  std::vector<std::string> argv;
  std::string exec_path;  // argv[0] before --argv0 replaced it
  std::vector<std::string> env;
  ExecConventions exec;
  // ExecConventions::home_from_passwd and env has no HOME: the uid whose home in the
  // sandbox's /etc/passwd becomes HOME, looked up once the root is built.
  std::optional<uid_t> home_of_uid;
  std::string cwd;                 // chdir target inside the sandbox
  std::string cwd_fallback;        // $HOME, tried when `cwd` does not exist there (then "/")
  bool cwd_required = false;       // --chdir given: failure is an error, not a fallback to /
  std::uint64_t keep_caps = 0;     // bit n: capability n stays (bounding, permitted, ambient)
  bool keep_caps_if_held = false;  // bwrap's root rule: keep those of keep_caps still held
  // Policy::cap_sets: set exactly instead (keep_caps then says what COMMAND holds after exec).
  std::optional<CapabilitySets> cap_sets;
  // Root without a user namespace (the library's default for root): the process switches to
  // these real host ids in the privileges phase, keeping only keep_caps.
  std::optional<IdMaps> host_ids;
  bool caps_as_caller = false;  // and no --cap-add/--cap-drop: the caller's sets stay as are
  bool die_with_parent = false;
  pid_t expected_parent = 0;  // --die-with-parent: cloister itself dies with this process
  // --parent-pid / --parent-pidfd: the process cloister dies with, named by the caller and
  // checked to be cloister's parent (instead of expected_parent, getppid() when it started).
  pid_t parent_pid = 0;
  int parent_pidfd = -1;
  // --stop-timeout: how long after a SIGTERM, SIGINT or SIGHUP passed on to the sandbox it is
  // SIGKILLed if COMMAND has not exited. Unset: no deadline.
  std::optional<std::uint32_t> stop_timeout_ms;
  bool new_session = false;
  std::optional<ConsolePolicy> console;  // made in the privileges phase, before Landlock
  bool disable_userns = false;
  bool assert_userns_disabled = false;

  int json_status_fd = -1;
  bool exit_record_only_if_ran = false;  // bwrap: no "exit-code" when COMMAND never ran
  int info_fd = -1;
  int sync_fd = -1;
  int block_fd = -1;
  int userns_block_fd = -1;
  // Descriptors given to options (--bind-fd, --file, --args, --seccomp, --userns, ...): the
  // sandbox must not inherit them (an O_PATH fd of a bound directory leads to its parent).
  std::vector<int> close_before_exec;
  // cloister run: every inherited descriptor above 2 is closed before anything else, but
  // these (the options' own and --keep-fd); keep_fds reach COMMAND.
  bool close_inherited = false;
  std::vector<int> inherited_kept;
  std::vector<int> keep_fds;
  bool trace_setup = false;

  // Installed in this order, last of all before exec (cloister's compiled filter, the filters
  // of SeccompPolicy::stacked, then the ready programs of --seccomp / --add-seccomp-fd; one
  // that forbids seccomp(2) goes last, seccomp::order_for_install).
  std::vector<seccomp::Program> seccomp;
  std::optional<seccomp::Compiled> seccomp_summary;  // for explain
  std::vector<std::string> seccomp_stacked;  // the origin of each stacked filter, for explain
  // The filter is a base's program compiled at build time (no libseccomp at this start).
  bool seccomp_precompiled = false;
  // cloister learn: a user-notification filter installed after all of the above, its listener
  // sent over `socket_fd` to the supervisor before COMMAND runs (seccomp/notify.hpp).
  struct Learning {
    seccomp::Program program;
    int socket_fd = -1;
  };
  std::optional<Learning> learning;
  std::vector<RlimitSetting> rlimits;
  std::vector<std::pair<std::string, std::string>> sysctls;  // /proc/sys/..., after the root
  // The sandbox's own cgroup, when limits or --cgroup-parent are asked: its planned steps.
  std::optional<CgroupPlan> cgroup;
  std::optional<LandlockPolicy> landlock;
  int landlock_abi = 0;                          // the kernel's, probed while planning
  std::vector<std::string> landlock_unenforced;  // best effort: rights the kernel cannot enforce
  NetMode net = NetMode::Unset;
  std::string pasta_binary;  // --net=pasta
  std::vector<pasta::Forward> forwards;
  std::vector<std::string> notices;  // said on stderr before the sandbox starts
};

struct Caller {
  uid_t uid = 0;
  gid_t gid = 0;
  std::string cwd;
  pid_t parent = 0;  // cloister's parent when it started, for --die-with-parent
  // uid 0 of the host's own user namespace (an identity uid_map), not a container's root
  // that is already an unprivileged uid on the host.
  bool host_root = false;
};

Caller current_caller();

struct ResolveOptions {
  // Compile seccomp at run time with the rule list and figures (explain); otherwise a
  // built-in base with nothing added uses its precompiled programs.
  bool summary = false;
  // The library: the plan confines the calling process itself (no COMMAND, environment or
  // init; the working directory "/" unless chdir; root may switch to host ids without a user
  // namespace). What only a launched COMMAND can have is an error.
  bool in_process = false;
};

// Policy -> Plan, or an error naming the option and why. Reads the host (realpath of bind
// sources, contents of --file fds) but changes nothing.
Result<Plan> resolve(const Policy& policy, const Caller& caller,
                     const ResolveOptions& options = {});

}  // namespace cloister
