// create, start and run: a container is cloister's sandbox of the bundle's Policy, started by
// the same step engine as `cloister run`, stopped just before exec until `start`.
#include "oci/runtime.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <iostream>

#include "kernel/fd.hpp"
#include "kernel/syscalls.hpp"
#include "oci/cgroup_parents.hpp"
#include "oci/console_socket.hpp"
#include "oci/hooks.hpp"
#include "oci/spec.hpp"
#include "oci/state.hpp"
#include "plan/plan.hpp"
#include "process/engine.hpp"
#include "process/spawn.hpp"

namespace cloister::oci {
namespace {

// Everything a create made, undone unless it succeeded: the state directory, the exec fifo,
// the cgroup parents. (The sandbox itself is spawn::Running's to end.)
class CreateGuard {
 public:
  explicit CreateGuard(StateDir dir) : dir_(std::move(dir)) {}
  CreateGuard(const CreateGuard&) = delete;
  CreateGuard& operator=(const CreateGuard&) = delete;
  ~CreateGuard() {
    if (!armed_) return;
    (void)dir_.remove();
    remove_cgroup_parents(parents_);
  }
  void arm() { armed_ = true; }
  void keep() { armed_ = false; }
  std::vector<std::string>& parents() { return parents_; }

 private:
  StateDir dir_;
  std::vector<std::string> parents_;
  bool armed_ = false;
};

Status write_oom_score_adj(pid_t pid, const std::optional<int>& value) {
  if (!value) return ok_status();
  const std::string path = "/proc/" + std::to_string(pid) + "/oom_score_adj";
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  const std::string text = std::to_string(*value);
  if (!fd || ::write(fd.get(), text.data(), text.size()) < 0)
    return Error{"process.oomScoreAdj", "write", path, errno,
                 errno == EACCES ? "lowering it needs CAP_SYS_RESOURCE" : ""};
  return ok_status();
}

// Until the child says it is set up (a byte), reports a failed step, or ends without either.
Status wait_created(spawn::Running& running, int created_fd) {
  for (;;) {
    pollfd fds[2] = {{created_fd, POLLIN, 0}, {running.report_fd(), POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return Error{"create", "poll", "", errno, ""};
    }
    if (fds[1].revents) {
      running.read_report();
      if (running.reported()) return *running.reported();
    }
    if (!fds[0].revents) continue;
    char byte = 0;
    if (::read(created_fd, &byte, 1) == 1) return ok_status();
    running.read_report();
    if (running.reported()) return *running.reported();
    auto ended = running.finish();
    if (ended.outcome.error) return *ended.outcome.error;
    return Error{"create", "the container's process ended during its setup", "", 0,
                 "exit status " + std::to_string(ended.outcome.exit_code)};
  }
}

struct Pipe {
  UniqueFd read, write;
};

Result<Pipe> make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return Error{"create", "pipe2", "", errno, ""};
  return Pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

// The umask the container's process starts with (process.user.umask), for as long as this
// object lives: the child of the clone inherits it.
class UmaskFor {
 public:
  explicit UmaskFor(const std::optional<mode_t>& mask) : set_(mask.has_value()) {
    if (set_) saved_ = ::umask(*mask);
  }
  ~UmaskFor() {
    if (set_) ::umask(saved_);
  }
  UmaskFor(const UmaskFor&) = delete;
  UmaskFor& operator=(const UmaskFor&) = delete;

 private:
  bool set_ = false;
  mode_t saved_ = 0;
};

// A created container: its process waits on the exec fifo.
struct Created {
  Container container;
  spawn::Running running;
  State state;
};

Result<Plan> plan_for(const Global& g, Container& c, const CreateOptions& o, int fifo_fd) {
  for (int fd = 3; fd < 3 + o.preserve_fds; ++fd) c.policy.keep_fds.push_back(fd);
  c.policy.block_fd = fifo_fd;
  auto plan = resolve(c.policy, current_caller());
  if (!plan) return plan.take_error();
  for (const auto& n : c.notices) log_warning(g, n);
  for (const auto& n : plan->notices) log_warning(g, n);
  return plan;
}

Result<Created> create_container(const Global& g, const std::string& id, const CreateOptions& o,
                                 CreateGuard& guard) {
  CLOISTER_TRY(check_id(id));
  auto container = load_bundle(o.bundle);
  if (!container) return container.take_error();
  Container& c = *container;
  auto console = connect_console(c, o.console_socket);
  if (!console) return console.take_error();
  StateDir dir(g.root, id);
  CLOISTER_TRY(dir.make());
  guard.arm();
  if (::mkfifo(dir.fifo().c_str(), 0600) != 0) return Error{"create", "mkfifo", dir.fifo(), errno, ""};
  // Read-write: the container's read blocks until `start` writes, never sees EOF before.
  UniqueFd fifo(::open(dir.fifo().c_str(), O_RDWR | O_CLOEXEC));
  if (!fifo) return Error{"create", "open", dir.fifo(), errno, ""};
  auto parents = make_cgroup_parents(c.policy.cgroup.parent);
  if (!parents) return parents.take_error();
  guard.parents() = std::move(*parents);
  auto plan = plan_for(g, c, o, fifo.get());
  if (!plan) return plan.take_error();
  // The runtime's own inherited descriptors are not the container's (only --preserve-fds).
  CLOISTER_TRY(engine::close_inherited_descriptors(*plan));
  auto created = make_pipe();
  if (!created) return created.take_error();
  spawn::Options options;
  options.keeper = false;  // the cgroup outlives this process: `delete` removes it
  options.created_fd = created->write.get();
  std::vector<std::string> notices;
  auto running = [&] {
    UmaskFor umask(c.umask);
    return spawn::start(*plan, options, notices);
  }();
  for (const auto& n : notices) log_warning(g, n);
  if (!running) return running.take_error();
  created->write.reset();
  State s;
  s.id = id;
  s.bundle = c.bundle;
  s.pid = running->pid();
  s.created = now_rfc3339();
  s.annotations = c.annotations;
  s.cgroup_paths = running->cgroup_paths();
  if (s.cgroup_paths.empty() && c.policy.ns.pid != Want::Yes)
    log_warning(g, "no cgroup and no PID namespace of its own: kill --all and delete reach only "
                   "the container's process, what it forks may outlive it");
  s.cgroup_parents_made = guard.parents();
  s.poststart = c.hooks.poststart;
  s.poststop = c.hooks.poststop;
  // Saved before the wait: a runtime killed now leaves a state `delete` can clean up after.
  CLOISTER_TRY(dir.save(s));
  CLOISTER_TRY(wait_created(*running, created->read.get()));
  s.start_time = live_start_time(s.pid).value_or(0);
  CLOISTER_TRY(dir.save(s));
  CLOISTER_TRY(write_oom_score_adj(s.pid, c.oom_score_adj));
  CLOISTER_TRY(run_hooks(c.hooks.create_runtime, state_json(s, ContainerStatus::Created)));
  return Created{std::move(c), std::move(*running), std::move(s)};
}

Status open_fifo_and_start(const StateDir& dir) {
  UniqueFd fd(::open(dir.fifo().c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC));
  if (!fd) {
    const int err = errno;
    return Error{"start", "open", dir.fifo(), err,
                 err == ENXIO    ? "the container's process is gone"
                 : err == ENOENT ? "the container was started already"
                                 : ""};
  }
  if (::write(fd.get(), "s", 1) != 1) return Error{"start", "write", dir.fifo(), errno, ""};
  ::unlink(dir.fifo().c_str());
  return ok_status();
}

void run_poststart(const Global& g, const State& s) {
  // The spec: a failed poststart hook is a warning, the container goes on.
  if (auto st = run_hooks(s.poststart, state_json(s, ContainerStatus::Running)); !st)
    log_warning(g, st.error().message());
}

constexpr int kForwarded[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};

// `run` without --detach: the container's signals passed on, its exit status returned.
int wait_in_foreground(spawn::Running& running) {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : kForwarded) sigaddset(&set, sig);
  UniqueFd sfd(::signalfd(-1, &set, SFD_CLOEXEC));
  for (;;) {
    pollfd fds[2] = {{running.pidfd(), POLLIN, 0}, {sfd.get(), POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0 && errno != EINTR) break;
    if (fds[1].revents) {
      signalfd_siginfo info{};
      if (::read(sfd.get(), &info, sizeof info) == sizeof info)
        sys::pidfd_send_signal(running.pidfd(), static_cast<int>(info.ssi_signo));
    }
    if (fds[0].revents) break;
  }
  return running.finish().outcome.exit_code;
}

}  // namespace

int create(const Global& g, const std::string& id, const CreateOptions& o) {
  CreateGuard guard(StateDir(g.root, id));
  auto created = create_container(g, id, o, guard);
  if (!created) return report_error(g, created.error());
  if (auto st = write_pid_file(o.pid_file, created->state.pid); !st)
    return report_error(g, st.error());
  // From here the container lives on its own, until `delete`.
  (void)created->running.release();
  guard.keep();
  return 0;
}

int start(const Global& g, const std::string& id) {
  if (auto valid = check_id(id); !valid) return report_error(g, valid.error());
  StateDir dir(g.root, id);
  auto s = dir.load();
  if (!s) return report_error(g, s.error());
  const auto status = dir.status(*s);
  if (status != ContainerStatus::Created)
    return report_error(g, Error{"start", "container " + quote(id) + " is " + status_name(status),
                                 "", 0, "only a created container can be started"});
  if (auto st = open_fifo_and_start(dir); !st) return report_error(g, st.error());
  run_poststart(g, *s);
  return 0;
}

int run(const Global& g, const std::string& id, const CreateOptions& o, bool detach) {
  sigset_t set, old;
  sigemptyset(&set);
  for (int sig : kForwarded) sigaddset(&set, sig);
  ::sigprocmask(SIG_BLOCK, &set, &old);
  CreateGuard guard(StateDir(g.root, id));
  auto created = create_container(g, id, o, guard);
  if (!created) return report_error(g, created.error());
  if (auto st = write_pid_file(o.pid_file, created->state.pid); !st)
    return report_error(g, st.error());
  StateDir dir(g.root, id);
  if (auto st = open_fifo_and_start(dir); !st) return report_error(g, st.error());
  run_poststart(g, created->state);
  if (detach) {
    (void)created->running.release();
    guard.keep();
    return 0;
  }
  const int code = wait_in_foreground(created->running);
  if (auto st = run_hooks(created->state.poststop, state_json(created->state, ContainerStatus::Stopped));
      !st)
    log_warning(g, st.error().message());
  return code;  // the guard removes the state directory and the cgroup parents made
}

}  // namespace cloister::oci
