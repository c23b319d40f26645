// The pages of the commands: cloister(1) and one per subcommand.
#include "manual/pages.hpp"

#include <cstdio>
#include <cstdlib>

#include "manual/build.hpp"

namespace cloister::manual {

using namespace build;

namespace {

Section environment() {
  return {"ENVIRONMENT",
          false,
          {},
          {{"CLOISTER_PROFILE_PATH",
            "Directories, separated by ':', searched first for --profile NAME.", ""}}};
}

Section files() {
  return {"FILES",
          false,
          {},
          {{"PREFIX/share/cloister/profiles/NAME.toml",
            "The shipped profiles, PREFIX being the directory above the one holding the cloister "
            "binary (/usr/bin/cloister: /usr/share/cloister/profiles). See cloister-profile(5).",
            ""}}};
}

Option help_option() { return alias("-h", flag("--help", "Print this help.")); }

}  // namespace

Page cloister_page() {
  Page p;
  p.name = "cloister";
  p.command = "cloister";
  p.usage = {"COMMAND [ARGS...]", "--version", "--help"};
  p.summary = "confine Linux processes in sandboxes";
  p.description = {
      "cloister runs programs in sandboxes built from namespaces, a constructed root "
      "filesystem, seccomp filters, Landlock, cgroups and dropped privileges.",
      "`cloister run` takes bubblewrap's options with bubblewrap's meanings, starts from a "
      "default sandbox that is useful as it is, and says what it could not enforce. "
      "`cloister explain` prints the sandbox it would build, `cloister check` what this "
      "kernel and this caller allow and why not, and `cloister learn` writes the profile a "
      "program needs from one run of it. `cloister supervise` runs a group of services, each "
      "in a sandbox of its own, confined from each other. `cloister oci` (or the link "
      "cloister-oci) is an OCI runtime for podman and containerd.",
      "Installed under the name `bwrap` (a copy or a hard link), cloister is `cloister bwrap`, "
      "a drop-in for bubblewrap.",
  };
  p.commands = {
      {"run", "[OPTIONS] [--] COMMAND [ARGS...]", "run COMMAND in a sandbox"},
      {"bwrap", "[OPTIONS...] [--] COMMAND [ARGS...]", "the bubblewrap-compatible front end"},
      {"explain", "[--json] [RUN OPTIONS] [--] [COMMAND]",
       "print the sandbox run would build (--groups: the syscall groups)"},
      {"check", "[--json]", "what this kernel and caller allow, and why not"},
      {"learn", "-o FILE [RUN OPTIONS] [--] COMMAND", "run COMMAND and write the profile it needs"},
      {"supervise", "[OPTIONS] GROUP.toml",
       "run a group of services, each in a sandbox of its own"},
      {"oci", "[GLOBAL OPTIONS] COMMAND ID", "the OCI runtime (create, start, ...; cloister-oci)"},
      {"help", "", "print this list"},
  };
  p.options = {{"Options",
                "",
                {help_option(),
                 flag("--version",
                      "Print the version, the kernel features cloister is built to use, and which "
                      "of them this kernel offers.",
                      "The kernel's answers come from the probes of cloister check, each tried "
                      "in a throwaway child: Landlock and its ABI, seccomp user notification, "
                      "clone3 with pidfd and clone3 into a cgroup.")}}};
  p.sections = {
      {"EXIT STATUS",
       false,
       {"Each command's page says what its exit status means; `cloister` with no command or an "
        "unknown one exits with 2."},
       {}},
      environment(),
      files(),
  };
  p.examples = {
      {"A shell in the default sandbox:", "cloister run -- sh"},
      {"What this machine allows, and why not:", "cloister check"},
      {"The kernel features in use:", "cloister --version"},
  };
  p.see_also = {"cloister-run(1)",     "cloister-bwrap(1)", "cloister-explain(1)",
                "cloister-check(1)",   "cloister-learn(1)", "cloister-supervise(1)", "cloister-oci(1)",
                "cloister-profile(5)", "bwrap(1)"};
  return p;
}

Page run_page() {
  Page p;
  p.name = "cloister-run";
  p.command = "cloister run";
  p.usage = {"[OPTIONS] [--] COMMAND [ARGS...]"};
  p.summary = "run a program in a sandbox";
  p.description = {
      "Runs COMMAND in a sandbox. The default sandbox: every namespace, the host's /usr, /bin, "
      "/sbin, /lib* and parts of /etc read-only, a private /tmp, /var/tmp, /dev and /proc, no "
      "capabilities and cloister's seccomp filter. Filesystem options add to it (or replace "
      "what they cover); --empty-root starts from an empty root.",
      "In detail: a user, mount, PID, network, IPC, UTS and cgroup namespace (user and cgroup "
      "where the kernel allows); a new root holding the host's /usr read-only, the host's /bin "
      "/sbin /lib /lib32 /lib64 /libx32 links (or read-only binds where they are directories), "
      "the parts of /etc programs read (passwd, group, nsswitch.conf, hosts, resolv.conf, "
      "ld.so.cache, localtime, alternatives, ssl, ...; never shadow or keys), a private /tmp "
      "and /var/tmp, a minimal /dev and the sandbox's own /proc; the root itself is "
      "read-only. `cloister explain` with the same options prints every step.",
      "Filesystem options apply in the order given, before the root is sealed. A part of the "
      "default view at the same place as one of yours is replaced by yours, and so is what "
      "lies beneath a mount of yours; a mount on / replaces the whole view.",
      "Root's sandbox is not host root: run by root without --uid-map and --gid-map, the "
      "sandbox's ids map onto the host's uid and gid 65534 (nobody). Keeping host root is "
      "explicit: --uid-map 0:0:1 --gid-map 0:0:1.",
      "The hardening order is fixed: namespaces and id maps, mounts, pivot_root (or chroot), "
      "session, death signal and descriptors, resource limits, Landlock, capabilities, "
      "no_new_privs, seccomp, exec. COMMAND without a '/' is searched in the sandbox's PATH "
      "(/bin:/usr/bin when it has none); a file the kernel cannot run (no #! line) is an "
      "error, \"Exec format error\", never run by /bin/sh. COMMAND's environment gets PWD, "
      "the directory it starts in, as bubblewrap sets it. A step that fails is reported as "
      "`cloister: STEP PATH: "
      "OPERATION: ERROR (HINT)`; when COMMAND is missing or a path does not resolve inside "
      "the sandbox, cloister says what is missing and which option brings it in.",
      "cloister's init is PID 1 of the sandbox: it reaps, forwards SIGTERM, SIGINT, SIGHUP, "
      "SIGQUIT, SIGUSR1, SIGUSR2 and SIGWINCH to COMMAND, and exits with COMMAND's status. "
      "Nothing is left behind when the sandbox ends, also when cloister itself is killed: "
      "mounts end with the sandbox's mount namespace, and a cgroup or pasta of the sandbox's "
      "own is removed by a keeper process.",
  };
  p.options = run_option_groups();
  p.sections = {
      {"EXIT STATUS",
       false,
       {},
       {{"COMMAND's", "COMMAND exited; 128+N when it was killed by signal N.", ""},
        {"2", "Bad options; the message names the option.", ""},
        {"125", "The sandbox could not be set up.", ""},
        {"126", "COMMAND exists but could not be executed.", ""},
        {"127", "COMMAND was not found in the sandbox.", ""}}},
      environment(),
      files(),
  };
  p.examples = {
      {"A shell command in the default sandbox:",
       "cloister run -- sh -c 'echo \"hello from $(hostname)\"'"},
      {"Build a tree bound read-write at /src:", "cloister run --bind ~/src /src -- make -C /src"},
      {"A scratch tmpfs of its own:",
       "cloister run --tmpfs /t -- sh -c 'echo scratch > /t/f && cat /t/f'"},
      {"The host's network:", "cloister run --net=host -- getent hosts localhost"},
      {"A shipped profile:", "cloister run --profile shell -- bash"},
      {"Landlock: execute only beneath /usr, write only beneath /tmp:",
       "cloister run --landlock-exec /usr --landlock-write /tmp -- sh -c 'echo ok > /tmp/f'"},
  };
  p.see_also = {"cloister(1)", "cloister-explain(1)", "cloister-check(1)", "cloister-profile(5)",
                "bwrap(1)",    "namespaces(7)",       "seccomp(2)",        "landlock(7)"};
  return p;
}

Page bwrap_page() {
  Page p;
  p.name = "cloister-bwrap";
  p.command = "cloister bwrap";
  p.usage = {"[OPTIONS...] [--] COMMAND [ARGS...]"};
  p.summary = "the bubblewrap-compatible front end";
  p.description = {
      "Runs COMMAND as bubblewrap 0.8 would: nothing is unshared unless asked, the root holds "
      "only what the options name, a sandbox running as uid 0 keeps the caller's "
      "capabilities, there is no seccomp filter but the programs given with --seccomp and "
      "--add-seccomp-fd, COMMAND is run by execvp (a file without #! line by /bin/sh), and "
      "every failure of cloister's own exits with status 1.",
      "Installed under the name `bwrap` (a copy or a hard link), cloister is `cloister "
      "bwrap`; /proc/self/exe keeps that name, so a sandbox that runs /proc/self/exe to nest "
      "another works. Errors start with `bwrap: ` and use bubblewrap's words where its users' "
      "scripts look for them, with cloister's hint after them; --help names the program as "
      "invoked.",
      "The options are cloister run's (see cloister-run(1)) but --keep-fd: cloister bwrap passes "
      "on every inherited descriptor not marked close-on-exec, as bubblewrap does. The ones "
      "bubblewrap lacks (--net, Landlock, resource limits, --profile, --sandbox) work here "
      "as they do there.",
  };
  for (auto group : run_option_groups()) {
    std::vector<Option> kept;
    for (auto& o : group.options)
      if (o.dialects == Dialects::Both) kept.push_back(std::move(o));
    group.options = std::move(kept);
    p.options.push_back(std::move(group));
  }
  p.sections = {{"EXIT STATUS",
                 false,
                 {},
                 {{"COMMAND's", "COMMAND exited; 128+N when it was killed by signal N.", ""},
                  {"1", "Bad options, or the sandbox could not be set up.", ""}}}};
  p.examples = {
      {"bubblewrap's usual minimal sandbox:",
       "cloister bwrap --ro-bind /usr /usr --symlink usr/lib64 /lib64 --proc /proc --dev /dev "
       "--unshare-all -- /usr/bin/true"},
  };
  p.see_also = {"cloister-run(1)", "bwrap(1)"};
  return p;
}

Page explain_page() {
  Page p;
  p.name = "cloister-explain";
  p.command = "cloister explain";
  p.usage = {"[--json] [RUN OPTIONS] [--] [COMMAND [ARGS...]]", "--groups"};
  p.summary = "print the sandbox cloister run would build";
  p.description = {
      "Prints what `cloister run` would build with the same options, without building it.",
      "The namespaces, the id maps, every filesystem step in order (each marked [default] or "
      "[yours], then what the options replaced in the default view), what chroot mode would "
      "lose, the capabilities kept, notices (such as --net=tcp's missing DNS), and the "
      "seccomp summary: how many syscalls are allowed, and the effective rule list with "
      "where each rule came from.",
      "RUN OPTIONS are cloister run's (see cloister-run(1)); without COMMAND the plan is made "
      "for the word COMMAND.",
  };
  p.options = {{"Options",
                "",
                {flag("--json", "Print the plan as one JSON object."),
                 flag("--groups",
                      "Print the seccomp syscall groups with their members, as a table, and "
                      "exit."),
                 help_option()}}};
  p.run_options = true;
  p.sections = {{"EXIT STATUS",
                 false,
                 {},
                 {{"0", "The plan was printed.", ""},
                  {"2", "Bad options.", ""},
                  {"125", "The plan could not be made (a source path missing, ...).", ""}}}};
  p.examples = {
      {"What a build sandbox would hold:", "cloister explain --bind ~/src /src -- make -C /src"},
      {"A shipped profile, as JSON:", "cloister explain --json --profile untrusted-parser"},
      {"The syscall groups profiles and --seccomp-allow name:", "cloister explain --groups"},
  };
  p.see_also = {"cloister-run(1)", "cloister-profile(5)"};
  return p;
}

Page check_page() {
  Page p;
  p.name = "cloister-check";
  p.command = "cloister check";
  p.usage = {"[--json]"};
  p.summary = "what this kernel and this caller allow, and why not";
  p.description = {
      "Prints what this kernel and this caller can use, each row found by trying the "
      "operation in a throwaway child (never by reading a kernel version), with the reason "
      "and a one-line fix where it is missing.",
      "The mechanisms: user namespaces for this caller (and, for root, for unprivileged "
      "users, tried as uid 65534) and, when refused, the cause (a seccomp filter on the "
      "process, a chroot, kernel.unprivileged_userns_clone, user.max_user_namespaces, "
      "AppArmor's kernel.apparmor_restrict_unprivileged_userns); each namespace type; seccomp "
      "filters and their actions; seccomp user notification; the Landlock ABI; the new mount "
      "API; clone3 and pidfd; clone3 into a cgroup; a cgroup of the sandbox's own per "
      "controller; pasta; /dev/net/tun.",
      "Then the sandboxes, tried for real with /usr/bin/true: namespace mode with cloister "
      "run's defaults, chroot mode, Landlock rules, --net=unix, --net=tcp, --net=pasta and "
      "cgroup limits.",
  };
  p.options = {{"Options",
                "",
                {flag("--json",
                      "The same rows as JSON, one a line: {\"id\", \"ok\", \"what\", "
                      "\"detail\", \"reason\", \"fix\"}."),
                 help_option()}}};
  p.sections = {{"EXIT STATUS",
                 false,
                 {},
                 {{"0", "Namespace mode or chroot mode can run.", ""},
                  {"1", "Neither can.", ""},
                  {"2", "Bad options.", ""}}}};
  p.examples = {{"Why cloister run fails here:", "cloister check"}};
  p.see_also = {"cloister-run(1)"};
  return p;
}

Page learn_page() {
  Page p;
  p.name = "cloister-learn";
  p.command = "cloister learn";
  p.usage = {"-o FILE [--append] [RUN OPTIONS] [--] COMMAND [ARGS...]"};
  p.summary = "write the profile a program needs, from one run of it";
  p.description = {
      "Runs COMMAND as `cloister run` would, records every syscall outside a small base, the "
      "paths and sockets it uses, and writes a profile for `cloister run --profile FILE`. A "
      "learned profile is only as complete as the run it was learned from.",
      "One more seccomp filter goes on top of the sandbox's own: every syscall outside a base "
      "of 31 (read, write, close, mmap, futex, the stat family, signals, time, exit) goes to "
      "cloister as a user notification, is recorded and goes on. It records the syscalls with "
      "the argument values profiles can condition on (socket families, ioctl requests, clone "
      "and unshare flags, prctl options, personality), the paths opened, executed, created, "
      "removed and listed, resolved inside the sandbox, and the sockets: families, TCP ports "
      "bound and connected.",
      "FILE gets [seccomp] with the sandbox's base, default = \"kill-process\" and the "
      "allowlist; [landlock] read, write, exec and ioctl-dev grants, each wider than what was "
      "used commented with why; and [network] mode, the narrowest that fits. What the run did "
      "not do is refused under the profile: more runs with --append widen it.",
      "RUN OPTIONS are cloister run's (see cloister-run(1)).",
  };
  p.options = {
      {"Options",
       "",
       {alias("-o", with("--output", {path("FILE")},
                         "Where the profile goes (required; also --output=FILE).")),
        flag("--append", "Merge this run into FILE, a profile learned before."), help_option()}}};
  p.run_options = true;
  p.sections = {{"EXIT STATUS",
                 false,
                 {},
                 {{"COMMAND's", "COMMAND's exit status, as cloister run gives it.", ""},
                  {"2", "Bad options.", ""},
                  {"125", "The sandbox could not be set up, or FILE not written.", ""}}}};
  p.examples = {
      {"Learn what gzip needs, then run it under the profile:",
       "cloister learn -o gzip.toml --ro-bind ./data /data -- gzip -c /data/f"},
      {"", "cloister run --profile ./gzip.toml --ro-bind ./data /data -- gzip -c /data/f"},
  };
  p.see_also = {"cloister-run(1)", "cloister-profile(5)"};
  return p;
}

const std::vector<Page>& pages() {
  static const std::vector<Page> all = {cloister_page(),  run_page(),    bwrap_page(),
                                        explain_page(),   check_page(),  learn_page(),
                                        supervise_page(), oci_page(),  profile_page()};
  return all;
}

const Page& page(std::string_view name) {
  for (const auto& p : pages())
    if (p.name == name) return p;
  std::fprintf(stderr, "cloister: no manual page named %.*s\n", static_cast<int>(name.size()),
               name.data());
  std::abort();
}

std::vector<const Option*> options_of(const Page& p) {
  std::vector<const Option*> out;
  for (const auto& group : p.options)
    for (const auto& o : group.options) out.push_back(&o);
  return out;
}

}  // namespace cloister::manual
