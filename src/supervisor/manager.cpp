#include "supervisor/manager.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>

#include "kernel/fd.hpp"
#include "kernel/syscalls.hpp"
#include "process/launcher.hpp"
#include "process/spawn.hpp"
#include "supervisor/log_lines.hpp"

namespace cloister::supervisor {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// A service's readiness socket is looked for this often.
constexpr milliseconds kSocketPoll{20};
// Ready this long: the next crash restarts after the first delay again.
constexpr milliseconds kStableAfter{10000};

enum class State {
  Waiting,   // not started: a service it names in `after` is not ready yet
  Starting,  // started, not ready yet
  Ready,
  Backoff,  // exited; restarts at restart_at
  Done,     // exited for good (or never started, when the group stopped first)
};

enum Channel : std::uint64_t { kOut = 1, kErr = 2, kReady = 3, kReport = 4 };
constexpr std::uint64_t kSignals = ~0ULL;

std::string json_string(const std::string& text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\u%04x", c);
      out += esc;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

struct Unit {
  const group::Service* spec = nullptr;
  State state = State::Waiting;
  std::optional<spawn::Running> running;
  UniqueFd out, err, ready;
  std::unique_ptr<LineLog> out_log, err_log;
  Clock::time_point restart_at{};
  Clock::time_point ready_since{};
  std::uint32_t delay_ms = 0;
  int start_order = -1;  // when it (last) started, for the reverse order of the stop
  int last_exit = -1;
  std::string failure;  // why it ended badly, for the summary
  bool stop_sent = false;
  bool killed_at_timeout = false;
  bool turn_not_come = false;  // killed at the deadline before it got its stop signal
  bool ever_ready = false;
};

class Manager {
 public:
  Manager(const group::Group& group, const GroupIdentity& identity, const ManagerOptions& options)
      : group_(group), identity_(identity), options_(options) {
    for (std::size_t i = 0; i < group.services.size(); ++i) {
      Unit u;
      u.spec = &group.services[i];
      u.delay_ms = u.spec->restart_delay_ms;
      units_.push_back(std::move(u));
    }
  }

  int run() {
    if (!setup()) return 1;
    start_eligible();
    while (!finished()) {
      wait_for_events();
      on_deadlines();
      if (!stopping_) start_eligible();
    }
    return summary();
  }

 private:
  // ---- setup and events ----

  bool setup() {
    epoll_.reset(::epoll_create1(EPOLL_CLOEXEC));
    sigset_t set = signals_watched();
    signals_.reset(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
    null_.reset(::open("/dev/null", O_RDWR | O_CLOEXEC));
    if (!epoll_ || !signals_ || !null_) {
      say("manager: setup: " + std::string(std::strerror(errno)));
      return false;
    }
    watch(signals_.get(), kSignals);
    return true;
  }

  static sigset_t signals_watched() {
    sigset_t set;
    sigemptyset(&set);
    for (int s : {SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGQUIT}) sigaddset(&set, s);
    return set;
  }

  void watch(int fd, std::uint64_t key) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = key;
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev);
  }
  void unwatch(int fd) {
    if (fd >= 0) ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
  }
  static std::uint64_t key(std::size_t unit, Channel channel) { return (unit << 8) | channel; }

  void wait_for_events() {
    epoll_event events[32];
    const int n = ::epoll_wait(epoll_.get(), events, 32, next_timeout_ms());
    for (int i = 0; i < n; ++i) {
      const std::uint64_t k = events[i].data.u64;
      if (k == kSignals) {
        on_signals();
        continue;
      }
      const std::size_t index = k >> 8;
      if (index >= units_.size()) continue;
      switch (static_cast<Channel>(k & 0xff)) {
        case kOut: drain(units_[index].out, *units_[index].out_log); break;
        case kErr: drain(units_[index].err, *units_[index].err_log); break;
        case kReady: on_ready_fd(index); break;
        case kReport: on_report(index); break;
      }
    }
  }

  int next_timeout_ms() const {
    std::optional<Clock::time_point> next;
    auto consider = [&next](Clock::time_point t) {
      if (!next || t < *next) next = t;
    };
    for (const auto& u : units_) {
      if (u.state == State::Backoff) consider(u.restart_at);
      if (u.state == State::Starting && u.spec->ready.kind == group::Readiness::Kind::Socket)
        consider(Clock::now() + kSocketPoll);
    }
    if (stopping_) consider(stop_deadline_);
    if (!next) return -1;
    const auto ms = std::chrono::duration_cast<milliseconds>(*next - Clock::now()).count() + 1;
    return static_cast<int>(std::clamp<long long>(ms, 0, 60000));
  }

  void on_signals() {
    signalfd_siginfo info{};
    while (::read(signals_.get(), &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
      if (info.ssi_signo == SIGCHLD)
        reap();
      else
        begin_stop(static_cast<int>(info.ssi_signo));
    }
    reap();  // SIGCHLDs merge: look once more
  }

  // As PID 1 the manager also reaps what services left behind (reparented to it).
  void reap() {
    for (;;) {
      siginfo_t info{};
      if (::waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid == 0) return;
      auto it = std::find_if(units_.begin(), units_.end(), [&](const Unit& u) {
        return u.running && u.running->pid() == info.si_pid;
      });
      if (it != units_.end())
        on_exit(static_cast<std::size_t>(it - units_.begin()));
      else
        ::waitpid(info.si_pid, nullptr, 0);
    }
  }

  // ---- starting ----

  bool dependencies_ready(const Unit& u) const {
    for (const auto& name : u.spec->after) {
      auto dep = std::find_if(units_.begin(), units_.end(),
                              [&](const Unit& d) { return d.spec->name == name; });
      if (dep == units_.end() || dep->state != State::Ready) return false;
    }
    return true;
  }

  void start_eligible() {
    for (std::size_t i = 0; i < units_.size(); ++i)
      if (units_[i].state == State::Waiting && dependencies_ready(units_[i])) start(i);
  }

  struct Pipe {
    UniqueFd read, write;
  };
  static std::optional<Pipe> make_pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return std::nullopt;
    ::fcntl(fds[0], F_SETFL, O_NONBLOCK);
    return Pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
  }

  void start(std::size_t index) {
    Unit& u = units_[index];
    const auto& name = u.spec->name;
    auto out = make_pipe(), err = make_pipe();
    std::optional<Pipe> ready;
    if (u.spec->ready.kind == group::Readiness::Kind::Fd) ready = make_pipe();
    if (!out || !err || (u.spec->ready.kind == group::Readiness::Kind::Fd && !ready))
      return failed_start(index, "pipe2: " + std::string(std::strerror(errno)));
    spawn::Options options;
    options.placements = {{null_.get(), 0}, {out->write.get(), 1}, {err->write.get(), 2}};
    if (ready) options.placements.push_back({ready->write.get(), u.spec->ready.fd});
    options.close_others_in_child = true;
    options.keeper = false;
    options.guard = options_.guard;
    // Planned now and dropped once started: the manager holds no plan while services run.
    auto plan = plan_service(*u.spec, identity_);
    if (!plan) return failed_start(index, plan.error().message());
    std::vector<std::string> notices;
    auto running = spawn::start(*plan, options, notices);
    for (const auto& n : notices) {
      // Said once for the group, not once per service: the host gives no cgroup here.
      const bool no_cgroup = n.rfind("running without a cgroup", 0) == 0;
      if (no_cgroup && said_no_cgroup_) continue;
      said_no_cgroup_ = said_no_cgroup_ || no_cgroup;
      say("manager: " + name + ": " + n + (no_cgroup ? " (the same for every service)" : ""));
    }
    if (!running) return failed_start(index, running.error().message());
    u.running.emplace(std::move(*running));
    u.out = std::move(out->read);
    u.err = std::move(err->read);
    u.out_log = std::make_unique<LineLog>(name + ": ", options_.log_fd);
    u.err_log = std::make_unique<LineLog>(name + ": ", options_.log_fd);
    watch(u.out.get(), key(index, kOut));
    watch(u.err.get(), key(index, kErr));
    if (ready) {
      u.ready = std::move(ready->read);
      watch(u.ready.get(), key(index, kReady));
    }
    if (u.running->report_fd() >= 0) watch(u.running->report_fd(), key(index, kReport));
    u.state = State::Starting;
    u.start_order = next_order_++;
    u.stop_sent = false;
    event(u, "started", ", \"pid\": " + std::to_string(u.running->pid()));
  }

  // The sandbox could not be set up: the same as exiting with 125 (restart policy applies).
  void failed_start(std::size_t index, const std::string& why) {
    Unit& u = units_[index];
    say("manager: " + u.spec->name + ": cannot start: " + why);
    u.start_order = next_order_++;
    after_exit(u, kExitSetupFailed, why);
  }

  // ---- readiness ----

  void became_ready(Unit& u) {
    if (u.state != State::Starting) return;
    u.state = State::Ready;
    u.ever_ready = true;
    u.ready_since = Clock::now();
    event(u, "ready", ", \"pid\": " + std::to_string(u.running->pid()));
  }

  void on_ready_fd(std::size_t index) {
    Unit& u = units_[index];
    char buf[256];
    const ssize_t n = ::read(u.ready.get(), buf, sizeof buf);
    if (n > 0 && std::memchr(buf, '\n', static_cast<std::size_t>(n))) became_ready(u);
    if (n > 0 && !std::memchr(buf, '\n', static_cast<std::size_t>(n))) return;
    // A line, or the end: the descriptor has served (s6 closes it after the line too).
    unwatch(u.ready.get());
    u.ready.reset();
  }

  // EOF without a record: COMMAND was executed.
  void on_report(std::size_t index) {
    Unit& u = units_[index];
    if (!u.running) return;
    const int fd = u.running->report_fd();
    u.running->read_report();
    if (u.running->report_fd() >= 0) return;
    unwatch(fd);
    if (!u.running->reported() && u.spec->ready.kind == group::Readiness::Kind::None)
      became_ready(u);
  }

  void poll_socket(Unit& u) {
    // As the service sees it: through its root, in its own mount namespace.
    const std::string path =
        "/proc/" + std::to_string(u.running->pid()) + "/root" + u.spec->ready.socket;
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) became_ready(u);
  }

