#include "isolate/cgroups.hpp"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string_view>
#include <thread>

#include "kernel/io.hpp"
#include "kernel/syscalls.hpp"

namespace cloister::cgroups {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr const char* kStep = "cgroup";
// Killed processes leave their cgroup within microseconds; two seconds covers a loaded host
// and a fork race on v1, and keeps a stuck (D-state) process from hanging the launcher.
constexpr auto kEmptyTimeout = std::chrono::seconds(2);
// Names sandbox-<pid>-<random>: several sandboxes per process, and never the name of another
// sandbox whose launcher had the same pid (its keeper may still be removing it).
constexpr int kNameAttempts = 16;

// ---- cgroupfs files: tiny, and each write(2) is one kernel operation --------------------

// 0 or the errno of the failed open/write.
int write_text(const std::string& path, std::string_view text) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) return errno;
  if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
    return errno;
  return 0;
}

std::optional<std::string> read_text(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return std::nullopt;
  return io::read_all(fd.get());
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

std::optional<std::uint64_t> parse_u64(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  std::uint64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return n;
}

std::optional<std::uint64_t> read_u64(const std::string& path) {
  auto text = read_text(path);
  return text ? parse_u64(*text) : std::nullopt;
}

// The value of "KEY VALUE" in a flat keyed file (cpu.stat, memory.events, memory.oom_control).
std::optional<std::uint64_t> read_keyed(const std::string& path, std::string_view key) {
  auto text = read_text(path);
  if (!text) return std::nullopt;
  std::istringstream in(*text);
  std::string name, value;
  while (in >> name >> value)
    if (name == key) return parse_u64(value);
  return std::nullopt;
}

std::vector<pid_t> read_pids(const std::string& procs_file) {
  std::vector<pid_t> pids;
  auto text = read_text(procs_file);
  if (!text) return pids;
  std::istringstream in(*text);
  long pid = 0;
  while (in >> pid) pids.push_back(static_cast<pid_t>(pid));
  return pids;
}

bool contains(const std::vector<std::string>& list, std::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

// ---- errors --------------------------------------------------------------------------------

std::string owner_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return "";
  return " (it is owned by uid " + std::to_string(st.st_uid) + ")";
}

// Where the directory is the caller's own cgroup the message says so: that is the usual case
// for an unprivileged user, whose session cgroup belongs to root or to systemd.
std::string delegation_hint(const std::string& dir, bool callers_own) {
  return std::string(callers_own ? "the caller's cgroup " : "the cgroup ") + dir +
         " is not delegated to uid " + std::to_string(::geteuid()) + owner_of(dir) +
         "; creating a cgroup there needs root or a delegated subtree (systemd: Delegate=yes, "
         "e.g. `systemd-run --user --scope -p Delegate=yes cloister ...`), or point "
         "--cgroup-parent at a cgroup delegated to this user";
}

Error mkdir_error(const std::string& dir, int err, const std::string& parent_dir,
                  bool callers_own) {
  std::string hint;
  switch (err) {
    case EACCES:
    case EPERM: hint = delegation_hint(parent_dir, callers_own); break;
    case EROFS:
      hint = "the cgroup filesystem is mounted read-only (a container without cgroup access?)";
      break;
    case EAGAIN:
    case ENOSPC:
      hint = "cgroup.max.descendants or cgroup.max.depth of an ancestor is reached";
      break;
    default: break;
  }
  return Error{kStep, "mkdir", dir, err, hint};
}

// Writes one planned value into `dir`: the first of its files the new cgroup has. Planning
// saw which that is where the host showed it; a file missing now is an error or, best
// effort, a warning.
Status apply(const CgroupWrite& w, const std::string& dir, bool best_effort,
             std::vector<std::string>& warnings) {
  for (const auto& f : w.files) {
    const auto path = dir + "/" + f.name;
    if (!exists(path)) continue;
    if (int err = write_text(path, f.value); err != 0)
      return Error{kStep, "write " + f.value + " to", path, err,
                   err == EINVAL  ? "the kernel rejected the value"
                   : err == EBUSY ? "the cgroup already uses more than this limit"
                                  : ""};
    return ok_status();
  }
  const auto& first = w.files.front().name;
  if (!best_effort)
    return Error{kStep, first + ": " + w.missing, "", ENOENT,
                 "no " + dir + "/" + first + "; --cgroup=best-effort runs without this limit"};
  warnings.push_back(std::string(kStep) + ": " + first + ": " + w.missing + "; limit not applied");
  return ok_status();
}

// ---- creation --------------------------------------------------------------------------------

std::string leaf_name(const CgroupPlan& plan) {
  if (!plan.leaf_name.empty()) return plan.leaf_name;
  const std::string& prefix = plan.leaf_prefix;
  std::uint32_t random = 0;
  if (::getrandom(&random, sizeof random, GRND_NONBLOCK) != sizeof random)
    random = static_cast<std::uint32_t>(Clock::now().time_since_epoch().count());
  char suffix[16];
  std::snprintf(suffix, sizeof suffix, "-%08x", random);
  return prefix + std::to_string(::getpid()) + suffix;
}

Error exact_name_taken(const std::string& leaf) {
  return Error{kStep, "mkdir", leaf, EEXIST,
               "the cgroup asked for exists already (another container, or one not deleted)"};
}

// Tells the owner (the keeper) of a directory before it is made, so no moment exists in which
// the directory is there and nobody would remove it.
Status announce(const BeforeMkdir& before_mkdir, const std::string& dir, bool shared) {
  return before_mkdir ? before_mkdir(dir, shared) : ok_status();
}

// v2 passes a controller down only when the parent lists it in cgroup.subtree_control.
Status enable_controllers(const std::string& dir, const std::vector<std::string>& wanted,
                          bool callers_own) {
  const auto file = dir + "/cgroup.subtree_control";
  const auto current = read_text(file).value_or("");
  std::istringstream in(current);
  std::vector<std::string> enabled;
  for (std::string c; in >> c;) enabled.push_back(c);
  for (const auto& c : wanted) {
    if (contains(enabled, c)) continue;
    const int err = write_text(file, "+" + c);
    if (err == 0) continue;
    std::string hint;
    if (err == EBUSY)
      hint =
          std::string(callers_own ? "the caller's cgroup " : "the cgroup ") + dir +
          " has processes in it, and cgroup v2 passes controllers only down from cgroups without "
          "processes (the no-internal-process rule); move the caller into a leaf cgroup first "
          "(mkdir " +
          dir + "/leaf; echo $$ > " + dir + "/leaf/cgroup.procs) or use --cgroup-parent";
    else if (err == EACCES || err == EPERM)
      hint = delegation_hint(dir, callers_own);
    else if (err == ENOENT)
      hint = "the cgroup's parent does not pass controller '" + c + "' down";
    return Error{kStep, "enable controller '" + c + "' in", file, err, hint};
  }
  return ok_status();
}

struct Made {
  std::vector<std::string> paths;
  std::vector<std::string> hierarchies;  // the controllers of each path's hierarchy (v1)
  std::vector<std::size_t> planned;      // each path's index in CgroupPlan::hierarchies
  std::string holder;
};

// v2: <caller>/cloister/sandbox-<pid> (controllers enabled on the way), or <parent>/cloister-<pid>.
Result<Made> make_v2(const CgroupPlan& plan, const BeforeMkdir& before_mkdir) {
  const bool callers_own = plan.parent_option.empty();
  const std::string& base = plan.hierarchies[0].parent;
  CLOISTER_TRY(enable_controllers(base, plan.enable, callers_own));
  const std::string& holder = plan.holder;
  if (!holder.empty()) CLOISTER_TRY(announce(before_mkdir, holder, true));
  for (int attempt = 0; attempt < kNameAttempts; ++attempt) {
    if (!holder.empty()) {
      if (::mkdir(holder.c_str(), 0755) != 0 && errno != EEXIST)
        return mkdir_error(holder, errno, base, callers_own);
      auto enabled = enable_controllers(holder, plan.enable, false);
      if (!enabled.ok() && enabled.error().err == ENOENT && !exists(holder))
        continue;  // removed meanwhile
      if (!enabled.ok()) {
        ::rmdir(holder.c_str());  // only if empty: another sandbox may be using it
        return enabled.take_error();
      }
    }
    const auto leaf = (holder.empty() ? base : holder) + "/" + leaf_name(plan);
    CLOISTER_TRY(announce(before_mkdir, leaf, false));
    if (::mkdir(leaf.c_str(), 0755) == 0) return Made{{leaf}, {""}, {0}, holder};
    // EEXIST: name taken; ENOENT: another sandbox's cleanup removed the shared holder.
    const int err = errno;
    if (err == EEXIST && !plan.leaf_name.empty()) return exact_name_taken(leaf);
    if (err == EEXIST || (err == ENOENT && !holder.empty())) continue;
    if (!holder.empty()) ::rmdir(holder.c_str());
    return mkdir_error(leaf, err, holder.empty() ? base : holder, callers_own && holder.empty());
  }
  return Error{kStep, "no free cgroup name under", holder.empty() ? base : holder, EEXIST,
               "remove stale sandbox-*/cloister-* directories"};
}

// v1: the same name in each planned hierarchy. One used only for figures is skipped when
// refused; any other refusal removes what this attempt made.
Result<Made> make_v1(const CgroupPlan& plan, const BeforeMkdir& before_mkdir) {
  const auto& hierarchies = plan.hierarchies;
  for (int attempt = 0; attempt < kNameAttempts; ++attempt) {
    Made made;
    bool taken = false;
    int skipped_err = 0;
    const auto name = leaf_name(plan);
    for (std::size_t i = 0; i < hierarchies.size(); ++i) {
      const auto& h = hierarchies[i];
      const auto leaf = h.parent + "/" + name;
      CLOISTER_TRY(announce(before_mkdir, leaf, false));
      if (::mkdir(leaf.c_str(), 0755) == 0) {
        made.paths.push_back(leaf);
        made.hierarchies.push_back(h.controllers);
        made.planned.push_back(i);
        continue;
      }
      const int err = errno;
      if (h.stats_only && err != EEXIST) {
        skipped_err = err;
        continue;
      }
      for (const auto& p : made.paths) ::rmdir(p.c_str());  // ours, empty: undo this attempt
      if (err == EEXIST && !plan.leaf_name.empty()) return exact_name_taken(leaf);
      if (err != EEXIST) return mkdir_error(leaf, err, h.parent, plan.parent_option.empty());
      taken = true;
      break;
    }
    if (taken) continue;
    if (made.paths.empty())
      return mkdir_error(hierarchies[0].parent + "/" + name, skipped_err, hierarchies[0].parent,
                         plan.parent_option.empty());
    return made;
  }
  return Error{kStep, "no free cgroup name under", hierarchies[0].parent, EEXIST,
               "remove stale cloister-* directories"};
}

// ---- teardown --------------------------------------------------------------------------------

// SIGKILLs each process cgroup.procs lists; false when it lists none. A pidfd pins each pid,
// and only a pid still listed after pinning is signalled, so a recycled pid of a process
// outside the cgroup is never hit.
bool kill_listed(const std::string& procs) {
  const auto listed = read_pids(procs);
  if (listed.empty()) return false;
  std::vector<std::pair<pid_t, UniqueFd>> pinned;
  bool no_pidfd = false;  // before 5.3: plain kill(2), with the (tiny) pid reuse window
  for (pid_t pid : listed) {
    if (pid <= 0) continue;  // 0: a process outside this pid namespace, out of reach
    pinned.emplace_back(pid, UniqueFd(sys::pidfd_open(pid)));
    no_pidfd = no_pidfd || (!pinned.back().second && errno == ENOSYS);
  }
  const auto still = read_pids(procs);
  for (auto& [pid, fd] : pinned) {
    if (std::find(still.begin(), still.end(), pid) == still.end()) continue;
    if (fd)
      sys::pidfd_send_signal(fd.get(), SIGKILL);
    else if (no_pidfd)
      ::kill(pid, SIGKILL);
  }
  return true;
}

// SIGKILLs what cgroup.procs lists until it is empty or the deadline passes.
bool kill_until_empty(const std::string& dir, Clock::time_point deadline) {
  const auto procs = dir + "/cgroup.procs";
  for (auto delay = milliseconds(1);; delay = std::min(delay * 2, milliseconds(20))) {
    if (!kill_listed(procs)) return true;
    if (Clock::now() >= deadline) return read_pids(procs).empty();
    std::this_thread::sleep_for(delay);
  }
}

// A v1 freezer directory that is frozen (a paused container): v1 holds a SIGKILL until the
// process is thawed, so its processes are sent one first and then thawed, and die before
// running anything. The thaw's error, if any, shows as processes left.
void thaw_v1_for_kill(const std::string& dir) {
  const auto state = read_text(dir + "/freezer.state");
  if (!state || state->rfind("THAWED", 0) == 0) return;
  kill_listed(dir + "/cgroup.procs");
  (void)write_text(dir + "/freezer.state", "THAWED");
}

// v2: cgroup.events says "populated 0" once no process is left in the cgroup or below.
bool wait_unpopulated(const std::string& dir, Clock::time_point deadline) {
  for (auto delay = milliseconds(1);; delay = std::min(delay * 2, milliseconds(20))) {
    const auto populated = read_keyed(dir + "/cgroup.events", "populated");
    if (!populated || *populated == 0) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(delay);
  }
}

Error still_populated(const std::string& dir) {
  return Error{kStep, "processes left after SIGKILL in", dir, EBUSY,
               "a process stuck in the kernel (D state) or outside this pid namespace; see " + dir +
                   "/cgroup.procs"};
}

Status kill_v2(const std::string& dir) {
  const auto deadline = Clock::now() + kEmptyTimeout;
  // cgroup.kill (5.14) kills atomically, forks included; older kernels get the loop.
  if (write_text(dir + "/cgroup.kill", "1") != 0) kill_until_empty(dir, deadline);
  if (!wait_unpopulated(dir, deadline)) return still_populated(dir);
  return ok_status();
}

Status remove_dir(const std::string& dir) {
  if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) return ok_status();
  return Error{kStep, "rmdir", dir, errno,
               errno == EBUSY ? "processes or child cgroups are still in it" : ""};
}

}  // namespace

