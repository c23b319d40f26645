// cloister-supervise(1): the manager of a group of services, and its group file. Each key has
// an example, a line of TOML in the table its subsection's title names; the unit tests load
// every example through the group file loader and hold the keys against the loader's source.
#include "manual/build.hpp"
#include "manual/pages.hpp"

namespace cloister::manual {

using namespace build;

namespace {

Section keys(std::string title, std::vector<Item> items, std::vector<std::string> intro = {}) {
  return {std::move(title), true, std::move(intro), std::move(items)};
}

Section group_keys() {
  return keys(
      "[group]",
      {{"name",
        "The group's name: in the services' cgroup names and in messages; 1 to 64 letters, "
        "digits, '-', '_' or '.', not starting with '.' or '-'. Default: the file's name "
        "without .toml.",
        "name = \"vm-firefox\""},
       {"shutdown-timeout",
        "Seconds (an integer or a fraction) from the group's SIGTERM or SIGINT until what still "
        "runs is SIGKILLed: one deadline for the whole stop, the services getting their stop "
        "signals one after the other in reverse start order meanwhile. Default: 10.",
        "shutdown-timeout = 2.5"},
       {"uid-range",
        "The services' uids: { first, count }, 0 not among them. Run by root, these are real "
        "host uids (no user namespace), and a range holding the uid of an account in "
        "/etc/passwd is refused; without it, root's services run as 65534. Run unprivileged, "
        "the group has one user namespace: where /etc/subuid and /etc/subgid give the caller "
        "ranges as large (and newuidmap is installed), the range is mapped onto them and each "
        "service runs under its own uid; otherwise every service runs under the caller's uid.",
        "uid-range = { first = 200000, count = 100 }"},
       {"gid-range", "The services' gids, as uid-range. Default: the numbers of uid-range.",
        "gid-range = { first = 200000, count = 100 }"},
       {"shared",
        "Absolute host paths services may ask for with their own shared key (the VM's "
        "storage, a socket directory).",
        "shared = [\"/var/lib/vm-firefox\"]"},
       {"profile",
        "The default profile of a service that names none: a shipped profile's name, a path "
        "(relative to the group file) or a table of a profile's keys.",
        "profile = \"passt-helper\""}});
}

Section range_keys() {
  return keys("[group] uid-range and gid-range",
              {{"first", "The range's first id, 1 or above.",
                "uid-range = { first = 200000, count = 100 }"},
               {"count", "How many ids: enough for every service.",
                "gid-range = { first = 300000, count = 16 }"}});
}

Section service_keys() {
  return keys(
      "[service.NAME]",
      {{"command",
        "The program and its arguments, as cloister run's COMMAND (required, not empty).",
        "command = [\"virtiofsd\", \"--shared-dir\", \"/var/lib/vm\"]"},
       {"profile",
        "The service's sandbox: a shipped profile's name, a path (relative to the group "
        "file) or a table of a profile's keys ([service.NAME.profile], see cloister-profile(5)), "
        "instead of the group's. With neither, cloister run's default sandbox.",
        "profile = \"virtiofsd\""},
       {"shared",
        "Which of the group's shared paths the service gets, each bound read-write at the "
        "same place.",
        "shared = [\"/var/lib/vm\"]"},
       {"uid",
        "A uid of uid-range, or \"next\" (the default): the lowest one of the range that no "
        "service names and none before it took. Two services never share one.",
        "uid = 200010"},
       {"gid", "A gid of gid-range, or \"next\" (the default): the number of the service's uid.",
        "gid = \"next\""},
       {"after",
        "Services started before this one, and ready before it starts; no cycles. The others "
        "start in the order of the file.",
        "after = [\"store\"]"},
       {"restart",
        "\"no\" (the default), \"on-failure\" (an exit status other than 0, or a signal) or "
        "\"always\".",
        "restart = \"on-failure\""},
       {"restart-delay",
        "Seconds before the first restart (default 0.1), doubled at every restart after it; "
        "back to the first once the service ran ready for 10 seconds.",
        "restart-delay = 0.5"},
       {"restart-delay-max", "The cap of that doubling, in seconds (default 30).",
        "restart-delay-max = 60"},
       {"ready",
        "When the service counts as ready, for those after it: \"none\" (once started, the "
        "default), { fd = N } (it writes a line to its descriptor N, 3 or above, as s6's "
        "notification-fd) or { socket = PATH } (PATH appears, as the service sees it).",
        "ready = { fd = 3 }"},
       {"stop-signal",
        "What stops the service: a name (\"SIGTERM\", \"TERM\") or a number from 1 to 64. "
        "Default: SIGTERM.",
        "stop-signal = \"SIGINT\""},
       {"cgroup",
        "The service's own limits ([service.NAME.cgroup]), with the keys and meanings of a "
        "profile's [cgroup], on top of those of its profile.",
        "cgroup = { memory-max = \"256M\", pids-max = 64 }"}});
}

Section ready_keys() {
  return keys("[service.NAME] ready",
              {{"fd", "The descriptor the service writes a line to once ready (3 to 1023).",
                "ready = { fd = 3 }"},
               {"socket", "The absolute path that appears once it is ready.",
                "ready = { socket = \"/run/store.sock\" }"}});
}

}  // namespace

Page supervise_page() {
  Page p;
  p.name = "cloister-supervise";
  p.command = "cloister supervise";
  p.usage = {"[OPTIONS] GROUP.toml"};
  p.summary = "run a group of services, each in a sandbox of its own";
  p.description = {
      "Starts the services GROUP.toml describes, each in its own sandbox, confined from the "
      "host and from each other; restarts them as told, and stops them all, in reverse start "
      "order, on SIGTERM or SIGINT. Made for the helper daemons of one virtual machine (a "
      "file server, a network daemon, the VMM).",
      "The manager is PID 1 of a new PID namespace, which its services share: when it ends, "
      "the kernel ends every service. It has a mount namespace of its own holding the host's "
      "root and a fresh /proc. Each service gets, on top of it, a mount namespace of its own "
      "with a private /tmp and /dev/shm, its own cgroup (a tmpfs it fills is charged to it), "
      "its own uid from the group's range, and the sandbox of its profile.",
      "Run by root, the services run under real host uids and gids from the group's ranges, "
      "with no user namespace at all (user namespaces being kernel attack surface): "
      "supplementary groups cleared, capabilities dropped. Run by anyone else, the group gets "
      "one user namespace and every service runs under the caller's uid; --explain says which.",
      "Between services: Landlock's signal and abstract-unix scopes (a service can neither "
      "signal another nor reach its abstract sockets, under the same uid too), ptrace and "
      "process_vm_readv/writev denied, each /tmp and /dev/shm private.",
      "A service starts once those it is after are ready. On SIGTERM or SIGINT the manager "
      "sends each service its stop signal, in reverse start order, waits up to the group's "
      "shutdown-timeout, then SIGKILLs what remains; it exits with 0 when every service "
      "stopped by itself, else with 1 and a line per service that did not.",
      "The services' standard output and error go to the manager's standard error, each line "
      "prefixed with the service's name, never interleaved within a line.",
  };
  p.options = {
      {"Options",
       "",
       {flag("--explain",
             "Print each service's plan (its sandbox, identity, order and readiness) and exit."),
        with("--parent-pid", {value("PID")},
             "Die with exactly the process PID, the caller passing its own (as s6 can).",
             "PR_SET_PDEATHSIG plus a check through a pidfd of that process, so the manager "
             "never outlives it, even when it died before the prctl; the services end with "
             "the manager."),
        with("--parent-pidfd", {value("FD")},
             "Die with exactly the process FD, a pidfd, refers to, as --parent-pid.", ""),
        with("--status-fd", {value("FD")},
             "Write JSON lines to FD: started, ready, exited, restarting, stopping and done, "
             "with pids, exit codes and cgroup figures.",
             "One JSON object a line, written as it happens; the descriptor is the manager's, "
             "never passed to a service."),
        alias("-h", flag("--help", "Print this help."))}}};
  p.sections = {
      {"GROUP FILE",
       false,
       {"TOML. A [group] table and one [service.NAME] table a service, NAME being 1 to 64 "
        "letters, digits, '-', '_' or '.' (not starting with '.' or '-'): its log prefix and "
        "part of its cgroup's name. Under each key, a line of TOML that uses it.",
        "Problems are errors naming FILE:LINE:COLUMN, all reported at once: unknown keys, a "
        "service defined twice, a cycle in after (named: a -> b -> a, a being after b), an "
        "after naming no service, a missing or empty command, a uid or gid outside its "
        "range, two services given the same uid, a range too small for its services or "
        "including 0, a shared path the group does not list, a ready descriptor below 3; "
        "in a service's profile and cgroup tables, the problems of a profile, at their place "
        "in the group file.",
        "A service's sandbox is built as cloister run builds one from --profile: the default "
        "view unless the profile's root is \"empty\", COMMAND the service's command. The "
        "manager adds the group's parts: its identity, the PID namespace it shares, the "
        "Landlock scopes."},
       {}},
      group_keys(),
      range_keys(),
      service_keys(),
      ready_keys(),
      {"EXIT STATUS",
       false,
       {},
       {{"0", "Every service stopped by itself when the group was stopped.", ""},
        {"1", "A service had to be SIGKILLed, or a service could not be started.", ""},
        {"2", "Bad options, or a group file with problems.", ""},
        {"125", "A service's sandbox could not be planned (a path it needs is missing, ...).",
         ""}}},
      {"ENVIRONMENT",
       false,
       {},
       {{"CLOISTER_PROFILE_PATH",
         "Directories, separated by ':', searched first for a profile NAME.", ""}}},
  };
  p.examples = {
      {"Three services, the VMM once the others are ready:",
       "[group]\n"
       "name = \"vm-firefox\"\n"
       "shutdown-timeout = 10\n"
       "uid-range = { first = 200000, count = 100 }\n"
       "shared = [\"/var/lib/vm\"]\n"
       "[service.store]\n"
       "command = [\"virtiofsd\", \"--shared-dir\", \"/var/lib/vm\",\n"
       "           \"--socket-path\", \"/var/lib/vm/fs.sock\"]\n"
       "profile = \"virtiofsd\"\n"
       "shared = [\"/var/lib/vm\"]\n"
       "ready = { socket = \"/var/lib/vm/fs.sock\" }\n"
       "restart = \"on-failure\"\n"
       "[service.net]\n"
       "command = [\"passt\", \"--foreground\"]\n"
       "profile = \"passt-helper\"\n"
       "[service.vmm]\n"
       "command = [\"cloud-hypervisor\", \"--api-socket\", \"/var/lib/vm/api\"]\n"
       "after = [\"store\", \"net\"]\n"
       "shared = [\"/var/lib/vm\"]\n"
       "stop-signal = \"SIGINT\"\n"
       "[service.vmm.cgroup]\n"
       "memory-max = \"4G\""},
      {"What each service's sandbox would be:", "cloister supervise --explain vm-firefox.toml"},
      {"Run the group, dying with the caller:",
       "cloister supervise --parent-pid $$ vm-firefox.toml"},
  };
  p.see_also = {"cloister(1)", "cloister-run(1)", "cloister-profile(5)", "landlock(7)",
                "pid_namespaces(7)"};
  return p;
}

}  // namespace cloister::manual
