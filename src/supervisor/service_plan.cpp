#include "supervisor/service_plan.hpp"

#include <pwd.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "plan/explain.hpp"

namespace cloister::supervisor {

namespace {

// The start of the first line of FILE ("NAME:START:COUNT", NAME a login or a number) that
// is the caller's and holds `count` ids; nullopt when none does.
std::optional<std::uint32_t> subordinate_start(const std::string& file, const std::string& name,
                                               std::uint32_t id, std::uint32_t count) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string owner = line.substr(0, colon);
    if (owner != name && owner != std::to_string(id)) continue;
    unsigned long start = 0, n = 0;
    if (std::sscanf(line.c_str() + colon + 1, "%lu:%lu", &start, &n) != 2) continue;
    if (n >= count && start + count <= 0xffffffffUL) return static_cast<std::uint32_t>(start);
  }
  return std::nullopt;
}

std::string login_name(uid_t uid) {
  passwd pw{};
  passwd* found = nullptr;
  char buf[4096];
  if (::getpwuid_r(uid, &pw, buf, sizeof buf, &found) == 0 && found) return pw.pw_name;
  return std::to_string(uid);
}

}  // namespace

GroupIdentity identity_for(const Caller& caller, const group::Group& group,
                           const SubordinateFiles& files) {
  GroupIdentity id;
  id.host_ids = caller.host_root;
  id.caller_uid = caller.uid;
  id.caller_gid = caller.gid;
  if (id.host_ids) return id;
  id.caller_name = login_name(caller.uid);
  if (!group.uids) {
    id.one_uid_because = "the group has no uid-range";
    return id;
  }
  const auto gids = group.gids ? *group.gids : *group.uids;
  if (::access(files.newuidmap.c_str(), X_OK) != 0 ||
      ::access(files.newgidmap.c_str(), X_OK) != 0) {
    id.one_uid_because = files.newuidmap + " and " + files.newgidmap +
                         " are not both installed (Debian: the uidmap package)";
    return id;
  }
  const auto uid_start =
      subordinate_start(files.subuid, id.caller_name, caller.uid, group.uids->count);
  const auto gid_start = subordinate_start(files.subgid, id.caller_name, caller.uid, gids.count);
  if (!uid_start || !gid_start) {
    id.one_uid_because = std::string(!uid_start ? files.subuid : files.subgid) + " gives " +
                         id.caller_name + " no range of " +
                         std::to_string(!uid_start ? group.uids->count : gids.count) + " ids";
    return id;
  }
  id.sub = SubordinateIds{*uid_start, *gid_start, files.newuidmap, files.newgidmap};
  return id;
}

Caller manager_caller(const GroupIdentity& identity) {
  Caller c;
  c.uid = 0;
  c.gid = 0;
  c.cwd = "/";
  // With subordinate ids the manager is uid 0 of its user namespace, where the group's
  // ranges are mapped: the services switch to their uids there as root's do on the host.
  c.host_root = identity.host_ids || identity.sub.has_value();
  return c;
}

Policy service_policy(const group::Service& service, const GroupIdentity& identity) {
  Policy p = service.policy;
  // Services never get a user namespace of their own: root's run under host ids, an
  // unprivileged caller's share the manager's one.
  p.ns.user = Want::No;
  p.id.root_maps_onto.reset();
  if (identity.host_ids || identity.sub) {
    p.id.host_ids = true;
    p.id.uid = service.uid.value_or(identity.fallback_uid);
    p.id.gid = service.gid.value_or(service.uid ? static_cast<gid_t>(*service.uid)
                                                : static_cast<gid_t>(identity.fallback_uid));
  } else {
    p.id.uid.reset();
    p.id.gid.reset();
  }
  // Isolation between services sharing the PID namespace (and maybe a uid): no signal to,
  // no abstract socket of a process outside the service's own Landlock domain. ptrace and
  // process_vm_* are refused by the default seccomp base and by Landlock's domains.
  p.landlock.scope_signal = true;
  p.landlock.scope_abstract_unix = true;
  // Its own cgroup: what it uses (tmpfs pages included) is charged to it and counted apart.
  // Without limits asked, a host that gives no cgroup (an unprivileged caller without
  // delegation) runs the service without one, said once.
  p.cgroup.own = true;
  if (!p.cgroup.any()) p.cgroup.best_effort = true;
  p.new_session = true;
  return p;
}

Result<Plan> plan_service(const group::Service& service, const GroupIdentity& identity) {
  auto plan = resolve(service_policy(service, identity), manager_caller(identity));
  if (!plan) {
    auto e = plan.take_error();
    e.step = "service " + service.name + " (" + service.origin + "): " + e.step;
    return e;
  }
  // The cgroup directory is named after the service.
  if (plan->cgroup) plan->cgroup->leaf_prefix = service.name + "-";
  return plan;
}

