// The annotation org.cloister.profile: a cloister profile (a shipped name, as cloister run
// --profile takes, or an absolute host path) put on a container. The container stays the
// engine's -- config.json gives its filesystem, namespaces, network, process and cgroup -- so
// of the profile only what stacks on a container applies, and only ever tightens it:
// - [seccomp]: the profile's filter, compiled on its own (as cloister run would build it,
//   cloister's default denylist when the profile names no base) and installed in addition to
//   linux.seccomp's; the kernel takes the strictest verdict of the two.
// - [landlock]: the profile's rules and scopes, unless org.cloister.landlock.* annotations
//   give Landlock rules too (refused: one place for them).
// - [rlimits]: after process.rlimits, lowering only (what the config sets, or else what the
//   container inherits).
// Every other key the profile writes is said not applied, in the container's notices.
#include <sys/resource.h>

#include <algorithm>
#include <cctype>
#include <cerrno>

#include "kernel/rlimit_names.hpp"
#include "oci/spec.hpp"
#include "policy/profile.hpp"
#include "policy/profile_input.hpp"
#include "policy/profile_search.hpp"

namespace cloister::oci {
namespace {

constexpr const char* kKey = "annotations.org.cloister.profile";
constexpr std::string_view kLandlockPrefix = "org.cloister.landlock.";

// Why each of a profile's keys that does not stack on a container is left out. A key missing
// here (one a later profile format adds) is still said not applied, with the general reason.
struct Unapplied {
  std::string_view key;
  const char* why;
};
constexpr Unapplied kUnapplied[] = {
    {"filesystem", "the container's filesystem is the bundle's (root.path and mounts)"},
    {"network",
     "the container's network is the engine's (its network namespace, linux.namespaces)"},
    {"namespaces", "the container's namespaces are config.json's linux.namespaces"},
    {"process",
     "the container's process (user, environment, cwd, capabilities) is config.json's process"},
    {"cgroup",
     "the container's cgroup and its limits are config.json's linux.cgroupsPath and resources"},
    {"sandbox", "a container always runs in its namespaces, on the bundle's root"},
};

bool stacks_on_a_container(const std::string& key) {
  return key == "seccomp" || key == "landlock" || key == "rlimits";
}

std::string why_unapplied(const std::string& key) {
  for (const auto& u : kUnapplied)
    if (u.key == key) return u.why;
  return "only [seccomp], [landlock] and [rlimits] apply to a container";
}

// The section as a profile writes it: [network], or sandbox for the one top-level value.
std::string section_name(const std::string& key) {
  return key == "sandbox" ? key : "[" + key + "]";
}

// The profile's file: a shipped name looked up as cloister run looks it up, or an absolute
// path. A relative one has nothing to be relative to (the runtime's directory is the engine's).
Result<std::string> profile_path(const std::string& value) {
  if (profile::is_profile_name(value)) {
    const auto dirs = profile::search_path();
    auto found = profile::locate(value, dirs);
    if (found) return found;
    std::string searched;
    for (const auto& dir : dirs) searched += (searched.empty() ? "" : ", ") + bounded(dir, 256);
    return Error{kKey, "no shipped profile named " + quote(value), "", ENOENT,
                 "searched " + (searched.empty() ? std::string("no directory") : searched) +
                     "; set CLOISTER_PROFILE_PATH for the runtime, or give the absolute path "
                     "of a TOML profile"};
  }
  if (value.empty() || value.front() != '/')
    return spec_error(kKey, quote(value) + " is neither a profile's name nor an absolute path",
                      "a shipped profile's name, of lowercase letters, digits and '-', as cloister "
                      "run --profile takes it, or the absolute host path of a TOML profile");
  return value;
}

std::string limit_text(std::uint64_t value) {
  return value == RLIM_INFINITY ? "unlimited" : std::to_string(value);
}

std::string limit_text(const RlimitSetting& limit) {
  return limit_text(limit.soft) + ":" + limit_text(limit.hard);
}

// "nofile" -> "RLIMIT_NOFILE", as config.json names it.
std::string spec_rlimit_name(const std::string& name) {
  std::string out = "RLIMIT_";
  for (char ch : name) out += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return out;
}

std::string rlimit_origin(const std::vector<profile::TopLevelKey>& keys) {
  for (const auto& key : keys)
    if (key.name == "rlimits") return " (" + key.origin + ")";
  return "";
}

// The profile's limits after the config's: a profile may lower a limit, never raise it --
// neither one process.rlimits sets (the engine's --ulimit is the place for that) nor, for a
// resource the config leaves alone, the one the container inherits from the runtime.
Status add_rlimits(const Policy& profile, const std::string& named,
                   const std::vector<profile::TopLevelKey>& keys, Container& c) {
  const std::vector<RlimitSetting> config = c.policy.rlimits;
  for (const auto& limit : profile.rlimits) {
    const std::string name(rlimits::name_of(limit.resource));
    // The config's last setting of a resource is the one it runs with.
    auto set = std::find_if(config.rbegin(), config.rend(),
                            [&](const RlimitSetting& s) { return s.resource == limit.resource; });
    RlimitSetting bound;
    std::string bound_text;
    if (set != config.rend()) {
      bound = *set;
      bound_text = "process.rlimits' " + spec_rlimit_name(name) + " " + limit_text(bound);
    } else {
      rlimit inherited{};
      if (::getrlimit(limit.resource, &inherited) != 0)
        return Error{kKey, "getrlimit", spec_rlimit_name(name), errno, ""};
      bound = RlimitSetting{limit.resource, inherited.rlim_cur, inherited.rlim_max, ""};
      bound_text = spec_rlimit_name(name) + " " + limit_text(bound) +
                   ", which the container inherits (process.rlimits does not set it)";
    }
    if (limit.soft <= bound.soft && limit.hard <= bound.hard) continue;
    return spec_error(kKey,
                      "[rlimits] " + name + " = " + limit_text(limit) + " of " + named +
                          rlimit_origin(keys) + " raises " + bound_text,
                      "a profile may only lower a container's limits: lower the profile's, or "
                      "raise the container's with the engine, podman run --ulimit");
  }
  for (RlimitSetting limit : profile.rlimits) {
    // "annotations.org.cloister.profile [rlimits] nofile"
    limit.origin = std::string(kKey) + (limit.origin.empty() ? "" : " " + limit.origin);
    c.policy.rlimits.push_back(std::move(limit));
  }
  return ok_status();
}

// The profile's Landlock rules, in the one place a container's come from: the org.cloister.
// landlock.* annotations and a profile's [landlock] are not merged.
Status add_landlock(const Policy& profile, const std::string& named,
                    const std::vector<profile::TopLevelKey>& keys, Container& c) {
  auto section = std::find_if(keys.begin(), keys.end(),
                              [](const profile::TopLevelKey& k) { return k.name == "landlock"; });
  if (section == keys.end()) return ok_status();
  std::string annotations;
  for (const auto& [name, value] : c.annotations)
    if (name.rfind(kLandlockPrefix, 0) == 0)
      annotations += (annotations.empty() ? "annotations." : ", annotations.") + name;
  if (!annotations.empty())
    return spec_error(kKey,
                      named + " gives Landlock rules in [landlock] (" + section->origin +
                          "), and so do " + annotations,
                      "a container's Landlock rules come from one place: the profile's "
                      "[landlock] or the org.cloister.landlock.* annotations, not both");
  c.policy.landlock = profile.landlock;
  return ok_status();
}

}  // namespace

Status apply_profile(const std::string& value, Container& c) {
  auto path = profile_path(value);
  if (!path) return path.take_error();
  // Read once here for an error naming the annotation and the path; the loader reads it again.
  if (auto content = profile::read_profile(*path); !content) {
    Error e = content.take_error();
    if (e.err == 0)  // "is a directory", "is larger than 1 MiB": said of the file
      return Error{kKey, *path + " " + e.op, "", 0, e.hint};
    return Error{kKey, e.op, *path, e.err, "the runtime reads the profile as the user it runs as"};
  }
  // A Policy of its own, as cloister run's profile would start from: a profile without
  // [seccomp] still has cloister's default filter, as it would under cloister run.
  Policy profile;
  std::vector<profile::TopLevelKey> keys;
  if (auto loaded = profile::load_file(*path, profile, keys); !loaded) {
    Error e = loaded.take_error();
    e.step = kKey;  // the message holds every FILE:LINE:COLUMN: problem
    return e;
  }
  const std::string named = "profile " + quote(*path, 4096);
  // Which sections the profile wrote comes from the keys the loader read (includes and all),
  // not from comparing `profile` with a default Policy: a section that sets what the default
  // is (new-session = false, [network] mode = "host") was asked for all the same, and a field
  // a later Policy gains would be missed by a comparison but not by its key.
  for (const auto& key : keys)
    if (!stacks_on_a_container(key.name))
      c.notices.push_back(std::string(kKey) + ": " + named + ": " + section_name(key.name) + " (" +
                          key.origin + ") not applied: " + why_unapplied(key.name));
  CLOISTER_TRY(add_landlock(profile, named, keys, c));
  CLOISTER_TRY(add_rlimits(profile, named, keys, c));
  profile.seccomp.origin = std::string(kKey) + " " + quote(*path, 4096);
  profile.seccomp.exact = false;  // it lets the container's program be executed, as cloister run's
  c.policy.seccomp.stacked.push_back(std::move(profile.seccomp));
  return ok_status();
}

}  // namespace cloister::oci
