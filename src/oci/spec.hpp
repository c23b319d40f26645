// An OCI bundle's config.json (runtime spec 1.x) read into the same Policy that cloister run's
// flags and profiles fill. Planning only: it reads the bundle and the host (does a masked path
// exist, which device is a node) but changes nothing. Every key is either honoured or an
// error naming it; where cloister's meaning differs from the spec's it says so in `notices`.
#pragma once

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cloister/error.hpp"
#include "cloister/policy.hpp"
#include "kernel/fd.hpp"
#include "oci/json_reader.hpp"

namespace cloister::oci {

// A hook of config.json's hooks: run with the container's state on its stdin.
struct Hook {
  std::string path;
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::optional<int> timeout_s;
  std::string origin;  // "hooks.poststop[0]"
};

struct Hooks {
  std::vector<Hook> create_runtime;  // and the deprecated prestart, which runs at the same time
  std::vector<Hook> poststart;
  std::vector<Hook> poststop;
};

struct Container {
  Policy policy;
  Hooks hooks;
  std::map<std::string, std::string> annotations;
  std::string bundle;               // absolute
  bool terminal = false;            // process.terminal: needs --console-socket
  unsigned short console_rows = 0;  // process.consoleSize
  unsigned short console_columns = 0;
  std::optional<int> oom_score_adj;
  std::optional<mode_t> umask;
  // Namespaces joined by path (linux.namespaces[].path), held open until the container runs.
  std::vector<UniqueFd> namespace_fds;
  std::vector<std::string> notices;
};

// Where the process of a container comes from: config.json's own, or `exec --process FILE`.
struct LoadOptions {
  const Json* process = nullptr;  // replaces config.json's process (exec)
};

Result<Container> load_bundle(const std::string& bundle, const LoadOptions& options = {});
// The same from already parsed JSON (tests), with `bundle` for relative paths.
Result<Container> from_json(const Json& config, const std::string& bundle,
                            const LoadOptions& options = {});

// The parts of from_json, one per section of the spec (spec_*.cpp).
Status read_process(const Json& process, const std::string& key, Container& c);
Status read_mounts(const Json& config, Container& c);
Status read_linux(const Json& linux_section, Container& c);
Status read_annotations(const Json& annotations, Container& c);
// org.cloister.profile's `value` onto the container read from the rest of config.json
// (spec_profile.cpp): its seccomp filter stacked, its Landlock rules, its lower rlimits, and a
// notice for each other section.
Status apply_profile(const std::string& value, Container& c);

}  // namespace cloister::oci
