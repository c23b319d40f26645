// Policy: plain data saying *what* a sandbox is. Front ends (command-line flags, profiles,
// the API) fill it in and nothing else; resolve() turns it into a Plan. The comments here are
// the reference for every knob: what it allows, which kernel interface it touches, its cost.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace cloister {

// How a namespace is requested. Try: create it when the kernel and caller allow, else run
// without it (bwrap's --unshare-user-try); reported by `explain`, never silent.
enum class Want : std::uint8_t { No, Yes, Try };

struct Namespaces {
  Want user = Want::No;         // CLONE_NEWUSER: unprivileged mounts; ids mapped (see IdMap)
  Want mount = Want::Yes;       // CLONE_NEWNS: always, the constructed root needs it
  Want pid = Want::No;          // CLONE_NEWPID: cloister's init is PID 1 (or COMMAND, --as-pid-1)
  Want net = Want::No;          // CLONE_NEWNET: only `lo`, brought up
  Want ipc = Want::No;          // CLONE_NEWIPC: private SysV IPC and POSIX message queues
  Want uts = Want::No;          // CLONE_NEWUTS: own hostname (--hostname)
  Want cgroup = Want::No;       // CLONE_NEWCGROUP: /proc/self/cgroup shows "/"
  int userns_fd = -1;           // --userns FD: join this user namespace instead of creating one
  int pidns_fd = -1;            // --pidns FD: join this PID namespace (before forking COMMAND)
  // Existing namespaces to enter (OCI linux.namespaces with a path): each joined with setns
  // after the user namespace is made or joined, instead of creating one of that type.
  struct Join {
    int fd = -1;    // an fd of /proc/PID/ns/TYPE or a bind mount of one
    int type = 0;   // CLONE_NEWNET, CLONE_NEWIPC, CLONE_NEWUTS, CLONE_NEWCGROUP
    std::string origin;  // where it was asked, for errors ("linux.namespaces[2]")
  };
  std::vector<Join> joins;
  bool disable_userns = false;  // nested user namespaces refused inside (needs user ns)
  bool assert_userns_disabled = false;  // fail unless creating a user namespace is refused
};

// One line of /proc/PID/uid_map or gid_map: ids [inside, inside+count) map to
// [outside, outside+count). Ranges other than the caller's own id need root.
struct IdRange {
  std::uint32_t inside = 0;
  std::uint32_t outside = 0;
  std::uint32_t count = 1;
};

struct Identity {
  std::optional<uid_t> uid;      // --uid: uid inside the user namespace (default: the caller's)
  std::optional<gid_t> gid;      // --gid
  std::vector<IdRange> uid_map;  // --uid-map INSIDE:OUTSIDE:COUNT (root only, repeatable)
  std::vector<IdRange> gid_map;  // --gid-map
  // A root caller's sandbox with no --uid-map/--gid-map: its ids map onto this unprivileged
  // host uid and gid (cloister run: 65534, nobody), so whatever leaks out of the sandbox is
  // reached as nobody, not as host root; the user namespace is then required. Unset: the
  // sandbox's ids are the caller's (bwrap's behaviour). Keeping host root is explicit:
  // --uid-map 0:0:1 --gid-map 0:0:1.
  std::optional<std::uint32_t> root_maps_onto;
  // A root caller's --uid/--gid are real host ids, and the sandbox has no user namespace
  // (cloister run --host-ids; every service of cloister supervise run by root): setresuid,
  // setgroups cleared, capabilities dropped. For those who count user namespaces as attack
  // surface (Spectrum). Needs a root caller in the host's user namespace.
  bool host_ids = false;
  // Supplementary groups COMMAND runs with (OCI additionalGids); empty: none, as always.
  std::vector<gid_t> groups;
};

