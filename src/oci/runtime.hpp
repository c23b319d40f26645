// The OCI runtime's commands, as runc and crun take them from container engines (podman's
// conmon, containerd's shim): create, start, state, kill, pause, resume, delete, run, exec, ps,
// features. Each returns the exit code; errors go to stderr and, with --log, to the log file
// (JSON lines with --log-format json), which is where engines read them.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cloister/error.hpp"

namespace cloister::oci {

struct Global {
  std::string root;  // --root: the state directory
  std::string log;   // --log FILE
  bool log_json = false;
};

struct CreateOptions {
  std::string bundle = ".";
  std::string pid_file;
  std::string console_socket;
  int preserve_fds = 0;  // fds 3 .. 3+N-1 passed on to the container
};

struct ExecOptions {
  std::string process_file;  // --process: an OCI process object (JSON)
  std::vector<std::string> args;
  std::vector<std::string> env;  // --env NAME=VALUE, added
  std::string cwd;
  std::optional<std::pair<unsigned, unsigned>> user;  // --user UID[:GID]
  std::vector<std::string> caps;                     // --cap, added
  bool detach = false;
  bool tty = false;
  std::string pid_file;
  std::string console_socket;
  int preserve_fds = 0;
};

// Says an error as `cloister-oci: ...` on stderr and in the log; returns `code`.
int report_error(const Global& g, const Error& e, int code = 1);
void log_warning(const Global& g, const std::string& text);

int create(const Global& g, const std::string& id, const CreateOptions& o);
int start(const Global& g, const std::string& id);
int run(const Global& g, const std::string& id, const CreateOptions& o, bool detach);
int state(const Global& g, const std::string& id);
int kill(const Global& g, const std::string& id, const std::string& signal, bool all);
// `pause ID` (frozen) and `resume ID`: the container's cgroup frozen or thawed, through the v2
// cgroup.freeze or the v1 freezer hierarchy; `state` says paused meanwhile.
int pause(const Global& g, const std::string& id, bool frozen);
int remove(const Global& g, const std::string& id, bool force);
// The container's processes (its cgroups', else its PID namespace's; none once it stopped):
// a JSON array of PIDs, as containerd's shim reads `ps --format json`, or PID and command
// lines.
int ps(const Global& g, const std::string& id, bool json);
int exec(const Global& g, const std::string& id, const ExecOptions& o);
int list(const Global& g);
int features();

}  // namespace cloister::oci