// ---- Sandbox ---------------------------------------------------------------------------------

Sandbox::Sandbox(Sandbox&& other) noexcept
    : version_(other.version_),
      dir_(std::move(other.dir_)),
      paths_(std::exchange(other.paths_, {})),
      hierarchies_(std::exchange(other.hierarchies_, {})),
      holder_(std::exchange(other.holder_, {})),
      final_stats_(std::move(other.final_stats_)),
      removed_(std::exchange(other.removed_, true)) {}

Sandbox& Sandbox::operator=(Sandbox&& other) noexcept {
  if (this == &other) return *this;
  (void)kill_and_remove();
  version_ = other.version_;
  dir_ = std::move(other.dir_);
  paths_ = std::exchange(other.paths_, {});
  hierarchies_ = std::exchange(other.hierarchies_, {});
  holder_ = std::exchange(other.holder_, {});
  final_stats_ = std::move(other.final_stats_);
  removed_ = std::exchange(other.removed_, true);
  return *this;
}

Sandbox::~Sandbox() { (void)kill_and_remove(); }

std::vector<std::string> Sandbox::release() {
  removed_ = true;
  dir_.reset();
  return paths_;
}

Result<Sandbox> Sandbox::create(const CgroupPlan& plan, std::vector<std::string>& warnings,
                                const BeforeMkdir& before_mkdir) {
  if (!plan.creates())
    return Error{kStep, "the plan has no cgroup hierarchy to use", "", ENOENT, ""};
  const bool v2 = plan.version == CgroupVersion::V2;
  auto made = v2 ? make_v2(plan, before_mkdir) : make_v1(plan, before_mkdir);
  if (!made.ok()) return made.take_error();
  // From here on the Sandbox owns the directories: an error return removes them.
  Sandbox sb;
  sb.version_ = plan.version;
  sb.paths_ = std::move(made->paths);
  sb.hierarchies_ = std::move(made->hierarchies);
  sb.holder_ = std::move(made->holder);
  if (v2 && plan.entry == CgroupEntry::CloneInto) {
    sb.dir_ = UniqueFd(::open(sb.paths_[0].c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!sb.dir_) return Error{kStep, "open", sb.paths_[0], errno, ""};
  }
  for (const auto& w : plan.writes) {
    const auto at = std::find(made->planned.begin(), made->planned.end(), w.hierarchy);
    if (at == made->planned.end())  // only a hierarchy for figures may be skipped
      return Error{kStep, "no directory made for", w.files.front().name, ENOENT, ""};
    const auto& dir = sb.paths_[static_cast<std::size_t>(at - made->planned.begin())];
    CLOISTER_TRY(apply(w, dir, plan.best_effort, warnings));
  }
  return sb;
}

Status Sandbox::attach(pid_t pid) {
  if (removed_) return Error{kStep, "attach to a removed cgroup", std::to_string(pid), ENOENT, ""};
  for (const auto& dir : paths_) {
    const auto file = dir + "/cgroup.procs";
    if (int err = write_text(file, std::to_string(pid)); err != 0)
      return Error{
          kStep, "move pid " + std::to_string(pid) + " into", file, err,
          err == ESRCH ? "the process is gone"
          : err == EACCES || err == EPERM
              ? "moving a process needs write access to cgroup.procs of the common ancestor "
                "of its cgroup and this one (a delegated subtree)"
              : ""};
  }
  return ok_status();
}

Stats Sandbox::stats() const {
  if (removed_) return final_stats_.value_or(Stats{});
  Stats s;
  if (paths_.empty()) return s;
  if (version_ == CgroupVersion::V2) {
    const auto& dir = paths_[0];
    s.memory_peak_bytes = read_u64(dir + "/memory.peak");  // 5.19+, and only with memory enabled
    s.cpu_usec = read_keyed(dir + "/cpu.stat", "usage_usec");
    s.oom_kills = read_keyed(dir + "/memory.events", "oom_kill");
    return s;
  }
  for (std::size_t i = 0; i < paths_.size(); ++i) {
    const auto controllers = io::split(hierarchies_[i], ',');
    if (contains(controllers, "memory")) {
      s.memory_peak_bytes = read_u64(paths_[i] + "/memory.max_usage_in_bytes");
      s.oom_kills = read_keyed(paths_[i] + "/memory.oom_control", "oom_kill");  // 4.13+
    }
    if (contains(controllers, "cpuacct"))
      if (auto ns = read_u64(paths_[i] + "/cpuacct.usage")) s.cpu_usec = *ns / 1000;
  }
  return s;
}

Status Sandbox::kill_and_remove() {
  if (removed_ || paths_.empty()) return ok_status();
  std::optional<Error> first;
  if (version_ == CgroupVersion::V2) {
    auto killed = kill_v2(paths_[0]);
    if (!killed.ok()) first = killed.take_error();
  } else {
    for (const auto& dir : paths_) thaw_v1_for_kill(dir);
    const auto deadline = Clock::now() + kEmptyTimeout;
    for (const auto& dir : paths_)
      if (!kill_until_empty(dir, deadline) && !first) first = still_populated(dir);
  }
  if (!first) final_stats_ = stats();
  for (const auto& dir : paths_)
    if (auto st = remove_dir(dir); !st.ok() && !first) first = st.take_error();
  if (first) return *first;  // not marked removed: the destructor tries once more
  dir_.reset();
  // The shared holder goes when this was its last sandbox; busy means another one still runs.
  if (!holder_.empty()) ::rmdir(holder_.c_str());
  removed_ = true;
  return ok_status();
}

std::vector<std::string> Sandbox::paths() const { return paths_; }

Status kill_and_remove_dir(const std::string& dir) {
  if (!exists(dir)) return ok_status();
  if (exists(dir + "/cgroup.events")) {
    CLOISTER_TRY(kill_v2(dir));
  } else {
    thaw_v1_for_kill(dir);
    if (!kill_until_empty(dir, Clock::now() + kEmptyTimeout)) return still_populated(dir);
  }
  return remove_dir(dir);
}

// ---- the freezer -------------------------------------------------------------------------------

namespace {

// A freeze waits for every process to reach a point where it can stop; one stuck in the
// kernel (D state, a vfork parent) may take a while. Runc and crun give it seconds too.
constexpr auto kFreezeTimeout = std::chrono::seconds(5);

bool v2_freezer(const std::string& dir) { return exists(dir + "/cgroup.freeze"); }

// Whether the kernel says the cgroup has reached `frozen` (v2: cgroup.events; v1: the state).
bool reached(const std::string& dir, bool frozen) {
  if (v2_freezer(dir)) return read_keyed(dir + "/cgroup.events", "frozen") == (frozen ? 1u : 0u);
  const auto state = read_text(dir + "/freezer.state").value_or("");
  return state.rfind(frozen ? "FROZEN" : "THAWED", 0) == 0;
}

Status ask(const std::string& dir, bool frozen) {
  const bool v2 = v2_freezer(dir);
  const auto file = dir + (v2 ? "/cgroup.freeze" : "/freezer.state");
  const char* value = v2 ? (frozen ? "1" : "0") : (frozen ? "FROZEN" : "THAWED");
  if (int err = write_text(file, value); err != 0)
    return Error{kStep, std::string("write ") + value + " to", file, err,
                 err == EACCES || err == EPERM ? "the container's cgroup is not this user's" : ""};
  return ok_status();
}

}  // namespace

std::string freezer_of(const std::vector<std::string>& dirs) {
  for (const auto& dir : dirs)
    if (v2_freezer(dir) || exists(dir + "/freezer.state")) return dir;
  return "";
}

bool is_frozen(const std::string& freezer) {
  if (v2_freezer(freezer))
    return parse_u64(read_text(freezer + "/cgroup.freeze").value_or("")) == 1u;
  const auto state = read_text(freezer + "/freezer.state").value_or("");
  return state.rfind("FROZEN", 0) == 0 || state.rfind("FREEZING", 0) == 0;
}

Status set_frozen(const std::string& freezer, bool frozen) {
  const auto deadline = Clock::now() + kFreezeTimeout;
  for (auto delay = milliseconds(1);; delay = std::min(delay * 2, milliseconds(20))) {
    // v1 finishes a freeze only when asked again (FREEZING until then): asked each round.
    CLOISTER_TRY(ask(freezer, frozen));
    if (reached(freezer, frozen)) return ok_status();
    if (Clock::now() >= deadline) break;
    std::this_thread::sleep_for(delay);
  }
  if (frozen) (void)ask(freezer, false);  // not left half frozen
  return Error{
      kStep, frozen ? "the processes did not all freeze in" : "the processes did not thaw in",
      freezer, EBUSY,
      "a process stuck in the kernel (D state) holds it up; see " + freezer + "/cgroup.procs"};
}

}  // namespace cloister::cgroups
