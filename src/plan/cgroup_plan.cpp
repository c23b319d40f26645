#include "plan/cgroup_plan.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <map>
#include <sstream>
#include <string_view>

#include "kernel/fd.hpp"
#include "kernel/io.hpp"

namespace cloister {
namespace {

constexpr const char* kStep = "cgroup";
constexpr std::uint64_t kMaxWeight = 10000;
constexpr std::uint64_t kMinShares = 2, kMaxShares = 262144;  // v1 cpu.shares, as the kernel clamps

// v1's cpu.shares onto v2's cpu.weight: the conversion the kernel documentation gives, and
// runc and crun use (1024, the default share, becomes 39; 2 becomes 1; 262144 becomes 10000).
std::uint64_t weight_of_shares(std::uint64_t shares) {
  return 1 + ((shares - kMinShares) * (kMaxWeight - 1)) / (kMaxShares - kMinShares);
}

bool contains(const std::vector<std::string>& list, std::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

std::string join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : sep) + i;
  return out;
}

// ---- the host's cgroup filesystems: /proc/self/mountinfo and /proc/self/cgroup ------------

struct Mount {
  std::string point;                     // where it is mounted, e.g. /sys/fs/cgroup/memory
  std::string root;                      // which cgroup the mount shows as its top
  std::vector<std::string> controllers;  // v1: from the super options ("rw,cpu,cpuacct")
};

struct Layout {
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

bool is_controller_option(const std::string& opt) {
  return opt != "rw" && opt != "ro" && opt.rfind("name=", 0) != 0 &&
         opt.find('=') == std::string::npos && opt != "noprefix" && opt != "clone_children" &&
         opt != "xattr" && opt != "cpuset_v2_mode";
}

void add_mount(Layout& layout, const std::vector<std::string>& f, std::size_t dash) {
  Mount m{io::unescape_mountinfo(f[4]), io::unescape_mountinfo(f[3]), {}};
  if (f[dash + 1] == "cgroup2") {
    if (!layout.v2 || mount_rank(m.point) < mount_rank(layout.v2->point)) layout.v2 = m;
    return;
  }
  for (const auto& opt : io::split(f[dash + 3], ','))
    if (is_controller_option(opt)) m.controllers.push_back(opt);
  if (m.controllers.empty()) return;  // name=systemd and the like: no resource controller
  for (auto& known : layout.v1)
    if (known.controllers == m.controllers) {
      if (mount_rank(m.point) < mount_rank(known.point)) known = m;
      return;
    }
  layout.v1.push_back(std::move(m));
}

// "4:memory:/x", "1:cpu,cpuacct:/", "0::/user.slice/..." (v2).
void add_own_cgroup(Layout& layout, const std::string& line) {
  const auto first = line.find(':');
  const auto second = first == std::string::npos ? first : line.find(':', first + 1);
  if (second == std::string::npos) return;
  const auto controllers = line.substr(first + 1, second - first - 1);
  const auto path = line.substr(second + 1);
  if (line.compare(0, first, "0") == 0 && controllers.empty())
    layout.v2_path = path;
  else
    for (const auto& c : io::split(controllers, ',')) layout.v1_path[c] = path;
}

Layout read_layout(const CgroupHost& host) {
  Layout layout;
  std::istringstream mounts(host.mountinfo);
  for (std::string line; std::getline(mounts, line);) {
    const auto f = io::split(line, ' ');
    const auto dash = static_cast<std::size_t>(std::find(f.begin(), f.end(), "-") - f.begin());
    if (dash < 6 || dash + 3 >= f.size()) continue;
    if (f[dash + 1] == "cgroup2" || f[dash + 1] == "cgroup") add_mount(layout, f, dash);
  }
  std::istringstream own(host.own_cgroups);
  for (std::string line; std::getline(own, line);) add_own_cgroup(layout, line);
  return layout;
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

// The hierarchy's top cgroup, whose control files differ: limits are not offered there.
bool is_top(const Mount& m, const std::string& dir) { return dir == m.point && m.root == "/"; }

const Mount* v1_mount(const Layout& layout, std::string_view controller) {
  for (const auto& m : layout.v1)
    if (contains(m.controllers, controller)) return &m;
  return nullptr;
}

// v2 names; on v1 "io" is the blkio hierarchy.
std::string v1_name(const std::string& controller) {
  return controller == "io" ? "blkio" : controller;
}

std::vector<std::string> words(const std::optional<std::string>& text) {
  std::istringstream in(text.value_or(""));
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// ---- what the policy asks for ----------------------------------------------------------------

Status validate(const CgroupPolicy& l) {
  if (l.cpu_weight && (*l.cpu_weight < 1 || *l.cpu_weight > kMaxWeight))
    return Error{kStep, "cpu weight out of range", std::to_string(*l.cpu_weight), EINVAL,
                 "1 to 10000, default 100"};
  if (l.cpu_shares && (*l.cpu_shares < kMinShares || *l.cpu_shares > kMaxShares))
    return Error{kStep, "cpu shares out of range", std::to_string(*l.cpu_shares), EINVAL,
                 "2 to 262144, default 1024"};
  if (l.cpu_shares && l.cpu_weight)
    return Error{kStep, "cpu weight and cpu shares both given", "", EINVAL,
                 "they are one setting in two units: give one"};
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

std::vector<std::string> wanted_controllers(const CgroupPolicy& l) {
  std::vector<std::string> wanted;
  if (l.memory_max || l.memory_swap_max) wanted.push_back("memory");
  if (l.pids_max) wanted.push_back("pids");
  if (l.cpu_quota_us || l.cpu_weight || l.cpu_shares) wanted.push_back("cpu");
  if (l.io_weight) wanted.push_back("io");
  return wanted;
}

// Drops the limits of a controller the host lacks (best effort).
void drop_controller(CgroupPolicy& l, const std::string& controller) {
  if (controller == "memory") l.memory_max = l.memory_swap_max = std::nullopt;
  if (controller == "pids") l.pids_max = std::nullopt;
  if (controller == "cpu") l.cpu_quota_us = l.cpu_weight = l.cpu_shares = std::nullopt;
  if (controller == "io") l.io_weight = std::nullopt;
}

std::string not_provided(const std::string& controller) {
  return "controller '" + controller + "' does not provide it on this host";
}

CgroupWrite write_of(std::string controller, std::vector<CgroupWrite::File> files,
                     std::string missing) {
  CgroupWrite w;
  w.controller = std::move(controller);
  w.files = std::move(files);
  w.missing = std::move(missing);
  return w;
}

std::vector<CgroupWrite> v2_writes(const CgroupPolicy& l) {
  std::vector<CgroupWrite> s;
  if (l.memory_max)
    s.push_back(write_of("memory", {{"memory.max", std::to_string(*l.memory_max)}},
                         not_provided("memory")));
  if (l.memory_swap_max)
    s.push_back(write_of("memory", {{"memory.swap.max", std::to_string(*l.memory_swap_max)}},
                         "controller 'memory' has no swap accounting on this host"));
  if (l.pids_max)
    s.push_back(
        write_of("pids", {{"pids.max", std::to_string(*l.pids_max)}}, not_provided("pids")));
  if (l.cpu_quota_us)
    s.push_back(write_of(
        "cpu",
        {{"cpu.max", std::to_string(*l.cpu_quota_us) + " " + std::to_string(l.cpu_period_us)}},
        "controller 'cpu' has no bandwidth control on this host (CONFIG_CFS_BANDWIDTH)"));
  if (l.cpu_weight || l.cpu_shares) {
    const auto weight = l.cpu_weight ? *l.cpu_weight : weight_of_shares(*l.cpu_shares);
    s.push_back(write_of("cpu", {{"cpu.weight", std::to_string(weight)}}, not_provided("cpu")));
  }
  if (l.io_weight) {
    const auto w = std::to_string(*l.io_weight);
    // io.weight comes from blk-iocost; with the BFQ scheduler only io.bfq.weight exists.
    s.push_back(write_of(
        "io", {{"io.weight", "default " + w}, {"io.bfq.weight", "default " + w}},
        "controller 'io' has no proportional weight here (needs the iocost or BFQ scheduler)"));
  }
  return s;
}

// v1 in write order: the kernel checks memsw >= limit and quota against the current period.
std::vector<CgroupWrite> v1_writes(const CgroupPolicy& l) {
  std::vector<CgroupWrite> s;
  if (l.memory_max) {
    s.push_back(write_of("memory", {{"memory.limit_in_bytes", std::to_string(*l.memory_max)}},
                         not_provided("memory")));
    if (l.memory_swap_max) {
      // v1 has no swap-only limit: memsw caps memory + swap together.
      const auto sum = *l.memory_max + std::min(*l.memory_swap_max, UINT64_MAX / 2);
      s.push_back(write_of("memory", {{"memory.memsw.limit_in_bytes", std::to_string(sum)}},
                           "controller 'memory' has no swap accounting on this host (boot with "
                           "swapaccount=1)"));
    }
  }
  if (l.pids_max)
    s.push_back(
        write_of("pids", {{"pids.max", std::to_string(*l.pids_max)}}, not_provided("pids")));
  if (l.cpu_quota_us) {
    const std::string why =
        "controller 'cpu' has no bandwidth control on this host (CONFIG_CFS_BANDWIDTH)";
    s.push_back(write_of("cpu", {{"cpu.cfs_period_us", std::to_string(l.cpu_period_us)}}, why));
    s.push_back(write_of("cpu", {{"cpu.cfs_quota_us", std::to_string(*l.cpu_quota_us)}}, why));
  }
  if (l.cpu_shares)  // v1's own unit: written as asked
    s.push_back(
        write_of("cpu", {{"cpu.shares", std::to_string(*l.cpu_shares)}}, not_provided("cpu")));
  else if (l.cpu_weight)  // cpu.weight 100 is the default share, 1024 in v1 terms; linear
    s.push_back(write_of("cpu",
                         {{"cpu.shares", std::to_string(std::max<std::uint64_t>(
                                             kMinShares, *l.cpu_weight * 1024 / 100))}},
                         not_provided("cpu")));
  if (l.io_weight) {
    // CFQ's blkio.weight is 10..1000 around 500 (systemd's mapping); BFQ's is 1..1000 around 100.
    const auto cfq = std::clamp<std::uint64_t>(*l.io_weight * 500 / 100, 10, 1000);
    const auto bfq = std::clamp<std::uint64_t>(*l.io_weight, 1, 1000);
    s.push_back(write_of(
        "blkio", {{"blkio.weight", std::to_string(cfq)}, {"blkio.bfq.weight", std::to_string(bfq)}},
        "controller 'blkio' has no weight file here (needs the CFQ or BFQ scheduler)"));
  }
  return s;
}

// A v1 memsw limit cannot exist without a memory limit: it caps memory + swap together.
Status check_v1_swap(CgroupPolicy& l, std::vector<std::string>& dropped) {
  if (!l.memory_swap_max || l.memory_max) return ok_status();
  const std::string why =
      "memory.memsw.limit_in_bytes: cgroup v1 limits memory and swap together "
      "(memsw = memory + swap), so a swap limit needs a memory limit";
  if (!l.best_effort) return Error{kStep, why, "", EINVAL, "add --memory-max"};
  dropped.push_back(why + "; swap limit not applied");
  l.memory_swap_max = std::nullopt;
  return ok_status();
}

// ---- where the sandbox's directories go -----------------------------------------------------

Status check_parent(const CgroupHost& host, const std::string& dir, const std::string& parent,
                    const Mount& m) {
  const int err = host.directory_error(dir);
  if (err == 0) return ok_status();
  if (parent.empty())
    return Error{kStep, "the caller's cgroup is not under the mount", dir, err,
                 "the cgroup filesystem at " + m.point +
                     " does not show the caller's cgroup (another "
                     "cgroup namespace?); use --cgroup-parent"};
  return Error{kStep, "cgroup parent", dir, err,
               "--cgroup-parent " + parent +
                   " must name an existing cgroup, relative to the cgroup root " + m.point};
}

Status add_v2_hierarchy(const CgroupHost& host, const Layout& layout, CgroupPlan& plan) {
  const auto& m = *layout.v2;
  const bool callers_own = plan.parent_option.empty();
  const auto base = dir_of(m, callers_own ? layout.v2_path : plan.parent_option);
  CLOISTER_TRY(check_parent(host, base, plan.parent_option, m));
  plan.hierarchies.push_back({m.point, "", base, false});
  if (callers_own) plan.holder = base + "/cloister";
  plan.leaf_prefix = callers_own ? "sandbox-" : "cloister-";
  return ok_status();
}

// v1: one directory per hierarchy holding a wanted controller, (for the exit record's
// figures) cpuacct and memory where they can be had, and with `every_hierarchy` each other
// hierarchy a container can join as it is.
Status add_v1_hierarchies(const CgroupHost& host, const Layout& layout,
                          const std::vector<std::string>& wanted, bool every_hierarchy,
                          CgroupPlan& plan) {
  auto add = [&](const std::string& controller, bool required) -> Status {
    const Mount* m = v1_mount(layout, controller);
    if (!m) return ok_status();  // a required one was dropped or refused before
    const auto controllers = join(m->controllers, ",");
    for (auto& h : plan.hierarchies)
      if (h.controllers == controllers) {
        h.stats_only = h.stats_only && !required;
        return ok_status();
      }
    const auto& parent = plan.parent_option;
    auto it = layout.v1_path.find(controller);
    const auto base =
        dir_of(*m, parent.empty() ? (it == layout.v1_path.end() ? "/" : it->second) : parent);
    if (required)
      CLOISTER_TRY(check_parent(host, base, parent, *m));
    else if (host.directory_error(base) != 0)
      return ok_status();
    plan.hierarchies.push_back({m->point, controllers, base, !required});
    return ok_status();
  };
  for (const auto& c : wanted) CLOISTER_TRY(add(v1_name(c), true));
  CLOISTER_TRY(add("cpuacct", false));
  CLOISTER_TRY(add("memory", false));
  if (wanted.empty()) CLOISTER_TRY(add("pids", false));
  if (every_hierarchy)
    for (const auto& m : layout.v1)
      if (std::all_of(m.controllers.begin(), m.controllers.end(),
                      [](const std::string& c) { return joinable_v1_controller(c); }))
        CLOISTER_TRY(add(m.controllers.front(), false));
  if (plan.hierarchies.empty())
    return Error{kStep, "no cgroup hierarchy to use", "", ENOENT,
                 "no cgroup filesystem is mounted"};
  plan.leaf_prefix = "cloister-";
  return ok_status();
}

// ---- which control files the new cgroup will have -------------------------------------------

// Files every cgroup of their controller has (but a hierarchy's top cgroup).
bool always_there(const std::string& file) {
  return file == "memory.max" || file == "memory.limit_in_bytes" || file == "pids.max" ||
         file == "cpu.weight" || file == "cpu.shares";
}

enum class Presence { Yes, No, Unknown };

// A cgroup below `dir` has the files `dir` has for the same controllers (v1: the same
// hierarchy; v2: the controllers planning checked `dir` offers), unless `dir` is a
// hierarchy's top, which lacks the limit files: there only what is always there is known.
Presence presence(const CgroupHost& host, const std::string& dir, bool top,
                  const std::string& file) {
  if (host.exists(dir + "/" + file)) return Presence::Yes;
  if (!top) return Presence::No;
  return always_there(file) ? Presence::Yes : Presence::Unknown;
}

std::string file_names(const CgroupWrite& w) {
  std::vector<std::string> names;
  for (const auto& f : w.files) names.push_back(f.name);
  return join(names, " or ");
}

// Keeps the candidates the new cgroup may have; none left is an error or, best effort, a
// dropped limit. `keep` says whether the write stays in the plan.
Status settle_files(const CgroupHost& host, const CgroupHierarchy& h, bool top, CgroupWrite& w,
                    CgroupPlan& plan, bool& keep) {
  std::vector<CgroupWrite::File> left;
  bool last_seen = false;
  for (const auto& f : w.files) {
    const auto p = presence(host, h.parent, top, f.name);
    if (p == Presence::No) continue;
    left.push_back(f);
    last_seen = p == Presence::Yes;
    if (last_seen) break;
  }
  keep = !left.empty();
  if (keep) {
    w.seen = left.size() == 1 && last_seen;
    w.files = std::move(left);
    return ok_status();
  }
  const auto& first = w.files.front().name;
  if (!plan.best_effort)
    return Error{kStep, first + ": " + w.missing, "", ENOENT,
                 "the cgroups in " + h.parent + " have no " + file_names(w) +
                     "; --cgroup=best-effort runs without this limit"};
  plan.dropped.push_back(first + ": " + w.missing + "; limit not applied");
  return ok_status();
}

std::size_t hierarchy_of(const CgroupPlan& plan, const std::string& controller) {
  if (plan.version == CgroupVersion::V2) return 0;
  for (std::size_t i = 0; i < plan.hierarchies.size(); ++i)
    if (contains(io::split(plan.hierarchies[i].controllers, ','), controller)) return i;
  return 0;  // not reached: every written controller's hierarchy is in the plan
}

Status add_writes(const CgroupHost& host, const Layout& layout, const CgroupPolicy& limits,
                  CgroupPlan& plan) {
  const bool v2 = plan.version == CgroupVersion::V2;
  for (auto& w : v2 ? v2_writes(limits) : v1_writes(limits)) {
    w.hierarchy = hierarchy_of(plan, w.controller);
    const auto& h = plan.hierarchies[w.hierarchy];
    const Mount* m = v2 ? &*layout.v2 : v1_mount(layout, w.controller);
    bool keep = false;
    CLOISTER_TRY(settle_files(host, h, m && is_top(*m, h.parent), w, plan, keep));
    if (keep) plan.writes.push_back(std::move(w));
  }
  return ok_status();
}

// ---- cgroup version ---------------------------------------------------------------------------

std::vector<std::string> v2_offered(const CgroupHost& host, const Layout& layout,
                                    const std::string& parent) {
  return words(host.read(dir_of(*layout.v2, parent.empty() ? layout.v2_path : parent) +
                         "/cgroup.controllers"));
}

// CLONE_INTO_CGROUP came with Linux 5.7; before, the child is attached after clone.
bool clone_into_cgroup(const std::string& release) {
  int major = 0, minor = 0;
  if (std::sscanf(release.c_str(), "%d.%d", &major, &minor) != 2) return true;
  return major > 5 || (major == 5 && minor >= 7);
}

// v2 when it offers every requested controller, else the v1 hierarchies; when neither has
// them all, the one missing fewer (v2 on a tie). Returns the controllers the chosen one lacks.
Result<std::vector<std::string>> choose_version(const CgroupHost& host, const Layout& layout,
                                                const std::vector<std::string>& wanted,
                                                bool every_v1_hierarchy, CgroupPlan& plan) {
  if (!layout.v2 && layout.v1.empty())
    return Error{kStep, "no cgroup filesystem in /proc/self/mountinfo", "", ENOENT,
                 "mount cgroup2 on /sys/fs/cgroup"};
  std::vector<std::string> missing_v2, missing_v1;
  const auto offered =
      layout.v2 ? v2_offered(host, layout, plan.parent_option) : std::vector<std::string>{};
  for (const auto& c : wanted) {
    if (!layout.v2 || !contains(offered, c)) missing_v2.push_back(c);
    if (!v1_mount(layout, v1_name(c))) missing_v1.push_back(c);
  }
  // Engines take /sys/fs/cgroup's type for the host's version; so does an OCI container.
  const bool v1_host = !layout.v1.empty() && (!layout.v2 || layout.v2->point != "/sys/fs/cgroup");
  const bool engine_v1 = every_v1_hierarchy && v1_host;
  const bool use_v2 =
      !engine_v1 && layout.v2 &&
      (missing_v2.empty() || layout.v1.empty() || missing_v2.size() <= missing_v1.size());
  plan.version = use_v2 ? CgroupVersion::V2 : CgroupVersion::V1;
  if (!layout.v2)
    plan.why_version = "no cgroup v2 mount";
  else if (engine_v1)
    plan.why_version = "/sys/fs/cgroup is cgroup v1 (the cgroup v2 mount is at " +
                       layout.v2->point +
                       "): a container goes where engines look, the v1 hierarchies";
  else if (!use_v2)
    plan.why_version = "the cgroup v2 mount at " + layout.v2->point + " does not offer " +
                       join(missing_v2, ", ") + ": a hybrid host";
  return use_v2 ? missing_v2 : missing_v1;
}

// Each controller the chosen version lacks: an error, or (best effort) its limits dropped.
Status drop_missing(const std::vector<std::string>& missing, CgroupPolicy& limits,
                    std::vector<std::string>& wanted, CgroupPlan& plan) {
  const bool v2 = plan.version == CgroupVersion::V2;
  for (const auto& c : missing) {
    const std::string what = "controller '" + c + "' is not available";
    if (!limits.best_effort)
      return Error{kStep, what, "", ENOENT,
                   v2 ? "the cgroup v2 parent does not offer it (cgroup.controllers) and no v1 "
                        "hierarchy has it; --cgroup=best-effort runs without its limits"
                      : "neither cgroup v2 nor a v1 hierarchy has it; --cgroup=best-effort runs "
                        "without its limits"};
    plan.dropped.push_back(what + "; its limits are not applied");
    drop_controller(limits, c);
    wanted.erase(std::find(wanted.begin(), wanted.end(), c));
  }
  return ok_status();
}

Status build(const CgroupPolicy& policy, std::uint64_t clone_flags, const CgroupHost& host,
             CgroupPlan& plan) {
  CgroupPolicy limits = policy;
  const Layout layout = read_layout(host);
  auto wanted = wanted_controllers(limits);
  auto missing = choose_version(host, layout, wanted, limits.every_v1_hierarchy, plan);
  if (!missing) return missing.take_error();
  if (plan.version == CgroupVersion::V2) {
    // First the parent: a parent that does not exist offers no controller either.
    CLOISTER_TRY(add_v2_hierarchy(host, layout, plan));
    CLOISTER_TRY(drop_missing(*missing, limits, wanted, plan));
    plan.why_version = "cgroup v2 at " + layout.v2->point +
                       (wanted.empty() ? ": no controller needed"
                                       : " offers " + join(wanted, ", ") + " (cgroup.controllers)");
    plan.enable = wanted;
    plan.entry = clone_into_cgroup(host.kernel_release) ? CgroupEntry::CloneInto
                                                        : CgroupEntry::AttachAfterClone;
  } else {
    CLOISTER_TRY(drop_missing(*missing, limits, wanted, plan));
    CLOISTER_TRY(check_v1_swap(limits, plan.dropped));
    CLOISTER_TRY(add_v1_hierarchies(host, layout, wanted_controllers(limits),
                                    limits.every_v1_hierarchy, plan));
    plan.entry = CgroupEntry::AttachAfterClone;
  }
  CLOISTER_TRY(add_writes(host, layout, limits, plan));
  plan.late_namespace =
      plan.entry == CgroupEntry::AttachAfterClone && (clone_flags & CLONE_NEWCGROUP) != 0;
  return ok_status();
}

// ---- the real host ------------------------------------------------------------------------

std::string read_or_empty(const char* path) {
  UniqueFd fd(::open(path, O_RDONLY | O_CLOEXEC));
  return fd ? io::read_all(fd.get()).value_or("") : "";
}

}  // namespace

bool joinable_v1_controller(std::string_view controller) {
  for (const char* c : {"cpu", "cpuacct", "memory", "pids", "blkio", "devices", "freezer",
                        "net_cls", "net_prio", "perf_event", "hugetlb", "rdma", "misc"})
    if (controller == c) return true;
  return false;
}

bool joinable_v1_mount(const std::string& super_options) {
  std::vector<std::string> controllers;
  for (const auto& opt : io::split(super_options, ','))
    if (is_controller_option(opt)) controllers.push_back(opt);
  return !controllers.empty() &&
         std::all_of(controllers.begin(), controllers.end(),
                     [](const std::string& c) { return joinable_v1_controller(c); });
}

CgroupHost real_cgroup_host() {
  CgroupHost host;
  host.mountinfo = read_or_empty("/proc/self/mountinfo");
  host.own_cgroups = read_or_empty("/proc/self/cgroup");
  utsname u{};
  if (::uname(&u) == 0) host.kernel_release = u.release;
  host.read = [](const std::string& path) -> std::optional<std::string> {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return std::nullopt;
    return io::read_all(fd.get());
  };
  host.exists = [](const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
  };
  host.directory_error = [](const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return errno;
    return S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
  };
  return host;
}

Result<CgroupPlan> plan_cgroup(const CgroupPolicy& policy, std::uint64_t clone_flags,
                               const CgroupHost& host) {
  CLOISTER_TRY(validate(policy));
  CgroupPlan plan;
  plan.best_effort = policy.best_effort;
  plan.parent_option = policy.parent;
  plan.leaf_name = policy.leaf;
  auto built = build(policy, clone_flags, host, plan);
  if (built.ok()) return plan;
  if (!policy.best_effort) return built.take_error();
  // Best effort and no cgroup to be had here: the sandbox runs without one, and says so.
  Error e = built.take_error();
  e.step.clear();
  CgroupPlan none;
  none.best_effort = true;
  none.parent_option = policy.parent;
  none.dropped.push_back("running without a cgroup (best effort): " + e.message());
  return none;
}

namespace {

// A hierarchy without limits that the exit record's figures come from (cpu time, peak memory;
// pids: any cgroup at all), not one joined only for an engine.
bool figures_only(const CgroupHierarchy& h) {
  for (const auto& c : io::split(h.controllers, ','))
    if (c == "cpuacct" || c == "memory" || c == "pids") return true;
  return false;
}

}  // namespace

std::string leaf_pattern(const CgroupPlan& plan, const CgroupHierarchy& h) {
  if (!plan.leaf_name.empty()) return h.parent + "/" + plan.leaf_name;
  return (plan.holder.empty() ? h.parent : plan.holder) + "/" + plan.leaf_prefix +
         "<launcher pid>-<random>";
}

std::vector<std::string> describe(const CgroupPlan& plan) {
  std::vector<std::string> lines;
  if (!plan.creates()) {
    for (const auto& d : plan.dropped) lines.push_back("not applied: " + d);
    return lines;
  }
  const bool v2 = plan.version == CgroupVersion::V2;
  lines.push_back(std::string(v2 ? "version: v2" : "version: v1 hierarchies") + " (" +
                  plan.why_version + ")");
  if (!plan.enable.empty())
    lines.push_back("cgroup.subtree_control of " + plan.hierarchies[0].parent +
                    (plan.holder.empty() ? "" : " and of " + plan.holder) + ": +" +
                    join(plan.enable, " +") + " (where not on yet)");
  if (!plan.holder.empty())
    lines.push_back("shared directory: " + plan.holder +
                    " (made when missing; removed with its last sandbox)");
  for (const auto& h : plan.hierarchies)
    lines.push_back(std::string("mkdir ") + leaf_pattern(plan, h) +
                    (h.controllers.empty() ? "" : "  [" + h.controllers + "]") +
                    (!h.stats_only     ? ""
                     : figures_only(h) ? " (figures only; skipped when refused)"
                                       : " (joined for the container engine; skipped when "
                                         "refused)"));
  for (const auto& w : plan.writes) {
    std::vector<std::string> files;
    for (const auto& f : w.files) files.push_back(f.name + " = " + f.value);
    std::string line = "write " + join(files, ", else ");
    const auto& controllers = plan.hierarchies[w.hierarchy].controllers;
    if (!controllers.empty()) line += "  [" + controllers + "]";
    if (!w.seen) line += " (whichever the new cgroup has: seen at launch)";
    lines.push_back(line);
  }
  lines.push_back(
      std::string("child enters: ") +
      (plan.entry == CgroupEntry::CloneInto
           ? "born inside (clone3 CLONE_INTO_CGROUP)"
           : "attached after clone (its pid written to cgroup.procs of each directory) before it "
             "runs anything"));
  if (plan.late_namespace)
    lines.push_back("cgroup namespace: created by the child after the attach");
  lines.push_back(
      "at the end: everything left in it killed, the directories removed (by the keeper if "
      "cloister itself is killed)");
  for (const auto& d : plan.dropped) lines.push_back("not applied (best effort): " + d);
  return lines;
}

}  // namespace cloister