  // ---- output ----

  void drain(UniqueFd& fd, LineLog& log) {
    if (!fd) return;
    char buf[4096];
    for (;;) {
      const ssize_t n = ::read(fd.get(), buf, sizeof buf);
      if (n > 0) {
        log.feed(buf, static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) return;
      log.flush();  // EOF (or an error): the pipe is done
      unwatch(fd.get());
      fd.reset();
      return;
    }
  }

  // ---- exits ----

  void on_exit(std::size_t index) {
    Unit& u = units_[index];
    const pid_t pid = u.running->pid();
    if (u.running->report_fd() >= 0) unwatch(u.running->report_fd());
    spawn::Ended ended = u.running->finish();
    u.running.reset();
    drain(u.out, *u.out_log);
    drain(u.err, *u.err_log);
    for (auto* fd : {&u.out, &u.err, &u.ready}) {
      unwatch(fd->get());
      fd->reset();
    }
    if (u.out_log) u.out_log->flush();
    if (u.err_log) u.err_log->flush();
    for (const auto& n : ended.outcome.notices) say("manager: " + u.spec->name + ": " + n);
    std::string why;
    if (ended.outcome.error) {
      why = ended.outcome.error->message();
      say("manager: " + u.spec->name + ": " + why);
    }
    std::string extra = ", \"pid\": " + std::to_string(pid) +
                        ", \"exit-code\": " + std::to_string(ended.outcome.exit_code);
    if (ended.stats) {
      if (ended.stats->memory_peak_bytes)
        extra += ", \"memory-peak\": " + std::to_string(*ended.stats->memory_peak_bytes);
      if (ended.stats->cpu_usec)
        extra += ", \"cpu-usec\": " + std::to_string(*ended.stats->cpu_usec);
      if (ended.stats->oom_kills)
        extra += ", \"oom-kills\": " + std::to_string(*ended.stats->oom_kills);
    }
    event(u, "exited", extra);
    after_exit(u, ended.outcome.exit_code, why);
  }

  static std::string exit_text(int code) {
    if (code > 128 && code < 128 + 65) {
      const char* name = sigabbrev_np(code - 128);
      return std::string("killed by SIG") + (name ? name : std::to_string(code - 128).c_str());
    }
    return "exited with status " + std::to_string(code);
  }

  void after_exit(Unit& u, int code, const std::string& why) {
    u.last_exit = code;
    const bool stopped_by_us = stopping_ && u.stop_sent;
    if (stopping_) {
      u.state = State::Done;
      if (u.killed_at_timeout && u.turn_not_come)
        u.failure =
            "killed at the shutdown timeout before its turn to stop (a service "
            "stopped before it did not end in time)";
      else if (u.killed_at_timeout)
        u.failure = "did not stop within the shutdown timeout; killed";
      else if (code != 0 && !(stopped_by_us && code == 128 + u.spec->stop_signal))
        u.failure = exit_text(code);
      return;
    }
    const bool restart = u.spec->restart == group::Restart::Always ||
                         (u.spec->restart == group::Restart::OnFailure && code != 0);
    if (!restart) {
      u.state = State::Done;
      if (code != 0) u.failure = why.empty() ? exit_text(code) : why;
      if (code != 0 || !u.ever_ready) say("manager: " + u.spec->name + ": " + exit_text(code));
      return;
    }
    if (u.ever_ready && Clock::now() - u.ready_since >= kStableAfter)
      u.delay_ms = u.spec->restart_delay_ms;  // it ran well for a while: start over
    u.restart_at = Clock::now() + milliseconds(u.delay_ms);
    say("manager: " + u.spec->name + ": " + exit_text(code) + "; restarting in " +
        std::to_string(u.delay_ms) + " ms");
    event(u, "restarting",
          ", \"exit-code\": " + std::to_string(code) +
              ", \"delay-ms\": " + std::to_string(u.delay_ms));
    u.delay_ms = static_cast<std::uint32_t>(
        std::min<std::uint64_t>(std::uint64_t{u.delay_ms} * 2, u.spec->restart_delay_max_ms));
    u.state = State::Backoff;
  }

  // ---- deadlines ----

  void on_deadlines() {
    const auto now = Clock::now();
    for (std::size_t i = 0; i < units_.size(); ++i) {
      Unit& u = units_[i];
      if (u.state == State::Backoff && now >= u.restart_at && !stopping_) {
        u.state = State::Waiting;  // starts again once its dependencies are ready
      }
      if (u.state == State::Starting && u.running &&
          u.spec->ready.kind == group::Readiness::Kind::Socket)
        poll_socket(u);
    }
    if (stopping_) {
      if (now >= stop_deadline_) kill_remaining();
      stop_next();
    }
  }

  // ---- stopping ----

  void begin_stop(int signal) {
    if (stopping_) return;  // the deadline set by the first one stands
    stopping_ = true;
    stop_deadline_ = Clock::now() + milliseconds(group_.shutdown_timeout_ms);
    say("manager: stopping (" + std::string(sigabbrev_np(signal) ? sigabbrev_np(signal) : "?") +
        "): services in reverse start order, SIGKILL after " +
        std::to_string(group_.shutdown_timeout_ms) + " ms");
    for (auto& u : units_)
      if (u.state == State::Waiting || u.state == State::Backoff) u.state = State::Done;
    stop_next();
  }

  // One service at a time, the last started first: it stops before those it depends on.
  void stop_next() {
    Unit* next = nullptr;
    for (auto& u : units_) {
      if (!u.running) continue;
      if (u.stop_sent) return;  // still stopping: wait for it
      if (!next || u.start_order > next->start_order) next = &u;
    }
    if (!next) return;
    next->stop_sent = true;
    event(*next, "stopping", ", \"signal\": " + std::to_string(next->spec->stop_signal));
    sys::pidfd_send_signal(next->running->pidfd(), next->spec->stop_signal);
  }

  // The group's one deadline: what still runs is SIGKILLed, the service still stopping and
  // those whose turn had not come yet alike.
  void kill_remaining() {
    for (auto& u : units_) {
      if (!u.running || u.killed_at_timeout) continue;
      u.killed_at_timeout = true;
      u.turn_not_come = !u.stop_sent;
      u.stop_sent = true;
      say("manager: " + u.spec->name + ": still running at the shutdown timeout; SIGKILL");
      u.running->kill_all();
    }
  }

  bool finished() const {
    for (const auto& u : units_) {
      if (u.running || u.state == State::Backoff) return false;
      // Waiting on a dependency that may still become ready.
      if (u.state == State::Waiting && !stopping_ && can_still_start(u)) return false;
    }
    return true;
  }

  bool can_still_start(const Unit& u) const {
    for (const auto& name : u.spec->after) {
      auto dep = std::find_if(units_.begin(), units_.end(),
                              [&](const Unit& d) { return d.spec->name == name; });
      if (dep == units_.end()) return false;
      if (dep->state == State::Done) return false;
      if (dep->state == State::Waiting && !can_still_start(*dep)) return false;
    }
    return true;
  }

  int summary() {
    int status = 0;
    for (auto& u : units_) {
      if (u.state == State::Waiting) {
        u.failure = "never started: a service it comes after did not become ready";
        u.state = State::Done;
      }
      if (u.start_order < 0 && u.failure.empty() && !stopping_) u.failure = "never started";
      if (!u.failure.empty()) {
        status = 1;
        say("manager: " + u.spec->name + ": " + u.failure);
      }
    }
    event_line("{\"event\": \"done\", \"group\": " + json_string(group_.name) +
               ", \"exit-code\": " + std::to_string(status) + "}");
    return status;
  }

  // ---- output of the manager itself ----

  void say(const std::string& line) const {
    const std::string text = line + "\n";
    (void)!::write(options_.log_fd, text.data(), text.size());
  }

  void event(const Unit& u, const char* what, const std::string& extra) const {
    event_line("{\"event\": \"" + std::string(what) +
               "\", \"service\": " + json_string(u.spec->name) + extra + "}");
  }

  void event_line(const std::string& json) const {
    if (options_.status_fd < 0) return;
    const std::string text = json + "\n";
    (void)!::write(options_.status_fd, text.data(), text.size());
  }

  const group::Group& group_;
  const GroupIdentity& identity_;
  const ManagerOptions& options_;
  std::vector<Unit> units_;
  UniqueFd epoll_, signals_, null_;
  bool stopping_ = false;
  bool said_no_cgroup_ = false;
  Clock::time_point stop_deadline_{};
  int next_order_ = 0;
};

}  // namespace

int manage(const group::Group& group, const GroupIdentity& identity,
           const ManagerOptions& options) {
  Manager manager(group, identity, options);
  return manager.run();
}

}  // namespace cloister::supervisor
