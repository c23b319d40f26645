// config.json's linux.seccomp (OCI runtime spec 1.x, the LinuxSeccomp object) read into the
// SeccompPolicy that cloister's own compiler takes, with the meaning runc and crun give it
// (both hand the list to libseccomp; what libseccomp does with it is what the spec means):
// - a rule whose action is the default action is dropped (libseccomp refuses it);
// - several args on one index in one rule: every arg of that rule is an alternative (OR), each
//   its own rule; otherwise the args of a rule must all hold (AND);
// - for one syscall, the first unconditional rule decides and its other rules are void; with
//   only conditional rules, each applies where its conditions hold, the default elsewhere;
// - a name unknown to libseccomp is skipped with a warning; SCMP_ACT_KILL is kill-thread.
// What cloister cannot honour (SCMP_ACT_TRACE, SCMP_ACT_NOTIFY, SECCOMP_FILTER_FLAG_LOG, an
// unknown key) is an error naming the key, never ignored.
#pragma once

#include <nlohmann/json.hpp>

#include "cloister/error.hpp"
#include "cloister/policy.hpp"

namespace cloister::oci {

// config.json's linux.seccomp as the SeccompPolicy the compiler takes (base "none": the
// spec's list is the whole filter). Errors name the key ("linux.seccomp.syscalls[3].action: ...").
Result<SeccompPolicy> seccomp_from_spec(const nlohmann::json& seccomp);

}  // namespace cloister::oci