// A filesystem operation, applied in the order given (bwrap's model). Paths in `dest` are
// inside the new root and are resolved without following a symlink out of it.
struct FsOp {
  enum class Kind : std::uint8_t {
    Bind,        // --bind SRC DEST: read-write bind of the host's SRC (recursive)
    RoBind,      // --ro-bind: read-only, submounts included (mount_setattr AT_RECURSIVE)
    DevBind,     // --dev-bind: like --bind, device nodes usable (no MS_NODEV)
    BindFd,      // --bind-fd FD DEST: bind what FD refers to (race-checked by dev/ino)
    RoBindFd,    // --ro-bind-fd FD DEST
    RemountRo,   // --remount-ro DEST: make DEST and its submounts read-only
    Tmpfs,       // --tmpfs DEST: fresh tmpfs (--size, --perms before it)
    Proc,        // --proc DEST: procfs of the sandbox's PID namespace
    Dev,         // --dev DEST: minimal /dev (null zero full random urandom tty, devpts, shm)
    Mqueue,      // --mqueue DEST: POSIX message queue filesystem
    Dir,         // --dir DEST: create a directory (--perms, default 0755)
    Symlink,     // --symlink TARGET DEST
    File,        // --file FD DEST: copy FD's contents into a new file
    BindData,    // --bind-data FD DEST: FD's contents bound onto DEST
    RoBindData,  // --ro-bind-data FD DEST
    Chmod,       // --chmod OCTAL PATH
    LockFile,    // --lock-file DEST: held locked (F_RDLCK) while the sandbox runs
    Sysfs,       // a new sysfs (of the sandbox's network namespace) on DEST (OCI type sysfs)
    Cgroup2,     // a new cgroup2 filesystem on DEST: the sandbox's cgroup namespace's view
    ReadOnlyPath,  // DEST read-only, bound onto itself first when not a mount point (OCI)
  };
  Kind kind = Kind::Bind;
  std::string source;  // host path (binds) or symlink target
  std::string dest;
  int fd = -1;                        // --*-fd, --file, --bind-data
  bool optional = false;              // the -try variants: skip when SRC does not exist
  std::optional<mode_t> perms;        // --perms (tmpfs, dir, file, bind-data) or --chmod's mode
  std::optional<std::uint64_t> size;  // --size, for tmpfs
  bool read_only = false;             // tmpfs, sysfs, cgroup2: mounted read-only
  bool noexec = false;                // binds, tmpfs: MOUNT_ATTR_NOEXEC (OCI option noexec)
  // proc: /proc/sys, sysrq-trigger, irq and bus left as writable as the kernel allows (an OCI
  // config says what is read-only through readonlyPaths; podman --privileged says nothing).
  bool proc_knobs_writable = false;
};

struct EnvOp {
  enum class Kind : std::uint8_t { Set, Unset, Clear };
  Kind kind = Kind::Set;
  std::string name;
  std::string value;
};

// Capability changes in the order given: --cap-add NAME, --cap-drop NAME|ALL.
struct CapOp {
  bool add = true;
  int cap = -1;  // -1 with add=false: ALL
};

// The five capability sets of COMMAND's process as given (an OCI process.capabilities), bit n
// for capability n, set exactly before exec in place of what `caps` keeps; the kernel then
// derives the sets COMMAND runs with from them at exec (capabilities(7)).
struct CapabilitySets {
  std::uint64_t bounding = 0;
  std::uint64_t effective = 0;
  std::uint64_t permitted = 0;
  std::uint64_t inheritable = 0;
  std::uint64_t ambient = 0;  // each also permitted and inheritable (the kernel's rule)
};

// How COMMAND is started, as the front end's model has it.
struct ExecConventions {
  // bubblewrap's execvp: a file the kernel cannot run (ENOEXEC: no #! line, not ELF) is run
  // again by /bin/sh. Otherwise cloister searches PATH itself and calls execve, and such a
  // file fails with "Exec format error", as in runc and crun.
  bool shell_fallback = false;
  // PWD=the directory COMMAND starts in, added to its environment (bubblewrap does).
  // OCI runtimes add none.
  bool set_pwd = true;
  // Where the environment has no HOME: HOME= the home of the process's uid in the sandbox's
  // own /etc/passwd, "/" when the uid is not listed there (OCI runtimes).
  bool home_from_passwd = false;
  // PATH searched when the environment has none.
  std::string default_path = "/bin:/usr/bin";  // glibc's execvp
  // Set: an exec that fails after the wait on block_fd is also said on COMMAND's own stderr,
  // as "NAME: exec ARG0: ERROR (HINT)" (an OCI container after `start`: its runtime's report
  // pipe has no reader any more). Exec errors then name process.args[0] in that form.
  std::string name_on_stderr;
};

// ---- seccomp ----

