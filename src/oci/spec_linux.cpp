// config.json's linux section: namespaces (new or joined by path), id mappings, the cgroup
// and its resources, sysctls, seccomp. Mount-related keys are read by spec_mounts.cpp.
#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <cerrno>

#include "oci/seccomp_spec.hpp"
#include "oci/spec.hpp"

namespace cloister::oci {
namespace {

struct NamespaceType {
  const char* name;
  int flag;
};
constexpr NamespaceType kNamespaceTypes[] = {
    {"pid", CLONE_NEWPID},  {"network", CLONE_NEWNET}, {"mount", CLONE_NEWNS},
    {"ipc", CLONE_NEWIPC},  {"uts", CLONE_NEWUTS},     {"user", CLONE_NEWUSER},
    {"cgroup", CLONE_NEWCGROUP}};

Want* want_for(Namespaces& ns, int flag) {
  switch (flag) {
    case CLONE_NEWPID: return &ns.pid;
    case CLONE_NEWNET: return &ns.net;
    case CLONE_NEWNS: return &ns.mount;
    case CLONE_NEWIPC: return &ns.ipc;
    case CLONE_NEWUTS: return &ns.uts;
    case CLONE_NEWUSER: return &ns.user;
    case CLONE_NEWCGROUP: return &ns.cgroup;
    default: return nullptr;
  }
}

Status join_by_path(const std::string& path, int flag, const std::string& key, Container& c) {
  if (flag == CLONE_NEWNS)
    return spec_error(member(key, "path"), "joining a mount namespace is not supported by cloister",
                      "cloister builds each container's root in a mount namespace of its own");
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return Error{member(key, "path"), "open", path, errno, ""};
  const int raw = fd.get();
  c.namespace_fds.push_back(std::move(fd));
  if (flag == CLONE_NEWUSER)
    c.policy.ns.userns_fd = raw;
  else if (flag == CLONE_NEWPID)
    c.policy.ns.pidns_fd = raw;
  else
    c.policy.ns.joins.push_back(Namespaces::Join{raw, flag, member(key, "path")});
  return ok_status();
}

Status read_namespaces(const Json& list, Container& c, int& present) {
  const std::string key = "linux.namespaces";
  if (!list.is_array()) return spec_error(key, "must be an array");
  // Not listed: the runtime's own (the host's), as the spec says.
  for (const auto& t : kNamespaceTypes) *want_for(c.policy.ns, t.flag) = Want::No;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const auto k = element(key, i);
    CLOISTER_TRY(known_keys(list[i], k, {"type", "path"}));
    const Json* type = find(list[i], "type");
    if (!type) return spec_error(k, "has no type");
    auto t = string_of(*type, member(k, "type"));
    if (!t) return t.take_error();
    const auto* it = std::find_if(std::begin(kNamespaceTypes), std::end(kNamespaceTypes),
                                  [&](const NamespaceType& n) { return *t == n.name; });
    if (it == std::end(kNamespaceTypes))
      return spec_error(member(k, "type"), quote(*t) + " is not supported by cloister");
    if (present & it->flag) return spec_error(member(k, "type"), *t + " is listed twice");
    present |= it->flag;
    std::string path;
    if (const Json* p = find(list[i], "path")) {
      auto s = string_of(*p, member(k, "path"));
      if (!s) return s.take_error();
      path = std::move(*s);
    }
    if (path.empty())
      *want_for(c.policy.ns, it->flag) = Want::Yes;
    else
      CLOISTER_TRY(join_by_path(path, it->flag, k, c));
  }
  if (!(present & CLONE_NEWNS))
    return spec_error(key, "has no mount namespace",
                      "cloister builds each container's root in a mount namespace of its own");
  return ok_status();
}

Status read_mappings(const Json& list, const std::string& key, std::vector<IdRange>& into) {
  if (!list.is_array()) return spec_error(key, "must be an array");
  for (std::size_t i = 0; i < list.size(); ++i) {
    const auto k = element(key, i);
    CLOISTER_TRY(known_keys(list[i], k, {"containerID", "hostID", "size"}));
    IdRange range;
    for (auto [name, field] : {std::pair{"containerID", &range.inside},
                               std::pair{"hostID", &range.outside}, std::pair{"size", &range.count}}) {
      const Json* v = find(list[i], name);
      if (!v) return spec_error(k, std::string("has no ") + name);
      auto n = uint_of(*v, member(k, name));
      if (!n) return n.take_error();
      if (*n > 0xffffffffULL) return spec_error(member(k, name), "is out of range");
      *field = static_cast<std::uint32_t>(*n);
    }
    into.push_back(range);
  }
  return ok_status();
}

// A limit of -1 (or 0 where the spec says so) means none.
Result<std::optional<std::uint64_t>> limit_of(const Json& section, std::string_view name,
                                              const std::string& key, bool zero_is_none) {
  const Json* v = find(section, name);
  if (!v) return std::optional<std::uint64_t>{};
  auto n = int_of(*v, member(key, name));
  if (!n) return n.take_error();
  if (*n < 0 || (zero_is_none && *n == 0)) return std::optional<std::uint64_t>{};
  return std::optional<std::uint64_t>{static_cast<std::uint64_t>(*n)};
}

Status read_memory(const Json& memory, const std::string& key, CgroupPolicy& cg) {
  CLOISTER_TRY(known_keys(memory, key,
                          {"limit", "swap", "reservation", "disableOOMKiller", "useHierarchy",
                           "checkBeforeUpdate"}));
  auto limit = limit_of(memory, "limit", key, false);
  if (!limit) return limit.take_error();
  auto swap = limit_of(memory, "swap", key, false);
  if (!swap) return swap.take_error();
  if (find(memory, "reservation"))
    return spec_error(member(key, "reservation"), "is not supported by cloister");
  if (const Json* d = find(memory, "disableOOMKiller")) {
    auto v = bool_of(*d, member(key, "disableOOMKiller"));
    if (!v) return v.take_error();
    if (*v) return spec_error(member(key, "disableOOMKiller"), "true is not supported by cloister");
  }
  cg.memory_max = *limit;
  // The spec's swap is memory and swap together; cloister's limit is the swap alone.
  if (*swap) {
    if (!*limit) return spec_error(member(key, "swap"), "needs a memory limit with it");
    if (**swap < **limit) return spec_error(member(key, "swap"), "is below the memory limit");
    cg.memory_swap_max = **swap - **limit;
  }
  return ok_status();
}

Status read_cpu(const Json& cpu, const std::string& key, CgroupPolicy& cg) {
  CLOISTER_TRY(known_keys(cpu, key, {"shares", "quota", "period"}));
  auto shares = limit_of(cpu, "shares", key, true);
  if (!shares) return shares.take_error();
  // Kept in v1's unit, clamped as the kernel clamps cpu.shares: v1 writes it as asked, v2
  // converts it to cpu.weight (plan/cgroup_plan.cpp).
  if (*shares) cg.cpu_shares = std::clamp<std::uint64_t>(**shares, 2, 262144);
  auto quota = limit_of(cpu, "quota", key, true);
  if (!quota) return quota.take_error();
  auto period = limit_of(cpu, "period", key, true);
  if (!period) return period.take_error();
  if (*period) cg.cpu_period_us = **period;
  if (*quota) cg.cpu_quota_us = **quota;
  return ok_status();
}

// The nodes a container has: cloister's /dev defaults and linux.devices. Every other mount is
// nodev, so the device cgroup's "deny everything else" holds by construction; a rule that
// denies one of these nodes could not be enforced and is refused.
struct Node {
  std::string path;
  dev_t rdev = 0;
  char type = 'c';  // as a rule's type says it: c (character) or b (block)
};

std::vector<Node> nodes_present(const Json& linux_section) {
  std::vector<Node> present;
  const auto add = [&present](const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || !(S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))) return;
    present.push_back(Node{path, st.st_rdev, S_ISBLK(st.st_mode) ? 'b' : 'c'});
  };
  for (const char* node : {"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom",
                           "/dev/tty", "/dev/ptmx"})
    add(node);
  if (const Json* devices = find(linux_section, "devices"); devices && devices->is_array())
    for (const auto& d : *devices)
      if (const Json* p = find(d, "path"); p && p->is_string()) add(p->get<std::string>());
  return present;
}

