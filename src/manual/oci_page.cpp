// cloister-oci(1): the OCI runtime command line, and what each config.json key becomes.
#include "manual/build.hpp"
#include "manual/pages.hpp"

namespace cloister::manual {

using namespace build;

namespace {

Section commands() {
  return {"COMMANDS",
          false,
          {"As runc and crun take them. Options are written --opt VALUE, --opt=VALUE or -opt."},
          {{"create [--bundle DIR] [--pid-file FILE] [--console-socket SOCKET] [--preserve-fds N] ID",
            "Builds the container of DIR/config.json (default: the current directory) and "
            "stops its process just before it executes the program: every namespace, mount, "
            "identity, capability, Landlock rule and seccomp filter is in place, and the "
            "program has been found. Then the createRuntime (and prestart) hooks run and FILE "
            "gets the process's pid. A failed step is an error naming the step, the path and "
            "the errno, and leaves nothing behind.",
            ""},
           {"start ID",
            "Lets the created container's process execute its program (a byte on the exec "
            "fifo in the state directory), then runs the poststart hooks (a failing one is a "
            "warning, as the spec says).",
            ""},
           {"run [--bundle DIR] [--pid-file FILE] [--detach] [--preserve-fds N] ID",
            "create and start; without --detach it passes SIGTERM, SIGINT, SIGHUP, SIGQUIT, "
            "SIGUSR1, SIGUSR2 and SIGWINCH on to the container, waits for it, removes it "
            "(cgroup and state) and exits with its exit status (128+N for a signal).",
            ""},
           {"state ID",
            "The container's state as the spec's JSON: status creating, created, running, "
            "paused or stopped, pid, bundle, annotations. A pid is only taken for the "
            "container's while its start time is the one create saw.",
            ""},
           {"kill [--all] ID [SIGNAL]",
            "SIGNAL (a number or a name, default TERM) to the container's process, or with "
            "--all to every process of its cgroup. A stopped container is not an error. "
            "SIGKILL to a paused container thaws it afterwards, so the signal is delivered "
            "(cgroup v1 holds it until then).",
            ""},
           {"pause ID",
            "Freezes every process of a created or running container: cgroup v2's "
            "cgroup.freeze, or freezer.state of the v1 freezer hierarchy, and waits until the "
            "kernel says all are frozen (5 seconds at most, then thaws and fails). state says "
            "paused. A container without a cgroup (rootless, nothing delegated) cannot be "
            "paused.",
            ""},
           {"resume ID", "Thaws a paused container and waits until it runs again.", ""},
           {"delete [--force] ID",
            "Removes a stopped or created container: what is left of its processes is "
            "killed, its cgroup and the cgroup parents create made are removed, the poststop "
            "hooks run, the state directory goes. A running or paused one needs --force (a "
            "paused one is killed, then thawed). Also cleans up after a runtime killed in the "
            "middle of create.",
            ""},
           {"exec [--process FILE] [--detach] [--pid-file FILE] [--cwd DIR] [--env NAME=VALUE] "
            "[--user UID[:GID]] [--cap CAP] [--preserve-fds N] ID [COMMAND [ARG...]]",
            "A new process in a running container: it enters the container's cgroup and "
            "namespaces, then gets the identity, capabilities, no_new_privs, rlimits, Landlock "
            "rules and seccomp filters the bundle gives its process (FILE: an OCI process "
            "object instead of config.json's). With --detach, FILE gets its pid and it is left "
            "to the caller's subreaper (conmon).",
            ""},
           {"list", "The containers under --root, one a line.", ""},
           {"features", "The spec's features document: what this runtime supports.", ""}}};
}

Section config_keys() {
  return {"CONFIG.JSON",
          false,
          {"Every key is honoured or refused with an error naming it (\"config.json: "
           "mounts[3].options[1]: 'suid' is not supported by cloister\"); where cloister gives "
           "more than the spec asks, this says so."},
          {{"process",
            "args, env (the whole environment), cwd, user (uid, gid, additionalGids, umask), "
            "capabilities, rlimits, oomScoreAdj. The five capability sets are set as given "
            "(an inheritable capability must be in bounding; an ambient one not also permitted "
            "and inheritable is left out, with a warning). no_new_privs is always set, whatever "
            "noNewPrivileges says. As runc and crun do, args[0] without a '/' is searched in "
            "env's PATH, and a file the kernel cannot run (no #! line) fails with \"Exec "
            "format error\", never run by /bin/sh; HOME, where env has none, is the uid's home "
            "in the container's /etc/passwd (\"/\" when it is not listed there); no PWD is "
            "added. An exec that fails after start is said on the process's own stderr: "
            "\"cloister-oci: exec ARG0: ERROR (HINT)\". apparmorProfile and selinuxLabel are "
            "refused where that module runs, and said not applied where it does not. terminal "
            "(with --console-socket, which it needs): a pseudo-terminal from the container's "
            "own /dev/ptmx, its master sent over the socket, sized by consoleSize; the "
            "process gets it as stdio and controlling terminal in a new session.",
            ""},
           {"root, mounts",
            "root.path is bound on / (nosuid, nodev), made read-only at the end with "
            "root.readonly. Mounts in order: bind and rbind (always recursive), tmpfs (mode=, "
            "size=, ro, noexec), proc, sysfs, mqueue, cgroup and cgroup2, devpts on /dev/pts. "
            "A tmpfs on /dev is cloister's /dev: null, zero, full, random, urandom, tty, "
            "devpts, shm and the standard links, on a nodev tmpfs, so a node made there is "
            "unusable. Every mount is private (private, rprivate, slave, rslave accepted); "
            "shared, suid, id-mapped mounts and other filesystem types are refused. tmpcopyup "
            "is accepted where the image's directory is empty (nothing to copy).",
            ""},
           {"linux.namespaces",
            "pid, network, mount (required), ipc, uts, user and cgroup, new or, with a path, "
            "joined (not mount). A cgroup mount without a cgroup namespace gets one.",
            ""},
           {"linux.uidMappings, gidMappings",
            "The user namespace's maps, written by the runtime. Without a user namespace the "
            "process's ids are host ids (root only).",
            ""},
           {"linux.cgroupsPath, resources",
            "/PARENT/NAME: exactly that cgroup, the parent made when missing; systemd's "
            "slice:prefix:name is refused. Where /sys/fs/cgroup is cgroup v1 (hybrid hosts "
            "too), as engines see it: NAME in every mounted v1 hierarchy but cpuset (freezer "
            "for pause; memory, cpu, cpuacct, pids, blkio for the engine's figures), limits "
            "or not; else cgroup v2. memory (limit, swap), cpu (shares: v1's cpu.shares as "
            "given, v2's cpu.weight converted as runc does; quota, period), pids (limit), "
            "blockIO (weight). "
            "devices: every mount but the device nodes' own is nodev, so only the nodes the "
            "container has are usable; a rule denying one of those is refused.",
            ""},
           {"linux.seccomp",
            "The spec's filter, compiled by cloister's compiler and nothing else: actions "
            "ALLOW, ERRNO, KILL, KILL_THREAD, KILL_PROCESS, TRAP, LOG; TRACE and NOTIFY refused.",
            ""},
           {"linux.sysctl",
            "Namespaced keys (net.*, IPC's kernel.* and fs.mqueue.*, kernel.hostname) of "
            "namespaces the container has of its own; any other would change the host.",
            ""},
           {"linux.maskedPaths, readonlyPaths, devices",
            "A masked directory gets an empty read-only tmpfs, a file /dev/null; a read-only "
            "path is bound onto itself read-only. A device is the host's node at the same "
            "path, bound.",
            ""},
           {"hooks",
            "createRuntime and prestart (when create has set the container up, before it "
            "returns), poststart, poststop; createContainer and startContainer are refused.",
            ""}}};
}

Section annotations() {
  return {"ANNOTATIONS",
          false,
          {"cloister's own additions, in config.json's annotations; an unknown org.cloister.* "
           "key is an error."},
          {{"org.cloister.landlock.read, .write, .exec, .ioctl-dev",
            "Paths (colon-separated, as seen in the container) the process may read, write, "
            "execute, or use device ioctls on; once one is given, every other path is denied.",
            ""},
           {"org.cloister.landlock.scope",
            "signal, abstract-unix: no signals to, and no abstract sockets of, processes "
            "outside the container's Landlock domain.",
            ""},
           {"org.cloister.landlock.mode", "required (default) or best-effort.", ""},
           {"org.cloister.profile",
            "A cloister profile on the container: a shipped profile's name, looked up as "
            "cloister run --profile looks it up, or the absolute host path of a TOML profile "
            "(one cloister learn wrote), read by the runtime. The container stays the "
            "engine's, so only what stacks on it applies, and only tightens it: the profile's "
            "[seccomp] filter is compiled on its own and installed as well as linux.seccomp's "
            "(the kernel takes the stricter verdict; without [seccomp] it is cloister's default "
            "denylist, as under cloister run, and base = \"none\" adds none); its [landlock] "
            "rules and scopes (refused together with org.cloister.landlock.* annotations: one "
            "place for them); its [rlimits] after process.rlimits, refused where one would raise "
            "a limit the config sets. Every other section ([filesystem], [network], "
            "[namespaces], [process], [cgroup], sandbox) is logged as a warning, not applied: "
            "the bundle and the engine decide those. podman run --annotation "
            "org.cloister.profile=NAME ...",
            ""}}};
}

}  // namespace

Page oci_page() {
  Page p;
  p.name = "cloister-oci";
  p.command = "cloister oci";
  p.usage = {"[GLOBAL OPTIONS] COMMAND [OPTIONS] ID", "features", "--version"};
  p.summary = "the OCI runtime: podman and containerd run containers in cloister sandboxes";
  p.description = {
      "An OCI runtime (runtime spec 1.x) with runc's command line, also installed as "
      "cloister-oci: `podman --runtime /usr/bin/cloister-oci run ...`. config.json is read into "
      "the Policy that cloister run's options fill and started by the same step engine.",
      "State lives under --root, one directory per container (state.json, exec.fifo until "
      "start), so create and start are two calls and delete can clean up after a crash.",
  };
  p.options = {
      {"Global options",
       "",
       {with("--root", {directory("DIR")},
             "The state directory (default /run/cloister-oci for root of the host's user "
             "namespace, else $XDG_RUNTIME_DIR/cloister-oci, as rootless podman runs its "
             "runtime; /tmp/cloister-oci-UID without XDG_RUNTIME_DIR)."),
        with("--log", {path("FILE")}, "Errors and warnings also go to FILE."),
        with("--log-format", {choice("FORMAT", {"text", "json"})},
             "json: one object a line with level, msg and time, as engines read them."),
        flag("--systemd-cgroup",
             "Refused: cloister manages cgroups through the cgroup filesystem (use the engine's "
             "cgroupfs manager)."),
        flag("--version", "Print the version and the spec version."),
        alias("-h", flag("--help", "Print the usage."))}}};
  p.sections = {commands(), config_keys(), annotations(),
                {"EXIT STATUS",
                 false,
                 {},
                 {{"0", "Done.", ""},
                  {"1", "The command failed (the message says where and why).", ""},
                  {"2", "Bad options, or --systemd-cgroup.", ""},
                  {"run's", "run without --detach: the container's exit status.", ""}}}};
  p.examples = {
      {"podman with cloister as its runtime (cgroupfs manager):",
       "podman --runtime /usr/bin/cloister-oci run --rm IMAGE true"},
      {"A bundle by hand:", "cloister oci create --bundle ./bundle c1"},
      {"", "cloister oci start c1"},
      {"", "cloister oci delete --force c1"},
  };
  p.see_also = {"cloister(1)", "cloister-run(1)", "podman(1)", "runc(8)"};
  return p;
}

}  // namespace cloister::manual