// What a seccomp rule does to a matching syscall.
struct SeccompAction {
  enum class Kind : std::uint8_t {
    Allow,
    KillProcess,  // SECCOMP_RET_KILL_PROCESS: the whole process dies with SIGSYS
    KillThread,   // SECCOMP_RET_KILL_THREAD
    Errno,        // the syscall fails with `errno_value` (EPERM, ENOSYS, ...)
    Trap,         // SIGSYS is delivered (a handler may emulate or report)
    Log,          // allowed, and logged by the kernel's audit
    // SECCOMP_RET_USER_NOTIF: the call waits for a supervisor holding the filter's listener
    // (cloister learn records it and lets it go on). `cloister run` has no listener, so the
    // compiler refuses it there (the kernel would answer ENOSYS).
    Notify,
  };
  Kind kind = Kind::KillProcess;
  int errno_value = 0;
  friend bool operator==(const SeccompAction&, const SeccompAction&) = default;
};

// One condition on a syscall argument; all conditions of a rule must hold.
struct SeccompCondition {
  enum class Op : std::uint8_t { Eq, Ne, Lt, Le, Gt, Ge, MaskedEq };
  unsigned index = 0;  // argument 0..5
  Op op = Op::Eq;
  std::uint64_t value = 0;
  std::uint64_t mask = ~0ULL;  // MaskedEq: (arg & mask) == value
  friend bool operator==(const SeccompCondition&, const SeccompCondition&) = default;
};

struct SeccompRule {
  std::string name;  // a syscall ("ioctl") or a group ("@file-system")
  std::vector<SeccompCondition> conditions;
  SeccompAction action;  // Allow for allow-list entries
  std::string origin;  // where it was written ("profile.toml:12:3", "--seccomp-allow"), for errors
};

// The layers of a seccomp policy, bottom to top: a built-in base, then rules from profiles
// and flags in the order given. For each syscall the topmost layer with an unconditional
// rule for it decides; conditional rules from layers above it refine that decision.
struct SeccompPolicy {
  // "default": cloister's denylist (mount family, ptrace, bpf, namespaces, ...), applied to
  // every sandbox unless set to "none"; "strict-daemon": an allowlist for network daemons.
  std::string base = "default";
  std::optional<SeccompAction> default_action;  // overrides the base's default action
  std::vector<std::vector<SeccompRule>> layers;
  bool allow_x32 = false;             // x32 syscalls (nr | 0x40000000): killed unless allowed
  bool allow_i386 = false;            // the i386 compat entry (int 0x80): killed unless allowed
  std::vector<int> bpf_fds;           // --seccomp FD / --add-seccomp-fd FD: ready BPF programs
  bool bpf_replaces_builtin = false;  // --seccomp: bwrap semantics, no cloister filter
  std::vector<std::string> warnings;  // from the front ends (e.g. a name unknown here)
  // The rules are the whole filter (an OCI bundle's linux.seccomp): nothing added for the
  // exec of COMMAND, which the rules must allow themselves.
  bool exact = false;
  // Further filters, each compiled on its own from its own policy and installed as well (an
  // OCI container's org.cloister.profile on top of its linux.seccomp): the kernel runs every
  // stacked filter and takes the strictest verdict, so none of them can loosen another.
  // Installed after this one (but a filter forbidding seccomp(2) goes last); their own
  // bpf_fds and stacked are not read.
  std::vector<SeccompPolicy> stacked;
  // Where this policy comes from, for errors and explain ("profile /etc/x.toml"); empty for
  // the policy of the front end itself.
  std::string origin;
};

// setrlimit(resource, {soft, hard}) in the sandbox (--rlimit NAME=SOFT[:HARD], [rlimits]).
// Set its members by name (examples/share-server): a brace list of three values leaves
// `origin` out, which -Wextra's missing-field-initializers reports.
struct RlimitSetting {
  int resource = 0;  // RLIMIT_*
  std::uint64_t soft = 0;
  std::uint64_t hard = 0;
  // What asked for it, as errors name it ("process.rlimits[2]", "[rlimits] nofile"); empty:
  // --rlimit.
  std::string origin;
};

