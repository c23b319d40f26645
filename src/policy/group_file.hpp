// The group file of `cloister supervise`: a front end that fills one Policy per service, plus
// what the manager needs to run them as a group (order, identities, restarts, readiness).
//
//   [group]
//   name = "vm-firefox"
//   shutdown-timeout = 10               # seconds from SIGTERM to SIGKILL of what remains
//   uid-range = { first = 200000, count = 100 }   # root: the services' real host uids
//   gid-range = { first = 200000, count = 100 }   # default: the same numbers as uid-range
//   shared = ["/var/lib/vm-firefox"]    # host paths a service may ask for (read-write bind)
//   profile = "passt-helper"            # default profile: a shipped name or a path
//
//   [service.store]
//   command = ["virtiofsd", "--shared-dir", "/var/lib/vm-firefox"]
//   shared = ["/var/lib/vm-firefox"]    # which of the group's shared paths it gets
//   profile = "virtiofsd"               # or an inline table: [service.store.profile] ...
//   uid = "next"                        # or a number inside uid-range (default "next")
//   gid = "next"                        # default: the service's uid number
//   after = ["net"]                     # started once these are ready
//   restart = "on-failure"              # "no" (default), "on-failure", "always"
//   restart-delay = 0.1                 # seconds before the first restart, doubled each
//   restart-delay-max = 30              # time up to this cap; reset once ready for 10 s
//   ready = "none"                      # or { fd = 3 } (s6: a line written to fd 3) or
//                                       # { socket = "/run/store.sock" } (the path appears,
//                                       # as the service sees it)
//   stop-signal = "SIGTERM"             # a name or a number
//   [service.store.cgroup]              # the service's own limits: [cgroup]'s keys
//   memory-max = "256M"
//
// Every problem is FILE:LINE:COLUMN: what, all of them at once (as profiles): unknown keys,
// duplicate service names, a cycle in `after` (naming it), an `after` naming no service, a
// missing or empty command, a uid or gid outside the group's range, two services given the
// same uid, a range too small for its services, a range including 0, a `shared` path the
// group does not list, a ready fd below 3.
#pragma once

#include <sys/types.h>

#include <csignal>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cloister/error.hpp"
#include "cloister/policy.hpp"

namespace cloister::group {

enum class Restart : std::uint8_t { No, OnFailure, Always };

struct Readiness {
  enum class Kind : std::uint8_t { None, Fd, Socket };
  Kind kind = Kind::None;
  int fd = -1;         // Fd: the service's descriptor number (>= 3) it writes a line to
  std::string socket;  // Socket: a path inside the service's sandbox that appears when ready
};

struct IdRange {
  std::uint32_t first = 0;
  std::uint32_t count = 0;
  bool contains(std::uint32_t id) const { return id >= first && id - first < count; }
};

struct Service {
  std::string name;
  std::string origin;  // "group.toml:12:1": where [service.NAME] was written
  // The service's sandbox: its profile (its own, else the group's default, else cloister
  // run's defaults: the default system view), its command in argv, its [cgroup] limits, and
  // a read-write bind (source = dest) of each shared path it asked for. The manager adds the
  // group-wide parts (identity, Landlock scopes) when it plans the service.
  Policy policy;
  // With a uid-range: the service's uid, explicit or the next free one of the range (in file
  // order, skipping explicit ones). Without a range: unset.
  std::optional<uid_t> uid;
  std::optional<gid_t> gid;
  std::vector<std::string> after;  // names of services that must be ready first
  Restart restart = Restart::No;
  std::uint32_t restart_delay_ms = 100;
  std::uint32_t restart_delay_max_ms = 30000;
  Readiness ready;
  int stop_signal = SIGTERM;
};

struct Group {
  std::string name;
  std::string file;  // as given, for messages
  std::uint32_t shutdown_timeout_ms = 10000;
  std::optional<IdRange> uids;
  std::optional<IdRange> gids;
  std::vector<std::string> shared;
  // In start order: every service after those it names in `after`; otherwise file order.
  std::vector<Service> services;
};

// Environment lookups in profiles ("${HOME}") use the caller's environment, as profiles do.
Result<Group> load_file(const std::string& path);
// For tests and fuzzing: `name` is used in locations.
Result<Group> load_text(const std::string& text, const std::string& name);

}  // namespace cloister::group