// Whether a rule's type, major and minor (absent: any) take in the node.
bool rule_hits(const std::string& type, const Json* major_v, const Json* minor_v,
               const Node& node) {
  const bool type_hit = type == "a" || (type.size() == 1 && type[0] == node.type);
  const bool major_hit =
      !major_v || (major_v->is_number() &&
                   major_v->get<std::int64_t>() == static_cast<std::int64_t>(major(node.rdev)));
  const bool minor_hit =
      !minor_v || (minor_v->is_number() &&
                   minor_v->get<std::int64_t>() == static_cast<std::int64_t>(minor(node.rdev)));
  return type_hit && major_hit && minor_hit;
}

// An allow rule naming one node (podman --device PATH:r) says what that node may do. cloister
// has no device cgroup: a node bound into the container reads and writes as the host's does,
// so a grant narrower than rw cannot be enforced and is refused rather than widened.
Status check_node_grant(const Json& rule, const std::string& key, const std::string& type,
                        const std::vector<Node>& present) {
  const Json* major_v = find(rule, "major");
  const Json* minor_v = find(rule, "minor");
  if (!major_v || !minor_v || !major_v->is_number() || !minor_v->is_number() ||
      major_v->get<std::int64_t>() < 0 || minor_v->get<std::int64_t>() < 0)
    return ok_status();  // a wildcard (podman's "c *:* m") grants in general, names no node
  std::string access = "rwm";
  if (const Json* a = find(rule, "access")) {
    auto text = string_of(*a, member(key, "access"));
    if (!text) return text.take_error();
    access = *text;
  }
  if (access.find('r') != std::string::npos && access.find('w') != std::string::npos)
    return ok_status();
  for (const auto& node : present)
    if (rule_hits(type, major_v, minor_v, node))
      return spec_error(key, "grants " + node.path + " only " + quote(access),
                        "cloister has no device cgroup: a node in the container can be read and "
                        "written; grant rw (podman --device PATH:rw) or leave the device out");
  return ok_status();
}

