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
#include <fstream>
#include <map>
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
constexpr std::uint64_t kMaxWeight = 10000;

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

std::vector<std::string> split(std::string_view text, char sep) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    const auto end = text.find(sep, start);
    parts.emplace_back(text.substr(start, end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

bool contains(const std::vector<std::string>& list, std::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

// ---- discovery: /proc/self/mountinfo and /proc/self/cgroup -------------------------------

struct Mount {
  std::string point;                     // where it is mounted, e.g. /sys/fs/cgroup/memory
  std::string root;                      // which cgroup the mount shows as its top
  std::vector<std::string> controllers;  // v1: from the super options ("rw,cpu,cpuacct")
};

struct Host {
  std::optional<Mount> v2;
  std::vector<Mount> v1;
  std::string v2_path = "/";                   // the caller's cgroup, "0::" line
  std::map<std::string, std::string> v1_path;  // controller -> the caller's cgroup in it
};

// The canonical places win over bind mounts of the same hierarchy elsewhere.
int mount_rank(const std::string& point) {
  if (point == "/sys/fs/cgroup") return 0;
  if (point == "/sys/fs/cgroup/unified") return 1;
  return point.rfind("/sys/fs/cgroup/", 0) == 0 ? 2 : 3;
}

void add_mount(Host& host, const std::vector<std::string>& f, std::size_t dash) {
  const std::string& type = f[dash + 1];
  Mount m{io::unescape_mountinfo(f[4]), io::unescape_mountinfo(f[3]), {}};
  if (type == "cgroup2") {
    if (!host.v2 || mount_rank(m.point) < mount_rank(host.v2->point)) host.v2 = m;
    return;
  }
  for (const auto& opt : split(f[dash + 3], ','))
    if (opt != "rw" && opt != "ro" && opt.rfind("name=", 0) != 0 &&
        opt.find('=') == std::string::npos && opt != "noprefix" && opt != "clone_children" &&
        opt != "xattr" && opt != "cpuset_v2_mode")
      m.controllers.push_back(opt);
  if (m.controllers.empty()) return;  // name=systemd and the like: no resource controller
  for (auto& known : host.v1)
    if (known.controllers == m.controllers) {
      if (mount_rank(m.point) < mount_rank(known.point)) known = m;
      return;
    }
  host.v1.push_back(std::move(m));
}

void read_mounts(Host& host) {
  std::ifstream info("/proc/self/mountinfo");
  std::string line;
  while (std::getline(info, line)) {
    const auto f = split(line, ' ');
    const auto dash = static_cast<std::size_t>(std::find(f.begin(), f.end(), "-") - f.begin());
    if (dash < 6 || dash + 3 >= f.size()) continue;
    if (f[dash + 1] == "cgroup2" || f[dash + 1] == "cgroup") add_mount(host, f, dash);
  }
}

// "4:memory:/x", "1:cpu,cpuacct:/", "0::/user.slice/..." (v2).
void read_caller_cgroups(Host& host) {
  std::ifstream in("/proc/self/cgroup");
  std::string line;
  while (std::getline(in, line)) {
    const auto first = line.find(':');
    const auto second = first == std::string::npos ? first : line.find(':', first + 1);
    if (second == std::string::npos) continue;
    const auto controllers = line.substr(first + 1, second - first - 1);
    const auto path = line.substr(second + 1);
    if (line.compare(0, first, "0") == 0 && controllers.empty())
      host.v2_path = path;
    else
      for (const auto& c : split(controllers, ',')) host.v1_path[c] = path;
  }
}

Host discover() {
  Host host;
  read_mounts(host);
  read_caller_cgroups(host);
  return host;
}

// The directory of cgroup `cg_path` (as /proc/self/cgroup names it) in `m`: a mount whose
// root is a cgroup below the top (containers bind-mount their own subtree) drops that prefix.
std::string dir_of(const Mount& m, const std::string& cg_path) {
  std::string rel = cg_path;
  if (m.root != "/" && (rel == m.root || rel.rfind(m.root + "/", 0) == 0))
    rel.erase(0, m.root.size());
  while (rel.size() > 1 && rel.back() == '/') rel.pop_back();
  if (rel.empty() || rel == "/") return m.point;
  return m.point + (rel.front() == '/' ? "" : "/") + rel;
}

const Mount* v1_mount(const Host& host, std::string_view controller) {
  for (const auto& m : host.v1)
    if (contains(m.controllers, controller)) return &m;
  return nullptr;
}

// v2 names; on v1 "io" is the blkio hierarchy.
std::string v1_name(const std::string& controller) {
  return controller == "io" ? "blkio" : controller;
}

std::vector<std::string> wanted_controllers(const Limits& l) {
  std::vector<std::string> wanted;
  if (l.memory_max || l.memory_swap_max) wanted.push_back("memory");
  if (l.pids_max) wanted.push_back("pids");
  if (l.cpu_quota_us || l.cpu_weight) wanted.push_back("cpu");
  if (l.io_weight) wanted.push_back("io");
  return wanted;
}

// Drops the limits of a controller the host lacks (best effort).
void drop_controller(Limits& l, const std::string& controller) {
  if (controller == "memory") l.memory_max = l.memory_swap_max = std::nullopt;
  if (controller == "pids") l.pids_max = std::nullopt;
  if (controller == "cpu") l.cpu_quota_us = l.cpu_weight = std::nullopt;
  if (controller == "io") l.io_weight = std::nullopt;
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

Status check_parent(const std::string& dir, const std::string& parent, const Mount& m) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return ok_status();
  const int err = errno != 0 ? errno : ENOTDIR;
  if (parent.empty())
    return Error{kStep, "the caller's cgroup is not under the mount", dir, err,
                 "the cgroup filesystem at " + m.point +
                     " does not show the caller's cgroup (another "
                     "cgroup namespace?); use --cgroup-parent"};
  return Error{kStep, "cgroup parent", dir, err,
               "--cgroup-parent " + parent +
                   " must name an existing cgroup, relative to the cgroup root " + m.point};
}

// ---- limits ----------------------------------------------------------------------------------

struct Setting {
  std::string controller;  // the hierarchy that holds the files: memory, pids, cpu, io, blkio
  std::vector<std::pair<std::string, std::string>>
      files;            // file, value: the first present is written
  std::string missing;  // what it means when none is present
};

std::string not_provided(const std::string& controller) {
  return "controller '" + controller + "' does not provide it on this host";
}

std::vector<Setting> v2_settings(const Limits& l) {
  std::vector<Setting> s;
  if (l.memory_max)
    s.push_back(
        {"memory", {{"memory.max", std::to_string(*l.memory_max)}}, not_provided("memory")});
  if (l.memory_swap_max)
    s.push_back({"memory",
                 {{"memory.swap.max", std::to_string(*l.memory_swap_max)}},
                 "controller 'memory' has no swap accounting on this host"});
  if (l.pids_max)
    s.push_back({"pids", {{"pids.max", std::to_string(*l.pids_max)}}, not_provided("pids")});
  if (l.cpu_quota_us)
    s.push_back(
        {"cpu",
         {{"cpu.max", std::to_string(*l.cpu_quota_us) + " " + std::to_string(l.cpu_period_us)}},
         "controller 'cpu' has no bandwidth control on this host (CONFIG_CFS_BANDWIDTH)"});
  if (l.cpu_weight)
    s.push_back({"cpu", {{"cpu.weight", std::to_string(*l.cpu_weight)}}, not_provided("cpu")});
  if (l.io_weight) {
    const auto w = std::to_string(*l.io_weight);
    // io.weight comes from blk-iocost; with the BFQ scheduler only io.bfq.weight exists.
    s.push_back(
        {"io",
         {{"io.weight", "default " + w}, {"io.bfq.weight", "default " + w}},
         "controller 'io' has no proportional weight here (needs the iocost or BFQ scheduler)"});
  }
  return s;
}

// v1 in write order: the kernel checks memsw >= limit and quota against the current period.
std::vector<Setting> v1_settings(const Limits& l) {
  std::vector<Setting> s;
  if (l.memory_max) {
    s.push_back({"memory",
                 {{"memory.limit_in_bytes", std::to_string(*l.memory_max)}},
                 not_provided("memory")});
    if (l.memory_swap_max) {
      // v1 has no swap-only limit: memsw caps memory + swap together.
      const auto sum = *l.memory_max + std::min(*l.memory_swap_max, UINT64_MAX / 2);
      s.push_back(
          {"memory",
           {{"memory.memsw.limit_in_bytes", std::to_string(sum)}},
           "controller 'memory' has no swap accounting on this host (boot with swapaccount=1)"});
    }
  }
  if (l.pids_max)
    s.push_back({"pids", {{"pids.max", std::to_string(*l.pids_max)}}, not_provided("pids")});
  if (l.cpu_quota_us) {
    const std::string why =
        "controller 'cpu' has no bandwidth control on this host (CONFIG_CFS_BANDWIDTH)";
    s.push_back({"cpu", {{"cpu.cfs_period_us", std::to_string(l.cpu_period_us)}}, why});
    s.push_back({"cpu", {{"cpu.cfs_quota_us", std::to_string(*l.cpu_quota_us)}}, why});
  }
  if (l.cpu_weight)  // cpu.weight 100 is the default share, 1024 in v1 terms; linear, v1 minimum 2
    s.push_back(
        {"cpu",
         {{"cpu.shares", std::to_string(std::max<std::uint64_t>(2, *l.cpu_weight * 1024 / 100))}},
         not_provided("cpu")});
  if (l.io_weight) {
    // CFQ's blkio.weight is 10..1000 around 500 (systemd's mapping); BFQ's is 1..1000 around 100.
    const auto cfq = std::clamp<std::uint64_t>(*l.io_weight * 500 / 100, 10, 1000);
    const auto bfq = std::clamp<std::uint64_t>(*l.io_weight, 1, 1000);
    s.push_back({"blkio",
                 {{"blkio.weight", std::to_string(cfq)}, {"blkio.bfq.weight", std::to_string(bfq)}},
                 "controller 'blkio' has no weight file here (needs the CFQ or BFQ scheduler)"});
  }
  return s;
}

Status validate(const Limits& l) {
  if (l.cpu_weight && (*l.cpu_weight < 1 || *l.cpu_weight > kMaxWeight))
    return Error{kStep, "cpu weight out of range", std::to_string(*l.cpu_weight), EINVAL,
                 "1 to 10000, default 100"};
  if (l.io_weight && (*l.io_weight < 1 || *l.io_weight > kMaxWeight))
    return Error{kStep, "io weight out of range", std::to_string(*l.io_weight), EINVAL,
                 "1 to 10000, default 100"};
  if (l.cpu_quota_us &&
      (*l.cpu_quota_us < 1000 || l.cpu_period_us < 1000 || l.cpu_period_us > 1000000))
    return Error{kStep, "cpu quota/period out of range",
                 std::to_string(*l.cpu_quota_us) + "/" + std::to_string(l.cpu_period_us), EINVAL,
                 "quota at least 1000, period 1000 to 1000000 microseconds"};
  return ok_status();
}

// Writes one setting into `dir`; a file the host lacks is an error or, best effort, a warning.
Status apply(const Setting& s, const std::string& dir, bool best_effort,
             std::vector<std::string>& warnings) {
  for (const auto& [file, value] : s.files) {
    const auto path = dir + "/" + file;
    if (!exists(path)) continue;
    if (int err = write_text(path, value); err != 0)
      return Error{kStep, "write " + value + " to", path, err,
                   err == EINVAL  ? "the kernel rejected the value"
                   : err == EBUSY ? "the cgroup already uses more than this limit"
                                  : ""};
    return ok_status();
  }
  const auto& first = s.files.front().first;
  if (!best_effort)
    return Error{kStep, first + ": " + s.missing, "", ENOENT,
                 "no " + dir + "/" + first + "; --cgroup=best-effort runs without this limit"};
  warnings.push_back(std::string(kStep) + ": " + first + ": " + s.missing + "; limit not applied");
  return ok_status();
}

// A v1 memsw limit cannot exist without a memory limit: it caps memory + swap together.
Status check_v1_swap(Limits& l, bool best_effort, std::vector<std::string>& warnings) {
  if (!l.memory_swap_max || l.memory_max) return ok_status();
  const std::string why =
      "memory.memsw.limit_in_bytes: cgroup v1 limits memory and swap together "
      "(memsw = memory + swap), so a swap limit needs a memory limit";
  if (!best_effort) return Error{kStep, why, "", EINVAL, "add --memory-max"};
  warnings.push_back(std::string(kStep) + ": " + why + "; swap limit not applied");
  l.memory_swap_max = std::nullopt;
  return ok_status();
}

// ---- creation --------------------------------------------------------------------------------

std::string leaf_name(const char* prefix) {
  std::uint32_t random = 0;
  if (::getrandom(&random, sizeof random, GRND_NONBLOCK) != sizeof random)
    random = static_cast<std::uint32_t>(Clock::now().time_since_epoch().count());
  char suffix[16];
  std::snprintf(suffix, sizeof suffix, "-%08x", random);
  return prefix + std::to_string(::getpid()) + suffix;
}

// Tells the owner (the keeper) of a directory before it is made, so no moment exists in which
// the directory is there and nobody would remove it.
Status announce(const BeforeMkdir& before_mkdir, const std::string& dir, bool shared) {
  return before_mkdir ? before_mkdir(dir, shared) : ok_status();
}

std::vector<std::string> v2_offered(const Host& host, const std::string& parent) {
  const std::string base = dir_of(*host.v2, parent.empty() ? host.v2_path : parent);
  auto text = read_text(base + "/cgroup.controllers");
  if (!text) return {};
  std::istringstream in(*text);
  std::vector<std::string> offered;
  for (std::string c; in >> c;) offered.push_back(c);
  return offered;
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
  std::vector<std::string> hierarchies;
  std::string holder;
};

// v2: <caller>/cloister/sandbox-<pid> (controllers enabled on the way), or <parent>/cloister-<pid>.
Result<Made> make_v2(const Host& host, const std::vector<std::string>& wanted,
                     const std::string& parent, const BeforeMkdir& before_mkdir) {
  const bool callers_own = parent.empty();
  const std::string base = dir_of(*host.v2, callers_own ? host.v2_path : parent);
  CLOISTER_TRY(check_parent(base, parent, *host.v2));
  CLOISTER_TRY(enable_controllers(base, wanted, callers_own));
  const std::string holder = callers_own ? base + "/cloister" : "";
  if (!holder.empty()) CLOISTER_TRY(announce(before_mkdir, holder, true));
  for (int attempt = 0; attempt < kNameAttempts; ++attempt) {
    if (!holder.empty()) {
      if (::mkdir(holder.c_str(), 0755) != 0 && errno != EEXIST)
        return mkdir_error(holder, errno, base, callers_own);
      auto enabled = enable_controllers(holder, wanted, false);
      if (!enabled.ok() && enabled.error().err == ENOENT && !exists(holder))
        continue;  // removed meanwhile
      if (!enabled.ok()) {
        ::rmdir(holder.c_str());  // only if empty: another sandbox may be using it
        return enabled.take_error();
      }
    }
    const auto leaf =
        (holder.empty() ? base : holder) + "/" + leaf_name(callers_own ? "sandbox-" : "cloister-");
    CLOISTER_TRY(announce(before_mkdir, leaf, false));
    if (::mkdir(leaf.c_str(), 0755) == 0) return Made{{leaf}, {""}, holder};
    // EEXIST: name taken; ENOENT: another sandbox's cleanup removed the shared holder.
    const int err = errno;
    if (err == EEXIST || (err == ENOENT && !holder.empty())) continue;
    if (!holder.empty()) ::rmdir(holder.c_str());
    return mkdir_error(leaf, err, holder.empty() ? base : holder, callers_own && holder.empty());
  }
  return Error{kStep, "no free cgroup name under", holder.empty() ? base : holder, EEXIST,
               "remove stale sandbox-*/cloister-* directories"};
}

struct V1Target {
  const Mount* mount;
  std::string base;
  bool required;
};

Result<std::vector<V1Target>> v1_targets(const Host& host, const std::vector<std::string>& wanted,
                                         const std::string& parent) {
  std::vector<V1Target> targets;
  auto add = [&](const std::string& controller, bool required) -> Status {
    const Mount* m = v1_mount(host, controller);
    if (!m) return ok_status();  // checked by the caller for required ones
    for (auto& t : targets)
      if (t.mount == m) {
        t.required = t.required || required;
        return ok_status();
      }
    auto it = host.v1_path.find(controller);
    const auto base =
        dir_of(*m, parent.empty() ? (it == host.v1_path.end() ? "/" : it->second) : parent);
    if (required)
      CLOISTER_TRY(check_parent(base, parent, *m));
    else if (!exists(base))
      return ok_status();
    targets.push_back({m, base, required});
    return ok_status();
  };
  for (const auto& c : wanted) CLOISTER_TRY(add(v1_name(c), true));
  // For stats(): cpu time (cpuacct) and peak memory / OOM kills (memory) even when unlimited.
  CLOISTER_TRY(add("cpuacct", false));
  CLOISTER_TRY(add("memory", false));
  if (wanted.empty()) CLOISTER_TRY(add("pids", false));
  return targets;
}

std::string join_controllers(const Mount& m) {
  std::string s;
  for (const auto& c : m.controllers) s += (s.empty() ? "" : ",") + c;
  return s;
}

// v1: <hierarchy>/<caller's path there>/cloister-<pid> (or <parent>/cloister-<pid>) in each
// hierarchy, one name for all. A hierarchy used only for stats is skipped when refused.
Result<Made> make_v1(const Host& host, const std::vector<std::string>& wanted,
                     const std::string& parent, const BeforeMkdir& before_mkdir) {
  auto targets = v1_targets(host, wanted, parent);
  if (!targets.ok()) return targets.take_error();
  if (targets->empty())
    return Error{kStep, "no cgroup hierarchy to use", "", ENOENT,
                 "no cgroup filesystem is mounted"};
  for (int attempt = 0; attempt < kNameAttempts; ++attempt) {
    Made made;
    bool taken = false;
    int skipped_err = 0;
    const auto name = leaf_name("cloister-");
    for (const auto& t : *targets) {
      const auto leaf = t.base + "/" + name;
      CLOISTER_TRY(announce(before_mkdir, leaf, false));
      if (::mkdir(leaf.c_str(), 0755) == 0) {
        made.paths.push_back(leaf);
        made.hierarchies.push_back(join_controllers(*t.mount));
        continue;
      }
      const int err = errno;
      if (!t.required && err != EEXIST) {
        skipped_err = err;
        continue;
      }
      for (const auto& p : made.paths) ::rmdir(p.c_str());  // ours, empty: undo this attempt
      if (err != EEXIST) return mkdir_error(leaf, err, t.base, parent.empty());
      taken = true;
      break;
    }
    if (taken) continue;
    if (made.paths.empty())
      return mkdir_error((*targets)[0].base + "/" + name, skipped_err, (*targets)[0].base,
                         parent.empty());
    return made;
  }
  return Error{kStep, "no free cgroup name under", (*targets)[0].base, EEXIST,
               "remove stale cloister-* directories"};
}

// ---- teardown --------------------------------------------------------------------------------

// SIGKILLs what cgroup.procs lists until it is empty or the deadline passes. A pidfd pins each
// pid, and only a pid still listed after pinning is signalled, so a recycled pid of a process
// outside the cgroup is never hit.
bool kill_until_empty(const std::string& dir, Clock::time_point deadline) {
  const auto procs = dir + "/cgroup.procs";
  for (auto delay = milliseconds(1);; delay = std::min(delay * 2, milliseconds(20))) {
    const auto listed = read_pids(procs);
    if (listed.empty()) return true;
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
    if (Clock::now() >= deadline) return read_pids(procs).empty();
    std::this_thread::sleep_for(delay);
  }
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

Result<Sandbox> Sandbox::create(const Limits& requested, const std::string& parent,
                                bool best_effort, std::vector<std::string>& warnings,
                                const BeforeMkdir& before_mkdir) {
  CLOISTER_TRY(validate(requested));
  Limits limits = requested;
  const Host host = discover();
  auto wanted = wanted_controllers(limits);

  // v2 when it offers every requested controller, else the v1 hierarchies; when neither has
  // them all, the one missing fewer (v2 on a tie) and the rest is an error or a warning.
  std::vector<std::string> missing_v2, missing_v1;
  const auto offered = host.v2 ? v2_offered(host, parent) : std::vector<std::string>{};
  for (const auto& c : wanted) {
    if (!host.v2 || !contains(offered, c)) missing_v2.push_back(c);
    if (!v1_mount(host, v1_name(c))) missing_v1.push_back(c);
  }
  if (!host.v2 && host.v1.empty())
    return Error{kStep, "no cgroup filesystem in /proc/self/mountinfo", "", ENOENT,
                 "mount cgroup2 on /sys/fs/cgroup"};
  const bool use_v2 =
      host.v2 && (missing_v2.empty() || host.v1.empty() || missing_v2.size() <= missing_v1.size());
  for (const auto& c : use_v2 ? missing_v2 : missing_v1) {
    const std::string what = "controller '" + c + "' is not available";
    if (!best_effort)
      return Error{kStep, what, "", ENOENT,
                   use_v2
                       ? "the cgroup v2 parent does not offer it (cgroup.controllers) and no v1 "
                         "hierarchy has it; --cgroup=best-effort runs without its limits"
                       : "neither cgroup v2 nor a v1 hierarchy has it; --cgroup=best-effort runs "
                         "without its limits"};
    warnings.push_back(std::string(kStep) + ": " + what + "; its limits are not applied");
    drop_controller(limits, c);
    wanted.erase(std::find(wanted.begin(), wanted.end(), c));
  }
  if (!use_v2) CLOISTER_TRY(check_v1_swap(limits, best_effort, warnings));

  auto made = use_v2 ? make_v2(host, wanted, parent, before_mkdir)
                     : make_v1(host, wanted, parent, before_mkdir);
  if (!made.ok()) return made.take_error();
  // From here on the Sandbox owns the directories: an error return removes them.
  Sandbox sb;
  sb.version_ = use_v2 ? Version::V2 : Version::V1;
  sb.paths_ = std::move(made->paths);
  sb.hierarchies_ = std::move(made->hierarchies);
  sb.holder_ = std::move(made->holder);
  if (use_v2) {
    sb.dir_ = UniqueFd(::open(sb.paths_[0].c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!sb.dir_) return Error{kStep, "open", sb.paths_[0], errno, ""};
  }
  for (const auto& s : use_v2 ? v2_settings(limits) : v1_settings(limits)) {
    std::string dir;
    for (std::size_t i = 0; i < sb.paths_.size() && dir.empty(); ++i)
      if (use_v2 || contains(split(sb.hierarchies_[i], ','), s.controller)) dir = sb.paths_[i];
    CLOISTER_TRY(apply(s, dir, best_effort, warnings));
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
  if (version_ == Version::V2) {
    const auto& dir = paths_[0];
    s.memory_peak_bytes = read_u64(dir + "/memory.peak");  // 5.19+, and only with memory enabled
    s.cpu_usec = read_keyed(dir + "/cpu.stat", "usage_usec");
    s.oom_kills = read_keyed(dir + "/memory.events", "oom_kill");
    return s;
  }
  for (std::size_t i = 0; i < paths_.size(); ++i) {
    const auto controllers = split(hierarchies_[i], ',');
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
  if (version_ == Version::V2) {
    auto killed = kill_v2(paths_[0]);
    if (!killed.ok()) first = killed.take_error();
  } else {
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
  } else if (!kill_until_empty(dir, Clock::now() + kEmptyTimeout)) {
    return still_populated(dir);
  }
  return remove_dir(dir);
}

}  // namespace cloister::cgroups
