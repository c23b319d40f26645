// The default view of `cloister run`: the host's /usr, the /bin /sbin /lib* links, the parts
// of /etc programs read, private /tmp /var/tmp /dev /proc, and the root sealed read-only.
// The user's filesystem steps go on top of it; a default step they cover is left out.
#pragma once

#include <string>
#include <vector>

#include "plan/plan.hpp"

namespace cloister::default_view {

struct View {
  std::vector<FsStep> steps;          // in order, before the user's steps
  std::vector<std::string> replaced;  // "tmpfs /tmp (by tmpfs /tmp (mode 0755))", for explain
  bool seal = true;                   // end with SealRoot (false once "/" itself is replaced)
};

// The default view minus what `user` replaces: a default step is left out when a user step
// has the same destination, or mounts on a directory above it (the mount would hide it).
// A user mount on "/" replaces the whole view. `console`: the caller's terminal, for /dev;
// `host_pid_namespace`: the sandbox shares the host's PID namespace (see step::Proc).
View build(const std::vector<FsStep>& user, const std::string& console, bool host_pid_namespace);

// The destination of a step inside the sandbox, lexically normalised ("/" for SealRoot).
std::string dest_of(const FsStep& s);

// False for steps that change what is already there (--remount-ro, --chmod, --lock-file,
// the seal) rather than create or mount something at their destination.
bool places_something(const FsStep& s);

// True for steps that mount a filesystem tree on their destination (binds of directories,
// tmpfs, proc, dev, mqueue): everything below the destination comes from the mount.
bool mounts_tree(const FsStep& s);

// "/a//b/./c/" -> "/a/b/c"; ".." is kept (it resolves inside the root when applied).
std::string normalise(const std::string& path);

// True when `path` is `dir` or lies beneath it (both normalised).
bool at_or_below(const std::string& path, const std::string& dir);

}  // namespace cloister::default_view
