// Planning a group's services: each service's Policy gets the group-wide parts (identity,
// isolation between services, a cgroup of its own) and resolves into the Plan the manager
// starts. Planning only: nothing here changes the process.
#pragma once

#include <string>
#include <vector>

#include "cloister/error.hpp"
#include "plan/plan.hpp"
#include "policy/group_file.hpp"

namespace cloister::supervisor {

// An unprivileged caller's subordinate ids (/etc/subuid, /etc/subgid) that newuidmap and
// newgidmap map into the group's user namespace: the group's ranges inside, these outside.
struct SubordinateIds {
  std::uint32_t uid_start = 0;  // host uids standing for the group's uid-range
  std::uint32_t gid_start = 0;
  std::string newuidmap = "/usr/bin/newuidmap";
  std::string newgidmap = "/usr/bin/newgidmap";
};

// Who the services run as, decided once for the group from the caller.
struct GroupIdentity {
  // Root in the host's user namespace: no user namespace anywhere; each service under its
  // real host uid/gid (setresuid, setgroups cleared, capabilities dropped).
  bool host_ids = false;
  // Otherwise the manager gets one user namespace mapping the caller's uid and gid onto
  // themselves; every service runs under that uid.
  uid_t caller_uid = 0;
  gid_t caller_gid = 0;
  // The uid services get as root when the group has no uid-range.
  uid_t fallback_uid = 65534;
  // Unprivileged with a uid-range the caller's /etc/subuid and /etc/subgid cover: the group's
  // user namespace maps uid 0 onto the caller and the ranges onto these (newuidmap); each
  // service runs under its own uid of the range there. Otherwise (`one_uid_because` says why)
  // every service runs under the caller's uid.
  std::optional<SubordinateIds> sub;
  std::string one_uid_because;
  std::string caller_name;
};

// Where /etc/subuid and /etc/subgid live, and the helpers; injected by tests.
struct SubordinateFiles {
  std::string subuid = "/etc/subuid";
  std::string subgid = "/etc/subgid";
  std::string newuidmap = "/usr/bin/newuidmap";
  std::string newgidmap = "/usr/bin/newgidmap";
};

GroupIdentity identity_for(const Caller& caller, const group::Group& group,
                           const SubordinateFiles& files = {});

// How the manager sees itself when planning: root, or the owner of its user namespace (full
// capabilities there, so each service's mount namespace needs no user namespace of its own).
Caller manager_caller(const GroupIdentity& identity);

struct ServicePlan {
  std::string name;
  Plan plan;
  std::vector<std::string> notes;  // what explain says about this service's identity
};

// The service's final Policy (what `resolve` gets).
Policy service_policy(const group::Service& service, const GroupIdentity& identity);

// One service's plan, as the manager makes it right before each start (so the manager holds
// no plan between starts, and a restart sees the host as it is then).
Result<Plan> plan_service(const group::Service& service, const GroupIdentity& identity);

// Every service's plan, in start order; the first error names the service. `cloister
// supervise` makes them all first, to refuse a group that cannot run before anything starts.
Result<std::vector<ServicePlan>> plan_services(const group::Group& group,
                                               const GroupIdentity& identity);

// `cloister supervise --explain`: the group's identity choice and each service's plan.
std::string explain_text(const group::Group& group, const GroupIdentity& identity,
                         const std::vector<ServicePlan>& plans);

}  // namespace cloister::supervisor
