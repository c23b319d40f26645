// The C API: opaque handles over cloister::Sandbox, int returns, a message getter. No
// exception crosses into C: each entry point catches what the C++ side may throw
// (std::bad_alloc) and reports it like any other failure.
#include <new>
#include <string>

#include "cloister/cloister.h"
#include "cloister/sandbox.hpp"
#include "kernel/capability_names.hpp"

struct cloister_sandbox {
  cloister::Sandbox sandbox;
  std::string error;
  int err = 0;
};

namespace {

using cloister::Error;
using cloister::Status;

int fail(cloister_sandbox* sb, const Error& e) {
  sb->error = e.message();
  sb->err = e.err;
  return -1;
}

int report(cloister_sandbox* sb, const Status& s) {
  if (!s) return fail(sb, s.error());
  sb->error.clear();
  sb->err = 0;
  return 0;
}

// Runs `body` (returning an int result) with every C++ exception turned into a failure.
template <class Body>
auto guarded(cloister_sandbox* sb, Body body) -> decltype(body()) {
  if (!sb) return -1;
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return fail(sb, Error{"libcloister", "out of memory", "", ENOMEM, ""});
  } catch (...) {
    return fail(sb, Error{"libcloister", "unexpected internal error", "", 0, ""});
  }
}

Status before_compile(const cloister_sandbox* sb, const char* what) {
  if (sb->sandbox.phase() != cloister::Phase::Created)
    return Error{what, "changes the policy after cloister_compile()", "", 0,
                 "set the policy before compiling it"};
  return cloister::ok_status();
}

bool present(const char* text) { return text && *text; }

}  // namespace

