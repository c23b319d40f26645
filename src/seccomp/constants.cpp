// Symbolic constants for seccomp argument conditions. Values come from the system headers at
// compile time, so they are the native architecture's (ioctl numbers, O_* and MAP_* bits differ
// between architectures); only what the Linux 6.1 headers lack is spelled out below.
#include <fcntl.h>
#include <linux/mman.h>
#include <linux/sched.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include <algorithm>
#include <iterator>

#include "seccomp/tables.hpp"

// prctl options newer than the Linux 6.1 headers (include/uapi/linux/prctl.h).
#ifndef PR_SET_MDWE
#define PR_SET_MDWE 65  // Linux 6.3: memory-deny-write-execute
#define PR_GET_MDWE 66
#define PR_MDWE_REFUSE_EXEC_GAIN 1UL
#endif
#ifndef PR_MDWE_NO_INHERIT
#define PR_MDWE_NO_INHERIT 2UL  // a later addition to the same prctl
#endif
#ifndef PR_GET_AUXV
#define PR_GET_AUXV 0x41555856  // Linux 6.4
#endif
#ifndef PR_SET_MEMORY_MERGE
#define PR_SET_MEMORY_MERGE 67  // Linux 6.4: KSM for the whole process
#define PR_GET_MEMORY_MERGE 68
#endif