Status read_device_rules(const Json& rules, const std::string& key, const Json& linux_section) {
  if (!rules.is_array()) return spec_error(key, "must be an array");
  const auto present = nodes_present(linux_section);
  for (std::size_t i = 0; i < rules.size(); ++i) {
    const auto k = element(key, i);
    CLOISTER_TRY(known_keys(rules[i], k, {"allow", "type", "major", "minor", "access"}));
    const Json* allow = find(rules[i], "allow");
    if (!allow) return spec_error(k, "has no allow");
    auto a = bool_of(*allow, member(k, "allow"));
    if (!a) return a.take_error();
    std::string type = "a";  // no type: every type, as "a" says
    if (const Json* t = find(rules[i], "type")) {
      auto text = string_of(*t, member(k, "type"));
      if (!text) return text.take_error();
      type = *text;
    }
    // Otherwise a grant gives only what a node bound into the container can give.
    if (*a) {
      CLOISTER_TRY(check_node_grant(rules[i], k, type, present));
      continue;
    }
    const Json* major_v = find(rules[i], "major");
    const Json* minor_v = find(rules[i], "minor");
    if (!major_v && !minor_v && type == "a") continue;  // deny all: the default
    for (const auto& node : present)
      if (rule_hits(type, major_v, minor_v, node))
        return spec_error(k, "denies " + node.path + ", which the container has",
                          "cloister cannot take a node back from the container; leave it out");
  }
  return ok_status();
}

