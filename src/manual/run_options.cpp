// The options of `cloister run` (and, but for the RunOnly ones, of `cloister bwrap`): one
// list, read by both pages, by --help and by the completions.
#include "manual/build.hpp"
#include "manual/pages.hpp"

namespace cloister::manual {

using namespace build;

namespace {

OptionGroup namespaces() {
  return {
      "Namespaces",
      "cloister run creates every namespace by default (user and cgroup where the kernel allows); "
      "cloister bwrap creates none unless asked, as bubblewrap does.",
      {
          flag("--unshare-user",
               "A user namespace, required: the sandbox fails to start without one."),
          flag("--unshare-user-try", "A user namespace where the kernel allows one."),
          flag("--unshare-ipc", "Private System V IPC and POSIX message queues."),
          flag("--unshare-pid",
               "A PID namespace: cloister's init is PID 1 in it (COMMAND with --as-pid-1)."),
          flag("--unshare-net", "A network namespace with only `lo`, brought up."),
          flag("--unshare-uts", "A UTS namespace: a hostname of the sandbox's own."),
          flag("--unshare-cgroup", "A cgroup namespace, required."),
          flag("--unshare-cgroup-try", "A cgroup namespace where the kernel allows one."),
          flag("--unshare-all",
               "Every namespace above; user and cgroup where the kernel allows them."),
          flag("--share-net", "No network namespace: the host's network (as --net=host)."),
          with("--userns", {value("FD")},
               "Enter the user namespace FD refers to (/proc/PID/ns/user) instead of creating "
               "one."),
          with("--pidns", {value("FD")}, "Enter the PID namespace FD refers to."),
          flag("--disable-userns",
               "No further user namespace can be created inside the sandbox (needs a user "
               "namespace of its own).",
               "The sandbox's user namespace is set to hold one more and the sandbox moves into "
               "it once the root is built, so not even a payload that keeps capabilities can "
               "create another."),
          flag("--assert-userns-disabled",
               "Fail unless creating further user namespaces inside the sandbox is refused."),
          with("--uid", {value("N")}, "The user id COMMAND has inside the sandbox."),
          with("--gid", {value("N")}, "The group id COMMAND has inside the sandbox."),
          with("--uid-map", {value("IN:OUT:COUNT")},
               "Map COUNT user ids from IN inside onto OUT on the host (repeatable; without root only "
               "one id, onto the caller's own).",
               "Without a map, the sandbox of a root caller maps onto the host's uid and gid 65534 "
               "(nobody): whatever leaks out of the sandbox is reached as nobody, never as host "
               "root. `--uid-map 0:0:1 --gid-map 0:0:1` keeps host root."),
          with("--gid-map", {value("IN:OUT:COUNT")},
               "Map COUNT group ids from IN inside onto OUT on the host (root only; repeatable)."),
          run_only(flag(
              "--host-ids",
              "Run COMMAND under the real host ids --uid and --gid, with no user namespace (root "
              "in the host's user namespace only).",
              "For those who count user namespaces as attack surface: COMMAND runs with "
              "setresuid/setresgid to the given ids (--gid defaults to the number of --uid), no "
              "supplementary groups, no capabilities unless --cap-add and no_new_privs; the rest "
              "of the sandbox (mount, PID, network namespaces, the default view, seccomp) is "
              "as usual. Refused with --unshare-user, --userns and the id maps; an unprivileged "
              "caller gets a user namespace instead.")),
          with("--hostname", {value("NAME")}, "The sandbox's hostname (needs a UTS namespace)."),
      }};
}

OptionGroup filesystem() {
  return {
      "Filesystem",
      "Applied in the order given; DEST is a path inside the sandbox, resolved there without "
      "following a symlink out of it. In cloister run they add to the default root (a part of "
      "the default view at the same place, or beneath, is replaced); cloister bwrap starts "
      "from an empty root.",
      {
          flag("--empty-root",
               "Start from an empty root that holds only what the options put there (cloister "
               "bwrap always does)."),
          with("--bind", {path("SRC"), path("DEST")}, "Bind the host's SRC at DEST, read-write."),
          with("--bind-try", {path("SRC"), path("DEST")},
               "As --bind; skipped when SRC does not exist."),
          with("--ro-bind", {path("SRC"), path("DEST")},
               "Bind the host's SRC at DEST read-only, submounts included."),
          with("--ro-bind-try", {path("SRC"), path("DEST")},
               "As --ro-bind; skipped when SRC does not exist."),
          with("--dev-bind", {path("SRC"), path("DEST")}, "As --bind, with device nodes usable."),
          with("--dev-bind-try", {path("SRC"), path("DEST")},
               "As --dev-bind; skipped when SRC does not exist."),
          with("--bind-fd", {value("FD"), path("DEST")},
               "Bind what the open descriptor FD refers to at DEST, read-write."),
          with("--ro-bind-fd", {value("FD"), path("DEST")},
               "Bind what the open descriptor FD refers to at DEST, read-only."),
          with("--remount-ro", {path("DEST")},
               "Make DEST and what is mounted beneath it read-only."),
          with("--tmpfs", {path("DEST")},
               "A fresh tmpfs at DEST (sized and moded by --size and --perms right before it)."),
          with("--size", {value("BYTES")},
               "The size of the --tmpfs that follows (K, M and G suffixes)."),
          with("--perms", {value("OCTAL")},
               "The mode of the --tmpfs, --dir, --file, --bind-data or --ro-bind-data that "
               "follows."),
          with("--proc", {path("DEST")}, "The sandbox's own procfs at DEST."),
          with("--dev", {path("DEST")},
               "A minimal /dev at DEST: null, zero, full, random, urandom, tty, a private devpts "
               "and shm."),
          with("--mqueue", {path("DEST")}, "A POSIX message queue filesystem at DEST."),
          with("--dir", {path("DEST")}, "Create the directory DEST (mode 0755 unless --perms)."),
          with("--symlink", {path("TARGET"), path("DEST")},
               "Create DEST as a symbolic link to TARGET."),
          with("--file", {value("FD"), path("DEST")},
               "Create the file DEST holding what is read from FD."),
          with("--bind-data", {value("FD"), path("DEST")},
               "Bind a file holding what is read from FD at DEST, writable."),
          with("--ro-bind-data", {value("FD"), path("DEST")},
               "Bind a file holding what is read from FD at DEST, read-only."),
          with("--chmod", {value("OCTAL"), path("PATH")}, "Change the mode of PATH."),
          with("--lock-file", {path("DEST")}, "Hold a lock on DEST while the sandbox runs."),
      }};
}

OptionGroup process() {
  return {
      "Process",
      "",
      {
          with("--chdir", {path("DIR")}, "Start COMMAND in DIR (a path inside the sandbox)."),
          with("--setenv", {value("VAR"), value("VALUE")}, "Set VAR to VALUE for COMMAND."),
          with("--unsetenv", {value("VAR")}, "Remove VAR from COMMAND's environment."),
          flag("--clearenv",
               "Start COMMAND with an empty environment (--setenv after it adds to it)."),
          with("--argv0", {value("VALUE")}, "The argv[0] COMMAND is given."),
          flag("--die-with-parent",
               "Kill the sandbox when cloister's parent dies (PR_SET_PDEATHSIG, then checked "
               "through a pidfd so a parent gone before the call is not missed)."),
          run_only(with("--parent-pid", {value("PID")},
                        "Die with exactly the process PID, which must be cloister's parent "
                        "(implies --die-with-parent).",
                        "For a caller that passes its own PID (as s6 can): PR_SET_PDEATHSIG is "
                        "set first, then PID is checked to be still cloister's parent and "
                        "alive through a pidfd; a parent already gone is an error (exit 125) "
                        "before anything starts.")),
          run_only(with("--parent-pidfd", {value("FD")},
                        "As --parent-pid, the process named by the pidfd FD (closed before "
                        "COMMAND runs).")),
          run_only(with("--stop-timeout", {value("SECONDS")},
                        "SIGKILL the sandbox SECONDS after a SIGTERM, SIGINT or SIGHUP sent to "
                        "cloister, if COMMAND has not exited by then (exit status 137).",
                        "The signal itself is passed on to COMMAND, as always; fractions of a "
                        "second are allowed. Killing the sandbox's init ends every process in "
                        "its PID namespace; without one, its cgroup (if it has one) is "
                        "killed.")),
          flag("--new-session",
               "Start COMMAND in a new session: no controlling terminal, so nothing it does "
               "can type into the caller's terminal."),
          flag("--as-pid-1", "COMMAND is PID 1 itself, without cloister's init."),
          with("--cap-add", {of_kind("CAP", Complete::Capability)},
               "Keep the capability CAP (CAP_NET_ADMIN, ...; ALL: every one) inside the sandbox."),
          with("--cap-drop", {of_kind("CAP", Complete::Capability)},
               "Drop the capability CAP, or ALL.",
               "cloister run drops every capability, bounding and ambient sets included, unless "
               "--cap-add keeps some; cloister bwrap keeps a uid 0 sandbox's capabilities, as "
               "bubblewrap does."),
          with("--args", {value("FD")},
               "Read more arguments from FD, separated by NUL bytes, as if given here."),
          run_only(with("--keep-fd", {value("FD")},
                        "Pass the inherited descriptor FD on to COMMAND (repeatable).",
                        "cloister run closes every descriptor it inherited except 0, 1, 2, those "
                        "its options name and those given here, before it starts anything: an "
                        "inherited directory descriptor would lead out of the sandbox through "
                        "`..`. cloister bwrap passes on what the caller did not mark "
                        "close-on-exec.")),
          with("--rlimit", {value("NAME=SOFT[:HARD]")},
               "Set a resource limit: as, core, cpu, data, fsize, locks, memlock, msgqueue, "
               "nice, nofile, nproc, rss, rtprio, rttime, sigpending, stack (K, M, G suffixes; "
               "unlimited).",
               "A hard limit above the caller's own is an error before anything starts: raising "
               "it needs CAP_SYS_RESOURCE."),
      }};
}

OptionGroup status() {
  return {
      "Status and synchronisation",
      "",
      {
          with("--json-status-fd", {value("FD")},
               "Write JSON records to FD: the child's pid and namespace ids at start, its exit "
               "code at the end.",
               "With a cgroup of the sandbox's own, the exit record also has memory-peak, "
               "cpu-usec and oom-kills."),
          with("--info-fd", {value("FD")}, "Write the start record to FD, pretty-printed."),
          with("--sync-fd", {value("FD")},
               "Keep FD open while the sandbox runs; its closing tells that the sandbox ended."),
          with("--block-fd", {value("FD")},
               "Wait for a byte (or end of file) on FD before starting COMMAND."),
          with("--userns-block-fd", {value("FD")},
               "Wait on FD once the user namespace exists (with --info-fd), so the caller can "
               "set it up."),
      }};
}

OptionGroup network() {
  return {
      "Network",
      "",
      {
          joined(with("--net", {choice("MODE", {"none", "unix", "host", "tcp", "pasta"})},
                      "What the sandbox may reach: none, unix, host, tcp or pasta.",
                      "none: a network namespace with only `lo`. unix: no network namespace, so "
                      "filesystem AF_UNIX sockets (an X server, D-Bus) work, sockets of any other "
                      "family fail with EAFNOSUPPORT and abstract sockets outside the sandbox are "
                      "out of reach. host: the host's network. tcp: the host's network, TCP only "
                      "to the --allow-connect and from the --allow-bind ports (Landlock), UDP, "
                      "raw and packet sockets refused (no DNS as usually configured). pasta: a "
                      "private network namespace with user-mode connectivity through pasta "
                      "(Debian's passt), stopped when the sandbox ends.")),
          with("--forward", {value("PROTO:HOSTPORT:PORT")},
               "With --net=pasta: forward the host's TCP (or UDP) HOSTPORT to PORT inside "
               "(repeatable); nothing else is forwarded either way."),
      }};
}

OptionGroup landlock() {
  return {
      "Landlock",
      "Paths as seen inside the sandbox. Once any rule is given, everything not granted is "
      "denied for the rights the kernel handles (but for /dev/null, zero, full, random, "
      "urandom and the controlling terminal, granted with any path rule).",
      {
          with("--landlock-read", {path("PATH")}, "Allow reading beneath PATH."),
          with("--landlock-write", {path("PATH")}, "Allow reading and writing beneath PATH."),
          with("--landlock-exec", {path("PATH")}, "Allow reading and executing beneath PATH."),
          with("--landlock-ioctl-dev", {path("PATH")}, "Allow ioctl on the devices beneath PATH."),
          with("--allow-bind", {value("PORT")}, "Allow binding the TCP port PORT (repeatable)."),
          with("--allow-connect", {value("PORT")},
               "Allow connecting to the TCP port PORT (repeatable)."),
          with("--landlock-scope", {choice("SCOPE", {"abstract-unix", "signal"})},
               "Keep the sandbox from abstract AF_UNIX sockets (abstract-unix) or from "
               "signalling processes (signal) outside it."),
          joined(with("--landlock", {choice("MODE", {"required", "best-effort", "off"})},
                      "required (the default): a right this kernel cannot enforce is an error; "
                      "best-effort: apply what it can and report the rest; off.")),
      }};
}

OptionGroup resources() {
  return {
      "Resources",
      "A cgroup of the sandbox's own (v2, or the v1 hierarchies on hybrid hosts), created before "
      "the sandbox runs; everything left in it is killed and the cgroup removed when the "
      "sandbox ends.",
      {
          with("--memory-max", {value("BYTES")},
               "Memory limit (K, M, G): beyond it the sandbox's processes are OOM-killed."),
          with("--memory-swap-max", {value("BYTES")}, "Swap limit (0: no swap)."),
          with("--pids-max", {value("N")}, "At most N processes and threads."),
          with("--cpu-max", {value("QUOTA/PERIOD")}, "QUOTA microseconds of CPU time per PERIOD."),
          with("--cpus", {value("N")}, "N CPUs' worth of time, such as 0.5 or 1.5."),
          with("--cpu-weight", {value("N")}, "CPU weight, 1 to 10000."),
          with("--io-weight", {value("N")}, "I/O weight, 1 to 10000."),
          with("--cgroup-parent", {value("PATH")},
               "Create the cgroup under PATH, below the cgroup root (default: cloister/ under "
               "the caller's own cgroup)."),
          joined(with("--cgroup", {choice("MODE", {"required", "best-effort"})},
                      "required (the default): a missing controller is an error; best-effort: "
                      "a warning.")),
      }};
}

OptionGroup seccomp() {
  return {
      "Seccomp and profiles",
      "Every cloister run sandbox gets cloister's default filter (a denylist of what escapes and "
      "kernel exploits go through) unless it opts out; cloister bwrap has none of its own.",
      {
          with("--profile", {of_kind("FILE|NAME", Complete::Profile)},
               "Read a TOML profile (see cloister-profile(5)) where it stands among the options; "
               "NAME is a shipped profile (repeatable).",
               "A NAME (lowercase letters, digits and -) is looked up as NAME.toml in each "
               "directory of $CLOISTER_PROFILE_PATH, then in PREFIX/share/cloister/profiles "
               "beside the running binary, then in the data directory cloister was built for. "
               "Anything else (./x, x.toml, /etc/x.toml) is a path."),
          with("--seccomp-policy", {choice("BASE", {"default", "strict-daemon", "none"})},
               "The built-in filter: default (a denylist), strict-daemon (an allowlist for "
               "network daemons) or none."),
          with("--seccomp-allow", {of_kind("SYSCALL|@GROUP", Complete::SyscallOrGroup)},
               "Allow a syscall or a group (see cloister explain --groups), as a layer above "
               "the filter so far (repeatable)."),
          with("--seccomp-deny", {of_kind("SYSCALL|@GROUP", Complete::SyscallOrGroup)},
               "Make a syscall or a group fail with EPERM, as a layer above the filter so far "
               "(repeatable)."),
          with("--seccomp", {value("FD")},
               "Load a ready BPF program from FD (bwrap's; in cloister bwrap it replaces "
               "cloister's filter, in cloister run it goes on top)."),
          with("--add-seccomp-fd", {value("FD")},
               "Load one more ready BPF program from FD (repeatable)."),
      }};
}

OptionGroup mode_and_more() {
  return {
      "Sandbox mode and the rest",
      "",
      {
          joined(with("--sandbox", {choice("MODE", {"namespace", "chroot", "auto"})},
                      "namespace (the default); chroot: chroot into the SRC of the first bind "
                      "onto /, for containers that refuse namespaces; auto: chroot only where "
                      "the kernel refuses namespaces.",
                      "chroot mode drops every capability, sets no_new_privs, denies mount, "
                      "umount2, pivot_root and chroot by seccomp, and names on stderr every "
                      "protection it lacks.")),
          flag("--trace-setup", "Print how long each setup step takes, on stderr."),
          with("--exec-label", {value("LABEL")}, "Refused: cloister does not set SELinux labels."),
          with("--file-label", {value("LABEL")}, "Refused: cloister does not set SELinux labels."),
          alias("-h", flag("--help", "Print this help.")),
          flag("--version", "Print the version."),
      }};
}

}  // namespace

std::vector<OptionGroup> run_option_groups() {
  return {namespaces(), filesystem(), process(), status(),       network(),
          landlock(),   resources(),  seccomp(), mode_and_more()};
}

}  // namespace cloister::manual
