#include <elf.h>
#include <link.h>
#include <seccomp.h>
#include <sys/auxv.h>

#include <cstdio>
#include <string>

#include "check/report.hpp"
#include "cli/commands.hpp"

namespace cloister::cli {
namespace {

// The architecture this binary was compiled for: the one its seccomp filters are native to.
constexpr const char* kArchitecture =
#if defined(__x86_64__)
    "x86_64";
#elif defined(__aarch64__)
    "aarch64";
#elif defined(__i386__)
    "i386";
#elif defined(__arm__)
    "arm";
#elif defined(__riscv)
    "riscv64";
#elif defined(__powerpc64__)
    "ppc64";
#elif defined(__s390x__)
    "s390x";
#else
    "this architecture";
#endif

// A dynamically linked program has an interpreter (the dynamic loader) among its program
// headers; a static one has none.
bool linked_statically() {
  const auto* headers = reinterpret_cast<const ElfW(Phdr)*>(::getauxval(AT_PHDR));
  const auto count = ::getauxval(AT_PHNUM);
  for (unsigned long i = 0; headers && i < count; ++i)
    if (headers[i].p_type == PT_INTERP) return false;
  return headers != nullptr;
}

std::string built_with() {
  const scmp_version* lib = seccomp_version();
  std::string text = std::string("built for ") + kArchitecture + ", linked " +
                     (linked_statically() ? "statically" : "dynamically") + ", libseccomp " +
                     std::to_string(lib->major) + "." + std::to_string(lib->minor) + "." +
                     std::to_string(lib->micro);
#if defined(__SANITIZE_ADDRESS__)
  text += "\nbuilt with AddressSanitizer and UndefinedBehaviorSanitizer (a test build)";
#endif
  return text + "\n";
}

}  // namespace

int version_command() {
  std::string out = std::string("cloister ") + CLOISTER_VERSION + "\n" + built_with();
  out +=
      "kernel interfaces it uses:\n"
      "  namespaces: user, mount, PID, network, IPC, UTS, cgroup\n"
      "  seccomp filters and seccomp user notification\n"
      "  Landlock, the ABI negotiated at run time\n"
      "  the new mount API: open_tree, move_mount, mount_setattr\n"
      "  clone3 with pidfd and CLONE_INTO_CGROUP; cgroup v2 (v1 on hybrid hosts)\n";
  out += "this kernel, for this caller (tried now; cloister check tells more):\n";
  out += check::rows_text(check::probe_version_features());
  std::fputs(out.c_str(), stdout);
  return 0;
}

}  // namespace cloister::cli