Status read_resources(const Json& r, const Json& linux_section, CgroupPolicy& cg) {
  const std::string key = "linux.resources";
  CLOISTER_TRY(known_keys(r, key, {"devices", "memory", "cpu", "pids", "blockIO", "hugepageLimits",
                                   "network", "rdma", "unified"}));
  if (const Json* devices = find(r, "devices"))
    CLOISTER_TRY(read_device_rules(*devices, member(key, "devices"), linux_section));
  if (const Json* memory = find(r, "memory"))
    CLOISTER_TRY(read_memory(*memory, member(key, "memory"), cg));
  if (const Json* cpu = find(r, "cpu")) CLOISTER_TRY(read_cpu(*cpu, member(key, "cpu"), cg));
  if (const Json* pids = find(r, "pids")) {
    CLOISTER_TRY(known_keys(*pids, member(key, "pids"), {"limit"}));
    auto limit = limit_of(*pids, "limit", member(key, "pids"), true);
    if (!limit) return limit.take_error();
    cg.pids_max = *limit;
  }
  if (const Json* block = find(r, "blockIO")) {
    CLOISTER_TRY(known_keys(*block, member(key, "blockIO"), {"weight"}));
    auto weight = limit_of(*block, "weight", member(key, "blockIO"), true);
    if (!weight) return weight.take_error();
    // blkio.weight 10..1000 (default 500) onto io.weight 1..10000 (default 100).
    if (*weight) cg.io_weight = std::clamp<std::uint64_t>(**weight * 100 / 500, 1, 10000);
  }
  for (const char* unsupported : {"hugepageLimits", "network", "rdma", "unified"}) {
    const Json* v = find(r, unsupported);
    if (v && !v->empty()) return spec_error(member(key, unsupported), "is not supported by cloister");
  }
  return ok_status();
}

// "/parent/name": the exact cgroup; systemd's "slice:prefix:name" needs systemd.
Status read_cgroups_path(const Json& value, CgroupPolicy& cg) {
  auto path = string_of(value, "linux.cgroupsPath");
  if (!path) return path.take_error();
  if (path->find(':') != std::string::npos)
    return spec_error("linux.cgroupsPath", quote(*path) + " is a systemd unit path",
                      "cloister manages cgroups through the filesystem: run the engine with "
                      "cgroupfs (podman --cgroup-manager cgroupfs)");
  std::string p = *path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  if (p.empty() || p == "/") return ok_status();
  if (p.front() != '/') p.insert(0, "/");
  if (p.find("/../") != std::string::npos || (p.size() >= 3 && p.compare(p.size() - 3, 3, "/..") == 0))
    return spec_error("linux.cgroupsPath", "must not contain ..");
  const auto slash = p.find_last_of('/');
  cg.parent = slash == 0 ? "/" : p.substr(0, slash);
  cg.leaf = p.substr(slash + 1);
  return ok_status();
}

// Only namespaced keys, and only of namespaces the container has of its own: a key the host
// shares would change the host.
Status read_sysctl(const Json& map, Container& c) {
  const std::string key = "linux.sysctl";
  CLOISTER_TRY(expect_object(map, key));
  const auto& ns = c.policy.ns;
  const bool own_ipc = ns.ipc == Want::Yes;
  const bool own_net = ns.net == Want::Yes || std::any_of(ns.joins.begin(), ns.joins.end(), [](const auto& j) {
                         return j.type == CLONE_NEWNET;
                       });
  const bool own_uts = ns.uts == Want::Yes;
  for (const auto& [name, value] : map.items()) {
    const auto k = member(key, name);
    auto v = string_of(value, k);
    if (!v) return v.take_error();
    const bool ipc_key = name.rfind("fs.mqueue.", 0) == 0 ||
                         (name.rfind("kernel.", 0) == 0 &&
                          (name.rfind("kernel.msg", 0) == 0 || name.rfind("kernel.shm", 0) == 0 ||
                           name == "kernel.sem"));
    const bool net_key = name.rfind("net.", 0) == 0;
    const bool uts_key = name == "kernel.hostname" || name == "kernel.domainname";
    if (!ipc_key && !net_key && !uts_key)
      return spec_error(k, "is not a namespaced sysctl", "it would change the host");
    if ((ipc_key && !own_ipc) || (net_key && !own_net) || (uts_key && !own_uts))
      return spec_error(k, "needs a namespace of the container's own",
                        "the container shares this namespace with the host");
    if (name.find('/') != std::string::npos || name.find("..") != std::string::npos)
      return spec_error(k, "is not a sysctl name");
    c.policy.sysctls.emplace_back(name, *v);
  }
  return ok_status();
}