namespace {

// A range of host ids root hands to services must not hold an account's: its files, its
// processes, its signals would be the service's. Reads FILE (passwd or group: NAME:x:ID:...).
Status check_range_free(const std::optional<group::IdRange>& range, const char* file,
                        const char* key) {
  if (!range) return ok_status();
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    const auto first = line.find(':');
    const auto second = first == std::string::npos ? first : line.find(':', first + 1);
    if (second == std::string::npos) continue;
    const std::string name = line.substr(0, first);
    unsigned long id = 0;
    if (std::sscanf(line.c_str() + second + 1, "%lu", &id) != 1) continue;
    if (id <= 0xffffffffUL && range->contains(static_cast<std::uint32_t>(id)))
      return Error{std::string("[group] ") + key,
                   "overlaps the existing " + std::string(file) + " entry " + quote(name) + " (" +
                       std::to_string(id) + ")",
                   "", 0, "pick a range no account uses: services would run as that account"};
  }
  return ok_status();
}

}  // namespace

Result<std::vector<ServicePlan>> plan_services(const group::Group& group,
                                               const GroupIdentity& identity) {
  std::vector<ServicePlan> plans;
  if (identity.host_ids) {
    CLOISTER_TRY(check_range_free(group.uids, "/etc/passwd", "uid-range"));
    CLOISTER_TRY(check_range_free(group.gids, "/etc/group", "gid-range"));
  }
  for (const auto& service : group.services) {
    auto plan = plan_service(service, identity);
    if (!plan) return plan.take_error();
    ServicePlan sp{service.name, std::move(*plan), {}};
    // (root's host ids are said by the plan's own "ids:" line)
    if (identity.sub)
      sp.notes.push_back("identity: uid " + std::to_string(sp.plan.host_ids->switch_uid) +
                         " of the group's user namespace (host uid " +
                         std::to_string(identity.sub->uid_start + sp.plan.host_ids->switch_uid -
                                        group.uids->first) +
                         "); the ids line below names the namespace's ids");
    else if (!sp.plan.host_ids)
      sp.notes.push_back("identity: uid " + std::to_string(identity.caller_uid) +
                         " in the manager's user namespace (the caller's uid, mapped onto itself)");
    plans.push_back(std::move(sp));
  }
  return plans;
}

namespace {

std::string restart_text(const group::Service& s) {
  switch (s.restart) {
    case group::Restart::No: return "no";
    case group::Restart::OnFailure: return "on-failure";
    case group::Restart::Always: return "always";
  }
  return "?";
}

std::string ready_text(const group::Readiness& r) {
  switch (r.kind) {
    case group::Readiness::Kind::None: return "when COMMAND has been executed";
    case group::Readiness::Kind::Fd: return "a line on fd " + std::to_string(r.fd);
    case group::Readiness::Kind::Socket: return "once " + r.socket + " exists in its view";
  }
  return "?";
}

std::string seconds(std::uint32_t ms) {
  char text[32];
  std::snprintf(text, sizeof text, "%g s", ms / 1000.0);
  return text;
}

}  // namespace

std::string explain_text(const group::Group& group, const GroupIdentity& identity,
                         const std::vector<ServicePlan>& plans) {
  std::string out = "group " + group.name + " (" + group.file +
                    "): " + std::to_string(plans.size()) + " services\n";
  out +=
      "manager: PID 1 of a new PID namespace, in a mount namespace of its own (the host's "
      "root, a fresh /proc)";
  if (identity.host_ids)
    out += "; no user namespace (the caller is root): services run under real host ids\n";
  else if (identity.sub)
    out += "; one user namespace (an unprivileged caller): uid 0 there is uid " +
           std::to_string(identity.caller_uid) + ", the uid-range is mapped onto " +
           identity.caller_name + "'s subordinate uids from " +
           std::to_string(identity.sub->uid_start) + " and gids from " +
           std::to_string(identity.sub->gid_start) +
           " (newuidmap, newgidmap); each service runs under its own uid of the range\n";
  else
    out += "; one user namespace mapping uid " + std::to_string(identity.caller_uid) +
           " onto itself (an unprivileged caller); every service runs under that uid (" +
           identity.one_uid_because + ")\n";
  out += "shutdown: reverse start order, each its stop signal, SIGKILL at " +
         seconds(group.shutdown_timeout_ms) + "\n";
  for (std::size_t i = 0; i < plans.size(); ++i) {
    const auto& service = group.services[i];
    out += "\n== service " + service.name + " (" + service.origin + ")\n";
    std::string after;
    for (const auto& a : service.after) after += (after.empty() ? "" : ", ") + a;
    out += "start: " + (after.empty() ? std::string("first") : "after " + after + " are ready") +
           "; ready: " + ready_text(service.ready) + "; restart: " + restart_text(service) +
           "; stop signal: " + std::to_string(service.stop_signal) + "\n";
    for (const auto& note : plans[i].notes) out += note + "\n";
    out += explain::plan_text(plans[i].plan);
  }
  return out;
}

}  // namespace cloister::supervisor
