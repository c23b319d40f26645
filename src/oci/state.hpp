// A container's state under the runtime's --root: one directory per container holding
// state.json (what `create` made: pid, bundle, cgroup, poststop hooks) and exec.fifo (present
// until `start`). It outlives every runtime process, so create and start can be two calls and
// `delete` finds everything to remove after a crash. The process's start time is kept with its
// pid, so a pid reused by another process is never taken for the container.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cloister/error.hpp"
#include "oci/spec.hpp"

namespace cloister::oci {

struct State {
  std::string id;
  std::string bundle;
  pid_t pid = 0;
  std::uint64_t start_time = 0;  // field 22 of /proc/PID/stat
  std::string created;           // RFC 3339
  std::map<std::string, std::string> annotations;
  std::vector<std::string> cgroup_paths;
  std::vector<std::string> cgroup_parents_made;  // made by create, removed by delete if empty
  std::vector<Hook> poststart;
  std::vector<Hook> poststop;
};

// Paused: its cgroup's freezer holds every process (`pause`), until `resume`.
enum class ContainerStatus { Creating, Created, Running, Paused, Stopped };

std::string status_name(ContainerStatus status);

// --root: given, else /run/cloister-oci for root, $XDG_RUNTIME_DIR/cloister-oci otherwise.
std::string default_root();

// A container id as runc accepts them: letters, digits, _ + - . (not "." or "..").
Status check_id(const std::string& id);

class StateDir {
 public:
  StateDir(std::string root, std::string id);
  const std::string& path() const { return dir_; }
  std::string fifo() const { return dir_ + "/exec.fifo"; }

  // The directory, made exclusively: an existing one is another container with this id.
  Status make() const;
  Status save(const State& state) const;
  // An error with ENOENT when there is no such container.
  Result<State> load() const;
  bool exists() const;
  // What the process is now: created (waiting for start), running, paused (its cgroup
  // frozen), or stopped.
  ContainerStatus status(const State& state) const;
  // Everything of the directory gone.
  Status remove() const;

 private:
  std::string root_;
  std::string id_;
  std::string dir_;
};

// The start time of PID (jiffies after boot), or nullopt when there is no such process or it
// is a zombie already.
std::optional<std::uint64_t> live_start_time(pid_t pid);

// The state JSON of the OCI spec, as `state` prints it and hooks read it on stdin.
std::string state_json(const State& state, ContainerStatus status);

std::string now_rfc3339();

// PATH written whole or not at all (a temporary beside it, then rename), for state.json and
// the engines' --pid-file, which they may read at any moment.
Status write_file_atomically(const std::string& path, const std::string& text, const char* step,
                             mode_t mode);
// --pid-file FILE: the pid, as runc writes it; nothing when no file was asked for.
Status write_pid_file(const std::string& path, pid_t pid);

}  // namespace cloister::oci