Status read_propagation(const Json& linux_section) {
  const Json* value = find(linux_section, "rootfsPropagation");
  if (!value) return ok_status();
  auto p = string_of(*value, "linux.rootfsPropagation");
  if (!p) return p.take_error();
  if (*p == "private" || *p == "rprivate" || *p == "slave" || *p == "rslave" || p->empty())
    return ok_status();  // every mount of a cloister container is private
  return spec_error("linux.rootfsPropagation", quote(*p) + " is not supported by cloister",
                    "mounts of a cloister container are private");
}

Status read_empty_or_refused(const Json& linux_section, std::string_view name) {
  const Json* v = find(linux_section, name);
  if (!v || v->empty() || (v->is_string() && v->get<std::string>().empty())) return ok_status();
  return spec_error(member("linux", name), "is not supported by cloister");
}

}  // namespace

Status read_linux(const Json& linux_section, Container& c) {
  CLOISTER_TRY(known_keys(linux_section, "linux",
                          {"namespaces", "uidMappings", "gidMappings", "devices", "cgroupsPath",
                           "resources", "sysctl", "seccomp", "rootfsPropagation", "maskedPaths",
                           "readonlyPaths", "mountLabel", "intelRdt", "personality",
                           "timeOffsets"}));
  for (const char* refused : {"mountLabel", "intelRdt", "personality", "timeOffsets"})
    CLOISTER_TRY(read_empty_or_refused(linux_section, refused));
  CLOISTER_TRY(read_propagation(linux_section));
  int present = 0;
  const Json* namespaces = find(linux_section, "namespaces");
  if (!namespaces) return spec_error("linux.namespaces", "is missing");
  CLOISTER_TRY(read_namespaces(*namespaces, c, present));
  const bool userns = present & CLONE_NEWUSER;
  for (auto [name, into] : {std::pair{"uidMappings", &c.policy.id.uid_map},
                            std::pair{"gidMappings", &c.policy.id.gid_map}}) {
    const Json* list = find(linux_section, name);
    if (!list) continue;
    if (!userns && !list->empty())
      return spec_error(member("linux", name), "needs a user namespace");
    CLOISTER_TRY(read_mappings(*list, member("linux", name), *into));
  }
  // Without a user namespace the process's ids are the host's own (root's container).
  if (!userns) c.policy.id.host_ids = true;
  if (const Json* path = find(linux_section, "cgroupsPath"))
    CLOISTER_TRY(read_cgroups_path(*path, c.policy.cgroup));
  if (const Json* resources = find(linux_section, "resources"))
    CLOISTER_TRY(read_resources(*resources, linux_section, c.policy.cgroup));
  // Every container has a cgroup of its own, limits or not: `delete` and `kill --all` end
  // everything in it. One that asks for no cgroup path and no limit runs without where the
  // runtime may make none (rootless podman on cgroup v1: no delegated cgroup; runc and crun
  // do the same), said in the log. With a PID namespace of its own everything in it still
  // ends with its PID 1; without one (podman --pid=host) `kill --all` and `delete` reach only
  // the container's own process, as with crun and runc there.
  c.policy.cgroup.own = true;
  auto& cg = c.policy.cgroup;
  cg.every_v1_hierarchy = true;  // engines look for it in each v1 hierarchy; pause needs freezer
  if (cg.parent.empty() && cg.leaf.empty() && !cg.any()) cg.best_effort = true;
  if (const Json* sysctl = find(linux_section, "sysctl")) CLOISTER_TRY(read_sysctl(*sysctl, c));
  if (const Json* seccomp = find(linux_section, "seccomp")) {
    auto policy = seccomp_from_spec(*seccomp);
    if (!policy) return policy.take_error();
    policy->exact = true;
    policy->origin = "linux.seccomp";
    for (const auto& w : policy->warnings) c.notices.push_back("linux.seccomp: " + w);
    c.policy.seccomp = std::move(*policy);
  }
  return ok_status();
}

}  // namespace cloister::oci