namespace cloister::seccomp {
namespace {

// The kernel's O_LARGEFILE bit. glibc defines O_LARGEFILE as 0 on 64-bit targets, where open()
// needs no flag, but the bit is part of the syscall ABI and a raw open may pass it.
#if defined(__aarch64__) || defined(__arm__)
constexpr std::uint64_t kLargefile = 0400000;
#elif defined(__powerpc__)
constexpr std::uint64_t kLargefile = 0200000;
#elif defined(__x86_64__) || defined(__i386__) || defined(__s390__) || defined(__riscv) || \
    defined(__loongarch__)
constexpr std::uint64_t kLargefile = 0100000;
#else
constexpr std::uint64_t kLargefile = O_LARGEFILE;
#endif

struct Constant {
  std::string_view name;
  std::uint64_t value;
};

// Sorted by name (checked below). Families: AF_* (AF_MAX left out: it is no family and grows
// with every kernel), SOCK_*, TIOC*/TC*/FIO* ioctl requests, CLONE_*, PER_* and the personality
// flags (ADDR_NO_RANDOMIZE...), PR_* (every prctl option, plus the PR_CAP_AMBIENT_* operations),
// O_*, PROT_*, MAP_*.
// clang-format off
constexpr Constant kConstants[] = {
    {"ADDR_COMPAT_LAYOUT", ADDR_COMPAT_LAYOUT},
    {"ADDR_LIMIT_32BIT", ADDR_LIMIT_32BIT},
    {"ADDR_LIMIT_3GB", ADDR_LIMIT_3GB},
    {"ADDR_NO_RANDOMIZE", ADDR_NO_RANDOMIZE},
    {"AF_ALG", AF_ALG},
    {"AF_APPLETALK", AF_APPLETALK},
    {"AF_ASH", AF_ASH},
    {"AF_ATMPVC", AF_ATMPVC},
    {"AF_ATMSVC", AF_ATMSVC},
    {"AF_AX25", AF_AX25},
    {"AF_BLUETOOTH", AF_BLUETOOTH},
    {"AF_BRIDGE", AF_BRIDGE},
    {"AF_CAIF", AF_CAIF},
    {"AF_CAN", AF_CAN},
    {"AF_DECnet", AF_DECnet},
    {"AF_ECONET", AF_ECONET},
    {"AF_FILE", AF_FILE},
    {"AF_IB", AF_IB},
    {"AF_IEEE802154", AF_IEEE802154},
    {"AF_INET", AF_INET},
    {"AF_INET6", AF_INET6},
    {"AF_IPX", AF_IPX},
    {"AF_IRDA", AF_IRDA},
    {"AF_ISDN", AF_ISDN},
    {"AF_IUCV", AF_IUCV},
    {"AF_KCM", AF_KCM},
    {"AF_KEY", AF_KEY},
    {"AF_LLC", AF_LLC},
    {"AF_LOCAL", AF_LOCAL},
    {"AF_MCTP", AF_MCTP},
    {"AF_MPLS", AF_MPLS},
    {"AF_NETBEUI", AF_NETBEUI},
    {"AF_NETLINK", AF_NETLINK},
    {"AF_NETROM", AF_NETROM},
    {"AF_NFC", AF_NFC},
    {"AF_PACKET", AF_PACKET},
    {"AF_PHONET", AF_PHONET},
    {"AF_PPPOX", AF_PPPOX},
    {"AF_QIPCRTR", AF_QIPCRTR},
    {"AF_RDS", AF_RDS},
    {"AF_ROSE", AF_ROSE},
    {"AF_ROUTE", AF_ROUTE},
    {"AF_RXRPC", AF_RXRPC},
    {"AF_SECURITY", AF_SECURITY},
    {"AF_SMC", AF_SMC},
    {"AF_SNA", AF_SNA},
    {"AF_TIPC", AF_TIPC},
    {"AF_UNIX", AF_UNIX},
    {"AF_UNSPEC", AF_UNSPEC},
    {"AF_VSOCK", AF_VSOCK},
    {"AF_WANPIPE", AF_WANPIPE},
    {"AF_X25", AF_X25},
    {"AF_XDP", AF_XDP},
    {"CLONE_CHILD_CLEARTID", CLONE_CHILD_CLEARTID},
    {"CLONE_CHILD_SETTID", CLONE_CHILD_SETTID},
    {"CLONE_CLEAR_SIGHAND", CLONE_CLEAR_SIGHAND},
    {"CLONE_DETACHED", CLONE_DETACHED},
    {"CLONE_FILES", CLONE_FILES},
    {"CLONE_FS", CLONE_FS},
    {"CLONE_INTO_CGROUP", CLONE_INTO_CGROUP},
    {"CLONE_IO", CLONE_IO},
    {"CLONE_NEWCGROUP", CLONE_NEWCGROUP},
    {"CLONE_NEWIPC", CLONE_NEWIPC},
    {"CLONE_NEWNET", CLONE_NEWNET},
    {"CLONE_NEWNS", CLONE_NEWNS},
    {"CLONE_NEWPID", CLONE_NEWPID},
    {"CLONE_NEWTIME", CLONE_NEWTIME},
    {"CLONE_NEWUSER", CLONE_NEWUSER},
    {"CLONE_NEWUTS", CLONE_NEWUTS},
    {"CLONE_PARENT", CLONE_PARENT},
    {"CLONE_PARENT_SETTID", CLONE_PARENT_SETTID},
    {"CLONE_PIDFD", CLONE_PIDFD},
    {"CLONE_PTRACE", CLONE_PTRACE},
    {"CLONE_SETTLS", CLONE_SETTLS},
    {"CLONE_SIGHAND", CLONE_SIGHAND},
    {"CLONE_SYSVSEM", CLONE_SYSVSEM},
    {"CLONE_THREAD", CLONE_THREAD},
    {"CLONE_UNTRACED", CLONE_UNTRACED},
    {"CLONE_VFORK", CLONE_VFORK},
    {"CLONE_VM", CLONE_VM},
    {"FDPIC_FUNCPTRS", FDPIC_FUNCPTRS},
    {"FIOASYNC", FIOASYNC},
    {"FIOCLEX", FIOCLEX},
    {"FIOGETOWN", FIOGETOWN},
    {"FIONBIO", FIONBIO},
    {"FIONCLEX", FIONCLEX},
    {"FIONREAD", FIONREAD},
    {"FIOQSIZE", FIOQSIZE},
    {"FIOSETOWN", FIOSETOWN},
#ifdef MAP_32BIT
    {"MAP_32BIT", MAP_32BIT},
#endif
    {"MAP_ANON", MAP_ANON},
    {"MAP_ANONYMOUS", MAP_ANONYMOUS},
    {"MAP_DENYWRITE", MAP_DENYWRITE},
    {"MAP_EXECUTABLE", MAP_EXECUTABLE},
    {"MAP_FIXED", MAP_FIXED},
    {"MAP_FIXED_NOREPLACE", MAP_FIXED_NOREPLACE},
    {"MAP_GROWSDOWN", MAP_GROWSDOWN},
    {"MAP_HUGETLB", MAP_HUGETLB},
    {"MAP_HUGE_16GB", MAP_HUGE_16GB},
    {"MAP_HUGE_16KB", MAP_HUGE_16KB},
    {"MAP_HUGE_16MB", MAP_HUGE_16MB},
    {"MAP_HUGE_1GB", MAP_HUGE_1GB},
    {"MAP_HUGE_1MB", MAP_HUGE_1MB},
    {"MAP_HUGE_256MB", MAP_HUGE_256MB},
    {"MAP_HUGE_2GB", MAP_HUGE_2GB},
    {"MAP_HUGE_2MB", MAP_HUGE_2MB},
    {"MAP_HUGE_32MB", MAP_HUGE_32MB},
    {"MAP_HUGE_512KB", MAP_HUGE_512KB},
    {"MAP_HUGE_512MB", MAP_HUGE_512MB},
    {"MAP_HUGE_64KB", MAP_HUGE_64KB},
    {"MAP_HUGE_8MB", MAP_HUGE_8MB},
    {"MAP_HUGE_MASK", MAP_HUGE_MASK},
    {"MAP_HUGE_SHIFT", MAP_HUGE_SHIFT},
    {"MAP_LOCKED", MAP_LOCKED},
    {"MAP_NONBLOCK", MAP_NONBLOCK},
    {"MAP_NORESERVE", MAP_NORESERVE},
    {"MAP_POPULATE", MAP_POPULATE},
    {"MAP_PRIVATE", MAP_PRIVATE},
    {"MAP_SHARED", MAP_SHARED},
    {"MAP_SHARED_VALIDATE", MAP_SHARED_VALIDATE},
    {"MAP_STACK", MAP_STACK},
    {"MAP_SYNC", MAP_SYNC},
    {"MAP_TYPE", MAP_TYPE},
    {"MAP_UNINITIALIZED", MAP_UNINITIALIZED},
    {"MMAP_PAGE_ZERO", MMAP_PAGE_ZERO},
    {"O_ACCMODE", O_ACCMODE},
    {"O_APPEND", O_APPEND},
    {"O_ASYNC", O_ASYNC},
    {"O_CLOEXEC", O_CLOEXEC},
    {"O_CREAT", O_CREAT},
    {"O_DIRECT", O_DIRECT},
    {"O_DIRECTORY", O_DIRECTORY},
    {"O_DSYNC", O_DSYNC},
    {"O_EXCL", O_EXCL},
    {"O_LARGEFILE", kLargefile},
    {"O_NDELAY", O_NDELAY},
    {"O_NOATIME", O_NOATIME},
    {"O_NOCTTY", O_NOCTTY},
    {"O_NOFOLLOW", O_NOFOLLOW},
    {"O_NONBLOCK", O_NONBLOCK},
    {"O_PATH", O_PATH},
    {"O_RDONLY", O_RDONLY},
    {"O_RDWR", O_RDWR},
    {"O_RSYNC", O_RSYNC},
    {"O_SYNC", O_SYNC},
    {"O_TMPFILE", O_TMPFILE},
    {"O_TRUNC", O_TRUNC},
    {"O_WRONLY", O_WRONLY},
    {"PER_BSD", PER_BSD},
    {"PER_HPUX", PER_HPUX},
    {"PER_IRIX32", PER_IRIX32},
    {"PER_IRIX64", PER_IRIX64},
    {"PER_IRIXN32", PER_IRIXN32},
    {"PER_ISCR4", PER_ISCR4},
    {"PER_LINUX", PER_LINUX},
    {"PER_LINUX32", PER_LINUX32},
    {"PER_LINUX32_3GB", PER_LINUX32_3GB},
    {"PER_LINUX_32BIT", PER_LINUX_32BIT},
    {"PER_LINUX_FDPIC", PER_LINUX_FDPIC},
    {"PER_MASK", PER_MASK},
    {"PER_OSF4", PER_OSF4},
    {"PER_OSR5", PER_OSR5},
    {"PER_RISCOS", PER_RISCOS},
    {"PER_SCOSVR3", PER_SCOSVR3},
    {"PER_SOLARIS", PER_SOLARIS},
    {"PER_SUNOS", PER_SUNOS},
    {"PER_SVR3", PER_SVR3},
    {"PER_SVR4", PER_SVR4},
    {"PER_UW7", PER_UW7},
    {"PER_WYSEV386", PER_WYSEV386},
    {"PER_XENIX", PER_XENIX},
#ifdef PROT_BTI
    {"PROT_BTI", PROT_BTI},
#endif
    {"PROT_EXEC", PROT_EXEC},
    {"PROT_GROWSDOWN", PROT_GROWSDOWN},
    {"PROT_GROWSUP", PROT_GROWSUP},
#ifdef PROT_MTE
    {"PROT_MTE", PROT_MTE},
#endif
    {"PROT_NONE", PROT_NONE},
    {"PROT_READ", PROT_READ},
#ifdef PROT_SAO
    {"PROT_SAO", PROT_SAO},
#endif
    {"PROT_SEM", PROT_SEM},
    {"PROT_WRITE", PROT_WRITE},
    {"PR_CAPBSET_DROP", PR_CAPBSET_DROP},
    {"PR_CAPBSET_READ", PR_CAPBSET_READ},
    {"PR_CAP_AMBIENT", PR_CAP_AMBIENT},
    {"PR_CAP_AMBIENT_CLEAR_ALL", PR_CAP_AMBIENT_CLEAR_ALL},
    {"PR_CAP_AMBIENT_IS_SET", PR_CAP_AMBIENT_IS_SET},
    {"PR_CAP_AMBIENT_LOWER", PR_CAP_AMBIENT_LOWER},
    {"PR_CAP_AMBIENT_RAISE", PR_CAP_AMBIENT_RAISE},
    {"PR_GET_AUXV", PR_GET_AUXV},
    {"PR_GET_CHILD_SUBREAPER", PR_GET_CHILD_SUBREAPER},
    {"PR_GET_DUMPABLE", PR_GET_DUMPABLE},
    {"PR_GET_ENDIAN", PR_GET_ENDIAN},
    {"PR_GET_FPEMU", PR_GET_FPEMU},
    {"PR_GET_FPEXC", PR_GET_FPEXC},
    {"PR_GET_FP_MODE", PR_GET_FP_MODE},
    {"PR_GET_IO_FLUSHER", PR_GET_IO_FLUSHER},
    {"PR_GET_KEEPCAPS", PR_GET_KEEPCAPS},
    {"PR_GET_MDWE", PR_GET_MDWE},
    {"PR_GET_MEMORY_MERGE", PR_GET_MEMORY_MERGE},
    {"PR_GET_NAME", PR_GET_NAME},
    {"PR_GET_NO_NEW_PRIVS", PR_GET_NO_NEW_PRIVS},
    {"PR_GET_PDEATHSIG", PR_GET_PDEATHSIG},
    {"PR_GET_SECCOMP", PR_GET_SECCOMP},
    {"PR_GET_SECUREBITS", PR_GET_SECUREBITS},
    {"PR_GET_SPECULATION_CTRL", PR_GET_SPECULATION_CTRL},
    {"PR_GET_TAGGED_ADDR_CTRL", PR_GET_TAGGED_ADDR_CTRL},
    {"PR_GET_THP_DISABLE", PR_GET_THP_DISABLE},
    {"PR_GET_TID_ADDRESS", PR_GET_TID_ADDRESS},
    {"PR_GET_TIMERSLACK", PR_GET_TIMERSLACK},
    {"PR_GET_TIMING", PR_GET_TIMING},
    {"PR_GET_TSC", PR_GET_TSC},
    {"PR_GET_UNALIGN", PR_GET_UNALIGN},
    {"PR_MCE_KILL", PR_MCE_KILL},
    {"PR_MCE_KILL_GET", PR_MCE_KILL_GET},
    {"PR_MDWE_NO_INHERIT", PR_MDWE_NO_INHERIT},
    {"PR_MDWE_REFUSE_EXEC_GAIN", PR_MDWE_REFUSE_EXEC_GAIN},
    {"PR_MPX_DISABLE_MANAGEMENT", PR_MPX_DISABLE_MANAGEMENT},
    {"PR_MPX_ENABLE_MANAGEMENT", PR_MPX_ENABLE_MANAGEMENT},
    {"PR_PAC_GET_ENABLED_KEYS", PR_PAC_GET_ENABLED_KEYS},
    {"PR_PAC_RESET_KEYS", PR_PAC_RESET_KEYS},
    {"PR_PAC_SET_ENABLED_KEYS", PR_PAC_SET_ENABLED_KEYS},
    {"PR_SCHED_CORE", PR_SCHED_CORE},
    {"PR_SET_CHILD_SUBREAPER", PR_SET_CHILD_SUBREAPER},
    {"PR_SET_DUMPABLE", PR_SET_DUMPABLE},
    {"PR_SET_ENDIAN", PR_SET_ENDIAN},
    {"PR_SET_FPEMU", PR_SET_FPEMU},
    {"PR_SET_FPEXC", PR_SET_FPEXC},
    {"PR_SET_FP_MODE", PR_SET_FP_MODE},
    {"PR_SET_IO_FLUSHER", PR_SET_IO_FLUSHER},
    {"PR_SET_KEEPCAPS", PR_SET_KEEPCAPS},
    {"PR_SET_MDWE", PR_SET_MDWE},
    {"PR_SET_MEMORY_MERGE", PR_SET_MEMORY_MERGE},
    {"PR_SET_MM", PR_SET_MM},
    {"PR_SET_NAME", PR_SET_NAME},
    {"PR_SET_NO_NEW_PRIVS", PR_SET_NO_NEW_PRIVS},
    {"PR_SET_PDEATHSIG", PR_SET_PDEATHSIG},
    {"PR_SET_PTRACER", PR_SET_PTRACER},
    {"PR_SET_PTRACER_ANY", PR_SET_PTRACER_ANY},
    {"PR_SET_SECCOMP", PR_SET_SECCOMP},
    {"PR_SET_SECUREBITS", PR_SET_SECUREBITS},
    {"PR_SET_SPECULATION_CTRL", PR_SET_SPECULATION_CTRL},
    {"PR_SET_SYSCALL_USER_DISPATCH", PR_SET_SYSCALL_USER_DISPATCH},
    {"PR_SET_TAGGED_ADDR_CTRL", PR_SET_TAGGED_ADDR_CTRL},
    {"PR_SET_THP_DISABLE", PR_SET_THP_DISABLE},
    {"PR_SET_TIMERSLACK", PR_SET_TIMERSLACK},
    {"PR_SET_TIMING", PR_SET_TIMING},
    {"PR_SET_TSC", PR_SET_TSC},
    {"PR_SET_UNALIGN", PR_SET_UNALIGN},
    {"PR_SET_VMA", PR_SET_VMA},
    {"PR_SME_GET_VL", PR_SME_GET_VL},
    {"PR_SME_SET_VL", PR_SME_SET_VL},
    {"PR_SVE_GET_VL", PR_SVE_GET_VL},
    {"PR_SVE_SET_VL", PR_SVE_SET_VL},
    {"PR_TASK_PERF_EVENTS_DISABLE", PR_TASK_PERF_EVENTS_DISABLE},
    {"PR_TASK_PERF_EVENTS_ENABLE", PR_TASK_PERF_EVENTS_ENABLE},
    {"READ_IMPLIES_EXEC", READ_IMPLIES_EXEC},
    {"SHORT_INODE", SHORT_INODE},
    {"SOCK_CLOEXEC", SOCK_CLOEXEC},
    {"SOCK_DCCP", SOCK_DCCP},
    {"SOCK_DGRAM", SOCK_DGRAM},
    {"SOCK_NONBLOCK", SOCK_NONBLOCK},
    {"SOCK_PACKET", SOCK_PACKET},
    {"SOCK_RAW", SOCK_RAW},
    {"SOCK_RDM", SOCK_RDM},
    {"SOCK_SEQPACKET", SOCK_SEQPACKET},
    {"SOCK_STREAM", SOCK_STREAM},
    {"STICKY_TIMEOUTS", STICKY_TIMEOUTS},
    {"TCFLSH", TCFLSH},
    {"TCGETA", TCGETA},
    {"TCGETS", TCGETS},
    {"TCSBRK", TCSBRK},
    {"TCSBRKP", TCSBRKP},
    {"TCSETA", TCSETA},
    {"TCSETAF", TCSETAF},
    {"TCSETAW", TCSETAW},
    {"TCSETS", TCSETS},
    {"TCSETSF", TCSETSF},
    {"TCSETSW", TCSETSW},
    {"TCXONC", TCXONC},
    {"TIOCCBRK", TIOCCBRK},
    {"TIOCCONS", TIOCCONS},
    {"TIOCEXCL", TIOCEXCL},
    {"TIOCGDEV", TIOCGDEV},
    {"TIOCGETD", TIOCGETD},
    {"TIOCGEXCL", TIOCGEXCL},
    {"TIOCGICOUNT", TIOCGICOUNT},
    {"TIOCGLCKTRMIOS", TIOCGLCKTRMIOS},
    {"TIOCGPGRP", TIOCGPGRP},
    {"TIOCGPKT", TIOCGPKT},
    {"TIOCGPTLCK", TIOCGPTLCK},
    {"TIOCGPTN", TIOCGPTN},
    {"TIOCGPTPEER", TIOCGPTPEER},
    {"TIOCGRS485", TIOCGRS485},
    {"TIOCGSERIAL", TIOCGSERIAL},
    {"TIOCGSID", TIOCGSID},
    {"TIOCGSOFTCAR", TIOCGSOFTCAR},
    {"TIOCGWINSZ", TIOCGWINSZ},
    {"TIOCINQ", TIOCINQ},
    {"TIOCLINUX", TIOCLINUX},
    {"TIOCMBIC", TIOCMBIC},
    {"TIOCMBIS", TIOCMBIS},
    {"TIOCMGET", TIOCMGET},
    {"TIOCMIWAIT", TIOCMIWAIT},
    {"TIOCMSET", TIOCMSET},
    {"TIOCNOTTY", TIOCNOTTY},
    {"TIOCNXCL", TIOCNXCL},
    {"TIOCOUTQ", TIOCOUTQ},
    {"TIOCPKT", TIOCPKT},
    {"TIOCSBRK", TIOCSBRK},
    {"TIOCSCTTY", TIOCSCTTY},
    {"TIOCSERCONFIG", TIOCSERCONFIG},
    {"TIOCSERGETLSR", TIOCSERGETLSR},
    {"TIOCSERGETMULTI", TIOCSERGETMULTI},
    {"TIOCSERGSTRUCT", TIOCSERGSTRUCT},
    {"TIOCSERGWILD", TIOCSERGWILD},
    {"TIOCSERSETMULTI", TIOCSERSETMULTI},
    {"TIOCSERSWILD", TIOCSERSWILD},
    {"TIOCSETD", TIOCSETD},
    {"TIOCSIG", TIOCSIG},
    {"TIOCSLCKTRMIOS", TIOCSLCKTRMIOS},
    {"TIOCSPGRP", TIOCSPGRP},
    {"TIOCSPTLCK", TIOCSPTLCK},
    {"TIOCSRS485", TIOCSRS485},
    {"TIOCSSERIAL", TIOCSSERIAL},
    {"TIOCSSOFTCAR", TIOCSSOFTCAR},
    {"TIOCSTI", TIOCSTI},
    {"TIOCSWINSZ", TIOCSWINSZ},
    {"TIOCVHANGUP", TIOCVHANGUP},
    {"UNAME26", UNAME26},
    {"WHOLE_SECONDS", WHOLE_SECONDS},
};
// clang-format on

constexpr bool sorted_unique() {
  return std::adjacent_find(std::begin(kConstants), std::end(kConstants),
                            [](const Constant& a, const Constant& b) {
                              return !(a.name < b.name);
                            }) == std::end(kConstants);
}
static_assert(sorted_unique(), "constants must be sorted by name and unique");

}  // namespace

std::optional<std::uint64_t> constant(std::string_view name) {
  const auto* it =
      std::lower_bound(std::begin(kConstants), std::end(kConstants), name,
                       [](const Constant& c, std::string_view n) { return c.name < n; });
  if (it == std::end(kConstants) || it->name != name) return std::nullopt;
  return it->value;
}

std::optional<std::string_view> constant_name(std::uint64_t value, std::string_view prefix) {
  for (const auto& c : kConstants)
    if (c.value == value && c.name.substr(0, prefix.size()) == prefix) return c.name;
  return std::nullopt;
}

}  // namespace cloister::seccomp
