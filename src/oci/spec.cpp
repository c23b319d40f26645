#include "oci/spec.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>

#include "kernel/io.hpp"

namespace cloister::oci {
namespace {

Result<Hook> read_hook(const Json& value, const std::string& key) {
  CLOISTER_TRY(known_keys(value, key, {"path", "args", "env", "timeout"}));
  Hook hook;
  hook.origin = key;
  const Json* path = find(value, "path");
  if (!path) return spec_error(key, "has no path");
  auto p = string_of(*path, member(key, "path"));
  if (!p) return p.take_error();
  if (p->empty() || p->front() != '/')
    return spec_error(member(key, "path"), "must be an absolute path");
  hook.path = std::move(*p);
  if (const Json* args = find(value, "args")) {
    auto a = strings_of(*args, member(key, "args"));
    if (!a) return a.take_error();
    hook.args = std::move(*a);
  }
  if (hook.args.empty()) hook.args.push_back(hook.path);
  if (const Json* env = find(value, "env")) {
    auto e = strings_of(*env, member(key, "env"));
    if (!e) return e.take_error();
    hook.env = std::move(*e);
  }
  if (const Json* timeout = find(value, "timeout")) {
    auto t = int_of(*timeout, member(key, "timeout"));
    if (!t) return t.take_error();
    if (*t <= 0) return spec_error(member(key, "timeout"), "must be more than 0 seconds");
    hook.timeout_s = static_cast<int>(std::min<std::int64_t>(*t, INT_MAX));
  }
  return hook;
}

Status read_hook_list(const Json& hooks, std::string_view name, std::vector<Hook>& into) {
  const Json* list = find(hooks, name);
  if (!list) return ok_status();
  const auto key = member("hooks", name);
  if (!list->is_array()) return spec_error(key, "must be an array");
  for (std::size_t i = 0; i < list->size(); ++i) {
    auto hook = read_hook((*list)[i], element(key, i));
    if (!hook) return hook.take_error();
    into.push_back(std::move(*hook));
  }
  return ok_status();
}

// createContainer and startContainer run inside the container's namespaces at points of its
// setup cloister does not stop at: refused rather than run somewhere else.
Status read_hooks(const Json& hooks, Hooks& into) {
  CLOISTER_TRY(known_keys(hooks, "hooks",
                          {"prestart", "createRuntime", "createContainer", "startContainer",
                           "poststart", "poststop"}));
  for (const char* unsupported : {"createContainer", "startContainer"}) {
    const Json* list = find(hooks, unsupported);
    if (list && !list->empty())
      return spec_error(member("hooks", unsupported), "is not supported by cloister",
                        "createRuntime and poststart hooks run in the runtime's namespaces and "
                        "can enter the container's through /proc/PID/ns");
  }
  CLOISTER_TRY(read_hook_list(hooks, "prestart", into.create_runtime));
  CLOISTER_TRY(read_hook_list(hooks, "createRuntime", into.create_runtime));
  CLOISTER_TRY(read_hook_list(hooks, "poststart", into.poststart));
  return read_hook_list(hooks, "poststop", into.poststop);
}

Status read_version(const Json& config) {
  const Json* version = find(config, "ociVersion");
  if (!version) return spec_error("ociVersion", "is missing");
  auto v = string_of(*version, "ociVersion");
  if (!v) return v.take_error();
  if (v->rfind("1.", 0) != 0)
    return spec_error("ociVersion", "is " + quote(*v) + "; cloister reads version 1.x");
  return ok_status();
}

Status read_hostname(const Json& config, Container& c) {
  if (const Json* hostname = find(config, "hostname")) {
    auto h = string_of(*hostname, "hostname");
    if (!h) return h.take_error();
    if (!h->empty()) c.policy.hostname = std::move(*h);
  }
  if (const Json* domain = find(config, "domainname")) {
    auto d = string_of(*domain, "domainname");
    if (!d) return d.take_error();
    if (!d->empty()) return spec_error("domainname", "is not supported by cloister");
  }
  return ok_status();
}

}  // namespace

Result<Container> from_json(const Json& config, const std::string& bundle,
                            const LoadOptions& options) {
  CLOISTER_TRY(known_keys(config, "",
                          {"ociVersion", "process", "root", "hostname", "domainname", "mounts",
                           "hooks", "annotations", "linux"}));
  CLOISTER_TRY(read_version(config));
  Container c;
  c.bundle = bundle;
  // OCI's defaults, not cloister run's: the bundle says what the container gets.
  c.policy.ns.mount = Want::Yes;
  c.policy.seccomp.base = "none";
  // The process starts as runc and crun start it: PATH searched, then execve (a file without
  // #! is an error, never run by /bin/sh); no PWD added; HOME from the container's
  // /etc/passwd where the environment has none; an exec failing after `start` said on the
  // process's stderr.
  c.policy.exec.set_pwd = false;
  c.policy.exec.home_from_passwd = true;
  c.policy.exec.default_path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  c.policy.exec.name_on_stderr = "cloister-oci";
  if (const Json* annotations = find(config, "annotations"))
    CLOISTER_TRY(read_annotations(*annotations, c));
  const Json* process = options.process ? options.process : find(config, "process");
  if (!process) return spec_error("process", "is missing", "a container needs a process to run");
  CLOISTER_TRY(read_process(*process, options.process ? "process.json" : "process", c));
  const Json* linux_section = find(config, "linux");
  if (!linux_section) return spec_error("linux", "is missing");
  CLOISTER_TRY(read_linux(*linux_section, c));
  // The container's process is the one engines wait for: PID 1 of its namespace, no init.
  c.policy.as_pid_1 = c.policy.ns.pid == Want::Yes;
  CLOISTER_TRY(read_hostname(config, c));
  CLOISTER_TRY(read_mounts(config, c));
  if (const Json* hooks = find(config, "hooks")) CLOISTER_TRY(read_hooks(*hooks, c.hooks));
  // Last: the profile stacks on what the rest of config.json made (its seccomp filter, its
  // rlimits), which read_linux and read_process set whole.
  if (auto profile = c.annotations.find("org.cloister.profile"); profile != c.annotations.end())
    CLOISTER_TRY(apply_profile(profile->second, c));
  return c;
}

Result<Container> load_bundle(const std::string& bundle, const LoadOptions& options) {
  char absolute[PATH_MAX];
  if (!::realpath(bundle.c_str(), absolute))
    return Error{"bundle", "realpath", bundle, errno, "--bundle names the bundle's directory"};
  const std::string config_path = std::string(absolute) + "/config.json";
  UniqueFd fd(::open(config_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return Error{"bundle", "open", config_path, errno, ""};
  auto text = io::read_all(fd.get());
  if (!text) return Error{"bundle", "read", config_path, errno, ""};
  Json config = Json::parse(*text, nullptr, false);
  if (config.is_discarded())
    return Error{"bundle", "parse", config_path, 0, "config.json is not valid JSON"};
  auto c = from_json(config, absolute, options);
  if (!c) {
    auto e = c.take_error();
    e.step = "config.json: " + e.step;
    return e;
  }
  return c;
}

}  // namespace cloister::oci