// The sandbox's own cgroup (v2, or the v1 memory/pids/cpu hierarchies on hybrid hosts).
// Everything in it is killed and the cgroup removed when the sandbox ends.
struct CgroupPolicy {
  std::optional<std::uint64_t> memory_max;       // --memory-max BYTES: OOM-kill inside beyond it
  std::optional<std::uint64_t> memory_swap_max;  // --memory-swap-max BYTES
  std::optional<std::uint64_t> pids_max;         // --pids-max N: fork fails with EAGAIN beyond
  std::optional<std::uint64_t> cpu_quota_us;     // --cpu-max QUOTA/PERIOD or --cpus 1.5
  std::uint64_t cpu_period_us = 100000;
  std::optional<std::uint64_t> cpu_weight;  // --cpu-weight 1..10000
  // The same setting in cgroup v1's unit (2..262144, default 1024), as OCI's
  // linux.resources.cpu.shares gives it: v1's cpu.shares gets exactly this, v2's cpu.weight
  // its conversion. At most one of cpu_weight and cpu_shares is set.
  std::optional<std::uint64_t> cpu_shares;
  std::optional<std::uint64_t> io_weight;   // --io-weight 1..10000
  std::string parent;        // --cgroup-parent PATH (default: cloister/ under the caller's cgroup)
  // The directory's exact name under `parent` (OCI cgroupsPath), instead of a generated one;
  // one that exists already is an error. It outlives the launch when the starter keeps it.
  std::string leaf;
  bool best_effort = false;  // --cgroup=best-effort: a missing controller is a warning
  // A cgroup of its own even without limits (each service of cloister supervise: its tmpfs
  // pages and processes are charged and counted apart, and it is killed as one).
  bool own = false;
  // An OCI container: where container engines look for it. Where /sys/fs/cgroup is cgroup v1
  // (a hybrid host included) it goes into the v1 hierarchies even without a limit, and into
  // each one cloister can join as it is (freezer for pause; blkio, devices and the like for
  // the engine's figures), as runc and crun put their containers. Engines decide the version
  // so, and read the container's figures there (podman stats, containerd's metrics).
  bool every_v1_hierarchy = false;
  bool any() const {
    return memory_max || memory_swap_max || pids_max || cpu_quota_us || cpu_weight || cpu_shares ||
           io_weight;
  }
};

// Landlock: unprivileged access control applied inside the sandbox (paths as seen there).
// Once any rule is given, everything not granted is denied for the rights the kernel handles
// (but for the always-safe device nodes, see PathRule::implicit).
struct LandlockPolicy {
  enum class Mode : std::uint8_t {
    Required,    // a right the kernel cannot enforce is an error naming it and the ABI needed
    BestEffort,  // enforce what the kernel can, report the rest on stderr
    Off,
  };
  struct PathRule {
    std::string path;
    bool read = false, write = false, exec = false, ioctl_dev = false;
    // Granted by cloister itself once any path rule is given (resolve adds them): the device
    // nodes every program may use (/dev/null, zero, full, random, urandom) and the
    // controlling terminal unless --new-session. Skipped where the sandbox lacks the node.
    bool implicit = false;
  };
  Mode mode = Mode::Required;
  std::vector<PathRule> paths;               // --landlock-read/-write/-exec/-ioctl-dev PATH
  std::vector<std::uint16_t> bind_ports;     // --allow-bind PORT (TCP, ABI 4)
  std::vector<std::uint16_t> connect_ports;  // --allow-connect PORT (TCP, ABI 4)
  std::string ports_origin;                  // where the first port was given, for errors
  bool restrict_tcp = false;                 // handle TCP bind/connect even with no port
  bool scope_abstract_unix = false;          // --landlock-scope abstract-unix (ABI 6)
  bool scope_signal = false;                 // --landlock-scope signal (ABI 6)
  bool any() const {
    return !paths.empty() || !bind_ports.empty() || !connect_ports.empty() || restrict_tcp ||
           scope_abstract_unix || scope_signal;
  }
};

// --net=MODE ([network] mode): what the sandbox may reach over the network.
enum class NetMode : std::uint8_t {
  Unset,  // the namespace options decide (--unshare-net, --share-net)
  None,   // a new network namespace with only lo, up
  Unix,   // no network namespace (filesystem AF_UNIX sockets work); socket()/socketpair() of
          // any other family fail with EAFNOSUPPORT; abstract sockets outside are scoped off
  Host,   // the host's network (bwrap's --share-net)
  Tcp,    // the host's network, TCP only to/from the --allow-connect/--allow-bind ports
          // (Landlock), UDP, raw and packet sockets refused (seccomp)
  Pasta,  // a private namespace with user-mode connectivity through pasta
};

enum class SandboxMode : std::uint8_t {
  Namespace,  // namespaces + pivot_root into a constructed root (default)
  Chroot,     // chroot into the first bind whose DEST is "/" (containers refusing namespaces)
  Auto,       // Namespace; Chroot only when the kernel refuses namespaces (reported)
};

// A terminal for COMMAND (an OCI container's process.terminal): a new pseudo-terminal from the
// sandbox's own /dev/ptmx; its master end is sent (SCM_RIGHTS) over `socket_fd`, a connected
// AF_UNIX socket, and its peer becomes COMMAND's stdio and controlling terminal.
struct ConsolePolicy {
  int socket_fd = -1;
  unsigned short rows = 0;  // 0 and 0: the kernel's default size
  unsigned short columns = 0;
};

