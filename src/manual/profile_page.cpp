// cloister-profile(5): the TOML profile format. Each key has an example, a line of TOML in the
// table its subsection's title names; the unit tests load every example through the profile
// loader and hold the keys against the loader's source.
#include "manual/pages.hpp"

namespace cloister::manual {

namespace {

Section keys(std::string title, std::vector<Item> items, std::vector<std::string> intro = {}) {
  return {std::move(title), true, std::move(intro), std::move(items)};
}

Section top_level() {
  return keys(
      "Top level",
      {{"include", "Profiles loaded first, relative to this file (no cycles, 16 deep at most).",
        "include = [\"common.toml\"]"},
       {"sandbox", "--sandbox: \"namespace\", \"chroot\" or \"auto\".", "sandbox = \"auto\""}});
}

Section filesystem() {
  return keys(
      "[filesystem]",
      {{"root",
        "\"default\": the default root of cloister run, which ops add to; \"empty\": only what "
        "ops and the options put there (as --empty-root, which overrides it). Without root the "
        "choice of an earlier profile or of the front end stands.",
        "root = \"empty\""},
       {"ops",
        "Filesystem operations, applied in order before the command line's; each entry a table "
        "with one operation.",
        "ops = [{ ro-bind = [\"/srv/data\", \"/data\"] }, { tmpfs = \"/scratch\", size = \"64M\" "
        "}]"}});
}

Section operations() {
  const std::string two = "Takes [SRC, DEST], as the option of the same name.";
  const std::string one = "Takes DEST, as the option of the same name.";
  return keys(
      "[filesystem] ops entries",
      {{"bind", two, "ops = [{ bind = [\"/srv/data\", \"/data\"] }]"},
       {"bind-try", two + " Skipped when SRC or a variable in it is missing.",
        "ops = [{ bind-try = [\"${XDG_RUNTIME_DIR}/bus\", \"/run/bus\"] }]"},
       {"ro-bind", two, "ops = [{ ro-bind = [\"/etc/hosts\", \"/etc/hosts\"] }]"},
       {"ro-bind-try", two + " Skipped when SRC or a variable in it is missing.",
        "ops = [{ ro-bind-try = [\"/etc/gai.conf\", \"/etc/gai.conf\"] }]"},
       {"dev-bind", two, "ops = [{ dev-bind = [\"/dev/dri\", \"/dev/dri\"] }]"},
       {"dev-bind-try", two + " Skipped when SRC or a variable in it is missing.",
        "ops = [{ dev-bind-try = [\"/dev/kvm\", \"/dev/kvm\"] }]"},
       {"remount-ro", one, "ops = [{ remount-ro = \"/data\" }]"},
       {"tmpfs", one + " With size and perms in the same entry.",
        "ops = [{ tmpfs = \"/scratch\", size = \"64M\", perms = \"0700\" }]"},
       {"proc", one, "ops = [{ proc = \"/proc\" }]"},
       {"dev", one, "ops = [{ dev = \"/dev\" }]"},
       {"mqueue", one, "ops = [{ mqueue = \"/dev/mqueue\" }]"},
       {"dir", one + " With perms in the same entry.",
        "ops = [{ dir = \"/run/app\", perms = \"0700\" }]"},
       {"lock-file", one, "ops = [{ lock-file = \"/run/app.lock\" }]"},
       {"symlink", "Takes [TARGET, DEST].", "ops = [{ symlink = [\"usr/bin\", \"/bin\"] }]"},
       {"chmod", "Takes [\"OCTAL\", PATH].", "ops = [{ chmod = [\"0700\", \"/scratch\"] }]"},
       {"perms", "The mode of a tmpfs or dir entry, octal in a string.",
        "ops = [{ dir = \"/work\", perms = \"0750\" }]"},
       {"size", "The size of a tmpfs entry: bytes, or a string with K, M or G.",
        "ops = [{ tmpfs = \"/t\", size = 1048576 }]"},
       {"bind-fd, ro-bind-fd, file, bind-data, ro-bind-data",
        "Refused: they take a file descriptor, which belongs on the command line.", ""}},
      {"A path may hold ${NAME}, the caller's environment variable NAME; unset or empty, it is "
       "an error naming FILE:LINE:COLUMN, except in a -try entry, which is then skipped. ${PWD} "
       "is the current directory where no shell set it."});
}

Section process() {
  return keys(
      "[process]",
      {{"new-session", "--new-session (true or false).", "new-session = true"},
       {"die-with-parent", "--die-with-parent.", "die-with-parent = true"},
       {"host-ids",
        "--host-ids: a root caller's uid and gid are real host ids, with no user namespace.",
        "host-ids = true"},
       {"stop-timeout", "--stop-timeout: seconds from SIGTERM to SIGKILL.", "stop-timeout = 5"},
       {"clearenv", "--clearenv: applied first, then unsetenv, then setenv.", "clearenv = true"},
       {"setenv", "Variables set for COMMAND.", "setenv = { LANG = \"C.UTF-8\" }"},
       {"unsetenv", "Variables removed.", "unsetenv = [\"SSH_AUTH_SOCK\"]"},
       {"chdir", "--chdir; may hold ${NAME}.", "chdir = \"/tmp\""},
       {"uid",
        "--uid: the uid inside the user namespace; for a root daemon confining itself "
        "with libcloister (no user namespace), the real host uid it switches to.",
        "uid = 65534"},
       {"gid", "--gid, as uid.", "gid = 65534"},
       {"capabilities", "Capabilities kept, as --cap-add.",
        "capabilities = [\"CAP_NET_BIND_SERVICE\"]"}});
}

Section namespaces() {
  return keys("[namespaces]",
              {{"user, pid, net, ipc, uts, cgroup",
                "true, false or \"try\", as --unshare-NAME (and --unshare-user-try, "
                "--unshare-cgroup-try); [network] mode decides net when given.",
                "pid = true"}});
}

Section network() {
  return keys("[network]", {{"mode", "--net: \"none\", \"unix\", \"host\", \"tcp\" or \"pasta\".",
                             "mode = \"none\""}});
}

Section landlock() {
  return keys(
      "[landlock]",
      {{"read", "Paths (inside the sandbox) to read beneath.", "read = [\"/usr\", \"/etc\"]"},
       {"write", "Paths to read and write beneath.", "write = [\"/tmp\"]"},
       {"exec", "Paths to read and execute beneath.", "exec = [\"/usr\"]"},
       {"ioctl-dev", "Paths whose devices take ioctl.", "ioctl-dev = [\"/dev/tty\"]"},
       {"allow-bind", "TCP ports to bind.", "allow-bind = [8080]"},
       {"allow-connect", "TCP ports to connect to.", "allow-connect = [443]"},
       {"scope", "\"abstract-unix\", \"signal\".", "scope = [\"abstract-unix\", \"signal\"]"},
       {"mode", "\"required\", \"best-effort\" or \"off\", as --landlock.",
        "mode = \"best-effort\""}});
}

Section limits() {
  return keys("[rlimits]",
              {{"NAME",
                "A resource limit, as --rlimit: as, core, cpu, data, fsize, locks, memlock, "
                "msgqueue, nice, nofile, nproc, rss, rtprio, rttime, sigpending, stack; a number, "
                "\"SOFT:HARD\" or \"unlimited\".",
                "nofile = 1024"}});
}

Section cgroup() {
  return keys("[cgroup]",
              {{"memory-max", "--memory-max.", "memory-max = \"512M\""},
               {"memory-swap-max", "--memory-swap-max.", "memory-swap-max = \"64M\""},
               {"pids-max", "--pids-max.", "pids-max = 100"},
               {"cpus", "--cpus.", "cpus = 1.5"},
               {"cpu-max", "--cpu-max.", "cpu-max = \"50000/100000\""},
               {"cpu-weight", "--cpu-weight.", "cpu-weight = 50"},
               {"io-weight", "--io-weight.", "io-weight = 50"},
               {"parent", "--cgroup-parent.", "parent = \"cloister\""},
               {"mode", "--cgroup: \"required\" or \"best-effort\".", "mode = \"best-effort\""}});
}

Section seccomp() {
  return keys(
      "[seccomp]",
      {{"base", "The built-in filter underneath: \"default\", \"strict-daemon\" or \"none\".",
        "base = \"strict-daemon\""},
       {"default",
        "The action for syscalls no rule names: \"kill-process\", \"kill-thread\", "
        "\"errno:NAME\", \"trap\", \"log\", \"allow\" (\"notify\": cloister learn only).",
        "default = \"errno:EPERM\""},
       {"allow",
        "Rules that allow: a syscall name, a @group (cloister explain --groups) or a rule "
        "table.",
        "allow = [\"@basic-io\", \"@file-system\", \"getrandom\"]"},
       {"deny", "Rules that refuse, with EPERM unless the rule's action says otherwise.",
        "deny = [\"ptrace\"]"},
       {"allow-x32", "Let x32 syscalls through (killed otherwise).", "allow-x32 = true"},
       {"allow-i386", "Let the i386 entry (int 0x80) through (killed otherwise).",
        "allow-i386 = true"}},
      {"Each file adds one layer: for each syscall the topmost layer with an unconditional rule "
       "for it decides, and conditional rules from the layers above refine that decision. With "
       "a default other than allow, execve, execveat, exit, exit_group and rt_sigreturn are "
       "allowed implicitly, below every layer."});
}

Section rules() {
  return keys(
      "[seccomp] rule tables",
      {{"name", "A syscall or a @group.",
        "allow = [{ name = \"socket\", args = [{ index = 0, op = \"==\", value = \"AF_UNIX\" }] "
        "}]"},
       {"args", "Conditions on the arguments; all must hold.",
        "deny = [{ name = \"ioctl\", args = [{ index = 1, op = \"==\", value = \"TIOCSTI\" }] }]"},
       {"action", "What a matching call gets (deny: any action; allow: allow or log).",
        "deny = [{ name = \"mkdir\", action = \"errno:EACCES\" }]"},
       {"index", "The argument, 0 to 5.",
        "allow = [{ name = \"personality\", args = [{ index = 0, op = \"==\", value = 0 }] }]"},
       {"op", "==, !=, <, <=, >, >= or masked== (with mask).",
        "allow = [{ name = \"clone\", args = [{ index = 0, op = \"masked==\", value = 0, mask = "
        "\"CLONE_NEWUSER|CLONE_NEWNET\" }] }]"},
       {"value",
        "A number, or constants (AF_*, SOCK_*, TIOC*, CLONE_*, PER_*, PR_*, O_*, "
        "PROT_*, MAP_*) joined with |.",
        "allow = [{ name = \"socket\", args = [{ index = 0, op = \"!=\", value = \"AF_PACKET\" }] "
        "}]"},
       {"mask", "For masked==: the bits compared.",
        "allow = [{ name = \"open\", args = [{ index = 1, op = \"masked==\", value = 0, mask = "
        "\"O_WRONLY|O_RDWR\" }] }]"}});
}

Section shipped() {
  return {
      "SHIPPED PROFILES",
      false,
      {"Found by cloister run --profile NAME; each is tested with a real program."},
      {{"build-tool",
        "The project in the current directory read-write, the rest read-only, no "
        "network.",
        ""},
       {"desktop-app", "--net=unix, home read-only, the X11 and Wayland sockets bound.", ""},
       {"network-daemon",
        "A daemon serving on the --allow-bind ports: --net=tcp, the system read-only, the "
        "strict-daemon allowlist.",
        ""},
       {"passt-helper",
        "A network helper with nothing on disk: an empty root but the helper bound in, the "
        "host's network, an allowlist.",
        ""},
       {"shell", "The system read-only, an empty scratch home over the real one, no network.", ""},
       {"untrusted-parser",
        "A parser of untrusted files: nothing writable, no network, a new session, a fresh "
        "environment, the strict-daemon allowlist, only AF_UNIX sockets.",
        ""},
       {"virtiofsd",
        "One shared directory as the whole root, read-write; chroot where namespaces are "
        "refused; a strict allowlist.",
        ""}}};
}

}  // namespace

Page profile_page() {
  Page p;
  p.name = "cloister-profile";
  p.section = 5;
  p.command = "cloister run";
  p.usage = {"--profile FILE|NAME [OPTIONS] [--] COMMAND [ARGS...]"};
  p.summary = "the TOML profile format of cloister";
  p.description = {
      "A profile describes a sandbox in TOML, with the command line's option names and "
      "meanings: what its root holds, how COMMAND is started, its network, Landlock rules, "
      "resource limits and seccomp filter. cloister run, explain and learn read it where "
      "--profile stands among the options; the options after it add to it or override it. "
      "libcloister (a daemon confining itself) loads the same format.",
      "Problems (unknown keys, syscalls and groups, malformed values) are errors naming "
      "FILE:LINE:COLUMN, all reported at once, in every file included. A profile is a regular "
      "file of at most 1 MiB.",
      "The TOML library of Debian 12 (toml++ 3.3) has undefined behaviour for the characters "
      "U+00A1..U+0499, U+2C5E..U+3057 and U+FB26..U+FEFE, so a profile holding one anywhere, "
      "comments included, is refused; in strings, write them as \\uXXXX escapes.",
  };
  p.sections = {{"KEYS",
                 false,
                 {"By table; under each key, a line of TOML that uses it. Keys are named after "
                  "the command line's options, with their meanings."},
                 {}},
                top_level(),
                filesystem(),
                operations(),
                process(),
                namespaces(),
                network(),
                landlock(),
                limits(),
                cgroup(),
                seccomp(),
                rules(),
                shipped()};
  p.sections.push_back(
      {"ENVIRONMENT",
       false,
       {},
       {{"CLOISTER_PROFILE_PATH",
         "Directories, separated by ':', searched first for --profile NAME.", ""}}});
  p.examples = {
      {"A sandbox for a build: the project read-write, no network, at most 100 processes:",
       "[filesystem]\n"
       "ops = [{ bind = [\"${PWD}\", \"${PWD}\"] }]\n"
       "[process]\n"
       "chdir = \"${PWD}\"\n"
       "[network]\n"
       "mode = \"none\"\n"
       "[cgroup]\n"
       "pids-max = 100\n"
       "[seccomp]\n"
       "deny = [\"@privileged\"]"},
  };
  p.see_also = {"cloister-run(1)", "cloister-learn(1)", "cloister-explain(1)"};
  return p;
}

}  // namespace cloister::manual