extern "C" {

cloister_sandbox* cloister_sandbox_new(void) { return new (std::nothrow) cloister_sandbox{}; }

void cloister_sandbox_free(cloister_sandbox* sb) { delete sb; }

int cloister_load_profile_file(cloister_sandbox* sb, const char* path) {
  return guarded(sb, [&] {
    if (!present(path)) return fail(sb, Error{"profile", "no path given", "", EINVAL, ""});
    return report(sb, sb->sandbox.load_profile_file(path));
  });
}

int cloister_load_profile_string(cloister_sandbox* sb, const char* text, const char* name) {
  return guarded(sb, [&] {
    if (!text) return fail(sb, Error{"profile", "no text given", "", EINVAL, ""});
    return report(sb, sb->sandbox.load_profile_text(text, present(name) ? name : "profile"));
  });
}

int cloister_set_mode(cloister_sandbox* sb, const char* mode) {
  return guarded(sb, [&] {
    if (auto s = before_compile(sb, "cloister_set_mode"); !s) return report(sb, s);
    const std::string m = mode ? mode : "";
    auto& policy = sb->sandbox.policy();
    if (m == "namespace")
      policy.mode = cloister::SandboxMode::Namespace;
    else if (m == "chroot")
      policy.mode = cloister::SandboxMode::Chroot;
    else if (m == "auto")
      policy.mode = cloister::SandboxMode::Auto;
    else
      return fail(sb, Error{"cloister_set_mode", "unknown mode", cloister::quote(m), EINVAL,
                            "namespace, chroot or auto"});
    return report(sb, cloister::ok_status());
  });
}

int cloister_bind(cloister_sandbox* sb, const char* source, const char* dest, int read_only) {
  return guarded(sb, [&] {
    if (auto s = before_compile(sb, "cloister_bind"); !s) return report(sb, s);
    if (!present(source) || !present(dest))
      return fail(sb, Error{"cloister_bind", "needs a source and a destination", "", EINVAL, ""});
    cloister::FsOp op;
    op.kind = read_only ? cloister::FsOp::Kind::RoBind : cloister::FsOp::Kind::Bind;
    op.source = source;
    op.dest = dest;
    sb->sandbox.policy().fs.push_back(op);
    return report(sb, cloister::ok_status());
  });
}

int cloister_seccomp_base(cloister_sandbox* sb, const char* base) {
  return guarded(sb, [&] {
    if (auto s = before_compile(sb, "cloister_seccomp_base"); !s) return report(sb, s);
    if (!present(base)) return fail(sb, Error{"cloister_seccomp_base", "no base", "", EINVAL, ""});
    sb->sandbox.policy().seccomp.base = base;  // checked by cloister_compile()
    return report(sb, cloister::ok_status());
  });
}

int cloister_allow_syscall(cloister_sandbox* sb, const char* name) {
  return guarded(sb, [&] {
    if (auto s = before_compile(sb, "cloister_allow_syscall"); !s) return report(sb, s);
    if (!present(name)) return fail(sb, Error{"cloister_allow_syscall", "no name", "", EINVAL, ""});
    auto& layers = sb->sandbox.policy().seccomp.layers;
    if (layers.empty() || layers.back().empty() ||
        layers.back().front().origin != "cloister_allow_syscall")
      layers.emplace_back();
    cloister::SeccompRule rule;
    rule.name = name;
    rule.action = {cloister::SeccompAction::Kind::Allow, 0};
    rule.origin = "cloister_allow_syscall";
    layers.back().push_back(rule);  // names checked by cloister_compile()
    return report(sb, cloister::ok_status());
  });
}

int cloister_keep_capability(cloister_sandbox* sb, const char* name) {
  return guarded(sb, [&] {
    if (auto s = before_compile(sb, "cloister_keep_capability"); !s) return report(sb, s);
    auto cap = cloister::caps::from_name(name ? name : "");
    if (!cap)
      return fail(sb,
                  Error{"cloister_keep_capability", "unknown capability",
                        cloister::quote(name ? name : ""), EINVAL, "e.g. CAP_NET_BIND_SERVICE"});
    sb->sandbox.policy().caps.push_back({true, *cap});
    return report(sb, cloister::ok_status());
  });
}

int cloister_open(cloister_sandbox* sb, const char* path, int flags, mode_t mode) {
  return guarded(sb, [&] {
    if (!present(path)) return fail(sb, Error{"cloister_open", "no path", "", EINVAL, ""});
    auto fd = sb->sandbox.open(path, flags, mode);
    if (!fd) return fail(sb, fd.error());
    return report(sb, cloister::ok_status()) == 0 ? *fd : -1;
  });
}

int cloister_keep_fd(cloister_sandbox* sb, int fd) {
  return guarded(sb, [&] { return report(sb, sb->sandbox.keep(fd)); });
}

int cloister_compile(cloister_sandbox* sb) {
  return guarded(sb, [&] { return report(sb, sb->sandbox.compile()); });
}
int cloister_enter_namespaces(cloister_sandbox* sb) {
  return guarded(sb, [&] { return report(sb, sb->sandbox.enter_namespaces()); });
}
int cloister_enter_filesystem(cloister_sandbox* sb) {
  return guarded(sb, [&] { return report(sb, sb->sandbox.enter_filesystem()); });
}
int cloister_drop_privileges(cloister_sandbox* sb) {
  return guarded(sb, [&] { return report(sb, sb->sandbox.drop_privileges()); });
}
int cloister_apply_seccomp(cloister_sandbox* sb) {
  return guarded(sb, [&] { return report(sb, sb->sandbox.apply_seccomp()); });
}
int cloister_confine(cloister_sandbox* sb) {
  return guarded(sb, [&] { return report(sb, sb->sandbox.confine()); });
}

pid_t cloister_daemonize(cloister_sandbox* sb, const char* pid_file) {
  return guarded(sb, [&]() -> pid_t {
    auto pid = sb->sandbox.daemonize(pid_file ? pid_file : "");
    if (!pid) return fail(sb, pid.error());
    return report(sb, cloister::ok_status()) == 0 ? *pid : -1;
  });
}

const char* cloister_mode(const cloister_sandbox* sb) {
  if (!sb) return "";
  return sb->sandbox.mode() == cloister::SandboxMode::Chroot ? "chroot" : "namespace";
}

size_t cloister_notice_count(const cloister_sandbox* sb) {
  return sb ? sb->sandbox.notices().size() : 0;
}

const char* cloister_notice(const cloister_sandbox* sb, size_t index) {
  if (!sb || index >= sb->sandbox.notices().size()) return nullptr;
  return sb->sandbox.notices()[index].c_str();
}

const char* cloister_error(const cloister_sandbox* sb) { return sb ? sb->error.c_str() : ""; }
int cloister_errno(const cloister_sandbox* sb) { return sb ? sb->err : 0; }

}  // extern "C"