struct Policy {
  Namespaces ns;
  Identity id;
  std::optional<std::string> hostname;  // needs a UTS namespace
  std::vector<FsOp> fs;
  // `cloister run` (unless --empty-root): `fs` goes on top of the default system view (host
  // /usr read-only, the usual /bin /lib /lib64 /sbin links, the parts of /etc programs need,
  // private /tmp /var/tmp /dev /proc, the root itself sealed read-only). A default part that
  // an operation here covers (same destination, or beneath a mount of it) is left out; a
  // mount on "/" replaces the whole view. false: the root holds only `fs` (bubblewrap's model).
  bool default_root = false;
  // A profile's [filesystem] root = "default" or "empty" decided default_root; the command
  // line's --empty-root still overrides it.
  bool root_chosen = false;
  // The root mount itself read-only once built, the mounts on it as they are (OCI root.readonly).
  bool root_read_only = false;

  std::vector<std::string> argv;  // COMMAND and its arguments
  std::optional<std::string> argv0;
  std::optional<std::string> chdir;
  std::vector<EnvOp> env;
  std::vector<CapOp> caps;
  std::optional<CapabilitySets> cap_sets;  // set: these, not what `caps` keeps
  ExecConventions exec;
  // bwrap compatibility: a sandbox whose uid is 0 keeps its capabilities (inside its user
  // namespace) unless --cap-drop; cloister's own default drops them all.
  bool root_keeps_caps = false;

  bool die_with_parent = false;  // PR_SET_PDEATHSIG(SIGKILL), checked against a parent pidfd
  // --parent-pid PID / --parent-pidfd FD (imply die_with_parent): the parent cloister must die
  // with is exactly this process, which passed its own PID (as s6 can). Checked through a pidfd
  // after PR_SET_PDEATHSIG, so a parent that died before the prctl is seen, never raced.
  pid_t parent_pid = 0;
  int parent_pidfd = -1;
  // --stop-timeout SECONDS: SIGTERM/SIGINT/SIGHUP to cloister are passed on to the sandbox;
  // what still runs after this long is SIGKILLed. Unset: signals are passed on, no deadline.
  std::optional<std::uint32_t> stop_timeout_ms;
  bool new_session = false;      // setsid(): no controlling terminal, so no TIOCSTI injection
  bool as_pid_1 = false;         // COMMAND is PID 1 itself (no cloister init)
  std::optional<ConsolePolicy> console;

  int json_status_fd = -1;   // one JSON object a line: start (pid, namespace ids), exit code
  int info_fd = -1;          // one JSON object: pid and namespace ids
  int sync_fd = -1;          // held open by cloister while the sandbox runs (not by COMMAND)
  int block_fd = -1;         // setup waits for a byte (or EOF) on it before running COMMAND
  int userns_block_fd = -1;  // setup waits on it once the user namespace exists (needs info-fd)
  // Descriptors the front end already consumed (--args FD): closed before COMMAND runs.
  std::vector<int> consumed_fds;
  // cloister run closes every descriptor it inherited except 0, 1, 2, those options name, and
  // these (--keep-fd N), which COMMAND receives: an inherited directory fd would lead out of
  // the sandbox through "..". bwrap passes on whatever the caller left open (inherit_fds).
  std::vector<int> keep_fds;
  bool inherit_fds = false;
  // bwrap: the json-status exit-code record only when COMMAND ran (none when setup or exec
  // failed); cloister run writes 125 then.
  bool exit_record_only_if_ran = false;

  SandboxMode mode = SandboxMode::Namespace;
  SeccompPolicy seccomp;
  std::vector<RlimitSetting> rlimits;  // applied in order; a later one for a resource wins
  CgroupPolicy cgroup;
  // Written to /proc/sys/KEY (dots as slashes) once the root is built, before privileges
  // drop: namespaced sysctls only (OCI linux.sysctl; the front end checks which).
  std::vector<std::pair<std::string, std::string>> sysctls;
  LandlockPolicy landlock;
  NetMode net = NetMode::Unset;
  std::vector<std::string> forwards;    // --forward TCP:HOSTPORT:PORT (pasta mode)
  bool net_namespace_explicit = false;  // --unshare-net/--share-net given (conflict checks)
  bool trace_setup = false;             // --trace-setup: time every setup step, on stderr
};

}  // namespace cloister
