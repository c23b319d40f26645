#include "supervisor/service_plan.hpp"

#include <cstdio>
#include <fstream>

#include "plan/explain.hpp"

namespace cloister::supervisor {

GroupIdentity identity_for(const Caller& caller) {
  GroupIdentity id;
  id.host_ids = caller.host_root;
  id.caller_uid = caller.uid;
  id.caller_gid = caller.gid;
  return id;
}

Caller manager_caller(const GroupIdentity& identity) {
  Caller c;
  c.uid = 0;
  c.gid = 0;
  c.cwd = "/";
  c.host_root = identity.host_ids;
  return c;
}

Policy service_policy(const group::Service& service, const GroupIdentity& identity) {
  Policy p = service.policy;
  // Services never get a user namespace of their own: root's run under host ids, an
  // unprivileged caller's share the manager's one.
  p.ns.user = Want::No;
  p.id.root_maps_onto.reset();
  if (identity.host_ids) {
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
    if (!sp.plan.host_ids)
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
  out += identity.host_ids
             ? "; no user namespace (the caller is root): services run under "
               "real host ids\n"
             : "; one user namespace mapping uid " + std::to_string(identity.caller_uid) +
                   " onto itself (an unprivileged caller); every service runs "
                   "under that uid\n";
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
