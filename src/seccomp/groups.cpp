// Syscall groups for seccomp policies, modelled on systemd's SystemCallFilter= sets, plus
// @memory. Names are the kernel's, as libseccomp spells them; a group lists the names of every
// architecture (open, socketcall, _llseek, set_tls...), and the compiler skips those unknown on
// the native one. Plain constexpr data: nothing is built at startup.
//
// Every list is sorted and free of duplicates, and the group table is sorted by name (checked at
// compile time below), so find_group() is a binary search and tests can compare lists simply.
#include <algorithm>
#include <iterator>

#include "seccomp/tables.hpp"

namespace cloister::seccomp {
namespace {

// clang-format off
// @aio
constexpr std::string_view kAio[] = {
    "io_cancel", "io_destroy", "io_getevents", "io_pgetevents", "io_pgetevents_time64",
    "io_setup", "io_submit", "io_uring_enter", "io_uring_register", "io_uring_setup"};

// @basic-io: Unlike systemd's, also the fd-to-fd copies (sendfile, splice, tee, vmsplice,
// copy_file_range): they move data between descriptors the caller already holds.
constexpr std::string_view kBasicIo[] = {
    "_llseek", "close", "close_range", "copy_file_range", "dup", "dup2", "dup3", "lseek",
    "pread64", "preadv", "preadv2", "pwrite64", "pwritev", "pwritev2", "read", "readv",
    "sendfile", "sendfile64", "splice", "tee", "vmsplice", "write", "writev"};

// @chown
constexpr std::string_view kChown[] = {
    "chown", "chown32", "fchown", "fchown32", "fchownat", "lchown", "lchown32"};

// @clock
constexpr std::string_view kClock[] = {
    "adjtimex", "clock_adjtime", "clock_adjtime64", "clock_settime", "clock_settime64",
    "settimeofday", "stime"};

// @cpu-emulation
constexpr std::string_view kCpuEmulation[] = {
    "modify_ldt", "subpage_prot", "switch_endian", "usr26", "usr32", "vm86", "vm86old"};

// @debug: process_vm_readv/writev read and write another process's memory like ptrace does;
// they are also in @ipc, as in systemd.
constexpr std::string_view kDebug[] = {
    "breakpoint", "lookup_dcookie", "perf_event_open", "pidfd_getfd", "process_vm_readv",
    "process_vm_writev", "ptrace", "rtas", "s390_runtime_instr", "sys_debug_setcontext"};

// @default: The calls the C runtime makes before main() and at exit, thread and futex
// calls, time queries and the process's own ids. @sandbox is here because restricting oneself
// further is always harmless. uprobe/uretprobe are made by kernel-installed trampolines in
// probed programs.
constexpr std::string_view kDefault[] = {
    "@sandbox", "arch_prctl", "brk", "cacheflush", "clock_getres", "clock_getres_time64",
    "clock_gettime", "clock_gettime64", "clock_nanosleep", "clock_nanosleep_time64", "execve",
    "exit", "exit_group", "futex", "futex_requeue", "futex_time64", "futex_wait", "futex_waitv",
    "futex_wake", "get_robust_list", "get_thread_area", "get_tls", "getegid", "getegid32",
    "geteuid", "geteuid32", "getgid", "getgid32", "getgroups", "getgroups32", "getpgid",
    "getpgrp", "getpid", "getppid", "getrandom", "getresgid", "getresgid32", "getresuid",
    "getresuid32", "getrlimit", "getsid", "gettid", "gettimeofday", "getuid", "getuid32",
    "lsm_get_self_attr", "lsm_list_modules", "map_shadow_stack", "membarrier", "mmap", "mmap2",
    "mprotect", "mseal", "munmap", "nanosleep", "pause", "prlimit64", "restart_syscall",
    "riscv_flush_icache", "riscv_hwprobe", "rseq", "rt_sigreturn", "sched_getaffinity",
    "sched_yield", "set_robust_list", "set_thread_area", "set_tid_address", "set_tls",
    "sigreturn", "time", "ugetrlimit", "uprobe", "uretprobe"};

// @file-system: Also flock, readahead, fadvise and cachestat (systemd keeps those in
// @system-service); open_tree is in @mount since OPEN_TREE_CLONE copies mounts.
constexpr std::string_view kFileSystem[] = {
    "access", "arm_fadvise64_64", "cachestat", "chdir", "chmod", "close", "creat", "faccessat",
    "faccessat2", "fadvise64", "fadvise64_64", "fallocate", "fchdir", "fchmod", "fchmodat",
    "fchmodat2", "fcntl", "fcntl64", "fgetxattr", "file_getattr", "file_setattr", "flistxattr",
    "flock", "fremovexattr", "fsetxattr", "fstat", "fstat64", "fstatat64", "fstatfs",
    "fstatfs64", "ftruncate", "ftruncate64", "futimesat", "getcwd", "getdents", "getdents64",
    "getxattr", "getxattrat", "inotify_add_watch", "inotify_init", "inotify_init1",
    "inotify_rm_watch", "lgetxattr", "link", "linkat", "listmount", "listxattr", "listxattrat",
    "llistxattr", "lremovexattr", "lsetxattr", "lstat", "lstat64", "mkdir", "mkdirat", "mknod",
    "mknodat", "newfstatat", "oldfstat", "oldlstat", "oldstat", "open", "openat", "openat2",
    "readahead", "readdir", "readlink", "readlinkat", "removexattr", "removexattrat", "rename",
    "renameat", "renameat2", "rmdir", "setxattr", "setxattrat", "stat", "stat64", "statfs",
    "statfs64", "statmount", "statx", "symlink", "symlinkat", "truncate", "truncate64",
    "unlink", "unlinkat", "utime", "utimensat", "utimensat_time64", "utimes"};

// @io-event
constexpr std::string_view kIoEvent[] = {
    "_newselect", "epoll_create", "epoll_create1", "epoll_ctl", "epoll_ctl_old", "epoll_pwait",
    "epoll_pwait2", "epoll_wait", "epoll_wait_old", "eventfd", "eventfd2", "poll", "ppoll",
    "ppoll_time64", "pselect6", "pselect6_time64", "select"};

// @ipc: process_madvise acts on another process's memory, as in systemd.
constexpr std::string_view kIpc[] = {
    "ipc", "memfd_create", "mq_getsetattr", "mq_notify", "mq_open", "mq_timedreceive",
    "mq_timedreceive_time64", "mq_timedsend", "mq_timedsend_time64", "mq_unlink", "msgctl",
    "msgget", "msgrcv", "msgsnd", "pipe", "pipe2", "process_madvise", "process_vm_readv",
    "process_vm_writev", "semctl", "semget", "semop", "semtimedop", "semtimedop_time64",
    "shmat", "shmctl", "shmdt", "shmget"};

// @keyring
constexpr std::string_view kKeyring[] = {
    "add_key", "keyctl", "request_key"};

// @known: Every name libseccomp 2.5.4 knows on any architecture, the ARM private calls, and
// the calls added by Linux 6.4 to 6.18 that this libseccomp predates (riscv_hwprobe, statmount,
// listmount, lsm_*, mseal, uretprobe, *xattrat, open_tree_attr, file_getattr/file_setattr,
// uprobe). Flat: no group references.
constexpr std::string_view kKnown[] = {
    "_llseek", "_newselect", "_sysctl", "accept", "accept4", "access", "acct", "add_key",
    "adjtimex", "afs_syscall", "alarm", "arch_prctl", "arm_fadvise64_64", "arm_sync_file_range",
    "bdflush", "bind", "bpf", "break", "breakpoint", "brk", "cachectl", "cacheflush",
    "cachestat", "capget", "capset", "chdir", "chmod", "chown", "chown32", "chroot",
    "clock_adjtime", "clock_adjtime64", "clock_getres", "clock_getres_time64", "clock_gettime",
    "clock_gettime64", "clock_nanosleep", "clock_nanosleep_time64", "clock_settime",
    "clock_settime64", "clone", "clone3", "close", "close_range", "connect", "copy_file_range",
    "creat", "create_module", "delete_module", "dup", "dup2", "dup3", "epoll_create",
    "epoll_create1", "epoll_ctl", "epoll_ctl_old", "epoll_pwait", "epoll_pwait2", "epoll_wait",
    "epoll_wait_old", "eventfd", "eventfd2", "execve", "execveat", "exit", "exit_group",
    "faccessat", "faccessat2", "fadvise64", "fadvise64_64", "fallocate", "fanotify_init",
    "fanotify_mark", "fchdir", "fchmod", "fchmodat", "fchmodat2", "fchown", "fchown32",
    "fchownat", "fcntl", "fcntl64", "fdatasync", "fgetxattr", "file_getattr", "file_setattr",
    "finit_module", "flistxattr", "flock", "fork", "fremovexattr", "fsconfig", "fsetxattr",
    "fsmount", "fsopen", "fspick", "fstat", "fstat64", "fstatat64", "fstatfs", "fstatfs64",
    "fsync", "ftime", "ftruncate", "ftruncate64", "futex", "futex_requeue", "futex_time64",
    "futex_wait", "futex_waitv", "futex_wake", "futimesat", "get_kernel_syms", "get_mempolicy",
    "get_robust_list", "get_thread_area", "get_tls", "getcpu", "getcwd", "getdents",
    "getdents64", "getegid", "getegid32", "geteuid", "geteuid32", "getgid", "getgid32",
    "getgroups", "getgroups32", "getitimer", "getpeername", "getpgid", "getpgrp", "getpid",
    "getpmsg", "getppid", "getpriority", "getrandom", "getresgid", "getresgid32", "getresuid",
    "getresuid32", "getrlimit", "getrusage", "getsid", "getsockname", "getsockopt", "gettid",
    "gettimeofday", "getuid", "getuid32", "getxattr", "getxattrat", "gtty", "idle",
    "init_module", "inotify_add_watch", "inotify_init", "inotify_init1", "inotify_rm_watch",
    "io_cancel", "io_destroy", "io_getevents", "io_pgetevents", "io_pgetevents_time64",
    "io_setup", "io_submit", "io_uring_enter", "io_uring_register", "io_uring_setup", "ioctl",
    "ioperm", "iopl", "ioprio_get", "ioprio_set", "ipc", "kcmp", "kexec_file_load",
    "kexec_load", "keyctl", "kill", "landlock_add_rule", "landlock_create_ruleset",
    "landlock_restrict_self", "lchown", "lchown32", "lgetxattr", "link", "linkat", "listen",
    "listmount", "listxattr", "listxattrat", "llistxattr", "lock", "lookup_dcookie",
    "lremovexattr", "lseek", "lsetxattr", "lsm_get_self_attr", "lsm_list_modules",
    "lsm_set_self_attr", "lstat", "lstat64", "madvise", "map_shadow_stack", "mbind",
    "membarrier", "memfd_create", "memfd_secret", "migrate_pages", "mincore", "mkdir",
    "mkdirat", "mknod", "mknodat", "mlock", "mlock2", "mlockall", "mmap", "mmap2", "modify_ldt",
    "mount", "mount_setattr", "move_mount", "move_pages", "mprotect", "mpx", "mq_getsetattr",
    "mq_notify", "mq_open", "mq_timedreceive", "mq_timedreceive_time64", "mq_timedsend",
    "mq_timedsend_time64", "mq_unlink", "mremap", "mseal", "msgctl", "msgget", "msgrcv",
    "msgsnd", "msync", "multiplexer", "munlock", "munlockall", "munmap", "name_to_handle_at",
    "nanosleep", "newfstatat", "nfsservctl", "nice", "oldfstat", "oldlstat", "oldolduname",
    "oldstat", "olduname", "open", "open_by_handle_at", "open_tree", "open_tree_attr", "openat",
    "openat2", "pause", "pciconfig_iobase", "pciconfig_read", "pciconfig_write",
    "perf_event_open", "personality", "pidfd_getfd", "pidfd_open", "pidfd_send_signal", "pipe",
    "pipe2", "pivot_root", "pkey_alloc", "pkey_free", "pkey_mprotect", "poll", "ppoll",
    "ppoll_time64", "prctl", "pread64", "preadv", "preadv2", "prlimit64", "process_madvise",
    "process_mrelease", "process_vm_readv", "process_vm_writev", "prof", "profil", "pselect6",
    "pselect6_time64", "ptrace", "putpmsg", "pwrite64", "pwritev", "pwritev2", "query_module",
    "quotactl", "quotactl_fd", "read", "readahead", "readdir", "readlink", "readlinkat",
    "readv", "reboot", "recv", "recvfrom", "recvmmsg", "recvmmsg_time64", "recvmsg",
    "remap_file_pages", "removexattr", "removexattrat", "rename", "renameat", "renameat2",
    "request_key", "restart_syscall", "riscv_flush_icache", "riscv_hwprobe", "rmdir", "rseq",
    "rt_sigaction", "rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn",
    "rt_sigsuspend", "rt_sigtimedwait", "rt_sigtimedwait_time64", "rt_tgsigqueueinfo", "rtas",
    "s390_guarded_storage", "s390_pci_mmio_read", "s390_pci_mmio_write", "s390_runtime_instr",
    "s390_sthyi", "sched_get_priority_max", "sched_get_priority_min", "sched_getaffinity",
    "sched_getattr", "sched_getparam", "sched_getscheduler", "sched_rr_get_interval",
    "sched_rr_get_interval_time64", "sched_setaffinity", "sched_setattr", "sched_setparam",
    "sched_setscheduler", "sched_yield", "seccomp", "security", "select", "semctl", "semget",
    "semop", "semtimedop", "semtimedop_time64", "send", "sendfile", "sendfile64", "sendmmsg",
    "sendmsg", "sendto", "set_mempolicy", "set_mempolicy_home_node", "set_robust_list",
    "set_thread_area", "set_tid_address", "set_tls", "setdomainname", "setfsgid", "setfsgid32",
    "setfsuid", "setfsuid32", "setgid", "setgid32", "setgroups", "setgroups32", "sethostname",
    "setitimer", "setns", "setpgid", "setpriority", "setregid", "setregid32", "setresgid",
    "setresgid32", "setresuid", "setresuid32", "setreuid", "setreuid32", "setrlimit", "setsid",
    "setsockopt", "settimeofday", "setuid", "setuid32", "setxattr", "setxattrat", "sgetmask",
    "shmat", "shmctl", "shmdt", "shmget", "shutdown", "sigaction", "sigaltstack", "signal",
    "signalfd", "signalfd4", "sigpending", "sigprocmask", "sigreturn", "sigsuspend", "socket",
    "socketcall", "socketpair", "splice", "spu_create", "spu_run", "ssetmask", "stat", "stat64",
    "statfs", "statfs64", "statmount", "statx", "stime", "stty", "subpage_prot", "swapcontext",
    "swapoff", "swapon", "switch_endian", "symlink", "symlinkat", "sync", "sync_file_range",
    "sync_file_range2", "syncfs", "sys_debug_setcontext", "syscall", "sysfs", "sysinfo",
    "syslog", "sysmips", "tee", "tgkill", "time", "timer_create", "timer_delete",
    "timer_getoverrun", "timer_gettime", "timer_gettime64", "timer_settime", "timer_settime64",
    "timerfd", "timerfd_create", "timerfd_gettime", "timerfd_gettime64", "timerfd_settime",
    "timerfd_settime64", "times", "tkill", "truncate", "truncate64", "tuxcall", "ugetrlimit",
    "ulimit", "umask", "umount", "umount2", "uname", "unlink", "unlinkat", "unshare", "uprobe",
    "uretprobe", "uselib", "userfaultfd", "usr26", "usr32", "ustat", "utime", "utimensat",
    "utimensat_time64", "utimes", "vfork", "vhangup", "vm86", "vm86old", "vmsplice", "vserver",
    "wait4", "waitid", "waitpid", "write", "writev"};

// @memlock
constexpr std::string_view kMemlock[] = {
    "mlock", "mlock2", "mlockall", "munlock", "munlockall"};

// @memory: Not in systemd: everything about one's own address space. Also in @default:
// brk, mmap, mprotect, munmap, which no program can start without.
constexpr std::string_view kMemory[] = {
    "@memlock", "@pkey", "brk", "get_mempolicy", "madvise", "map_shadow_stack", "membarrier",
    "memfd_secret", "mincore", "mmap", "mmap2", "mprotect", "mremap", "mseal", "msync",
    "munmap", "remap_file_pages"};

// @module: create_module, get_kernel_syms and query_module are the pre-2.6 interface (also
// @obsolete): listed so that denying @module denies them everywhere.
constexpr std::string_view kModule[] = {
    "create_module", "delete_module", "finit_module", "get_kernel_syms", "init_module",
    "query_module"};

// @mount
constexpr std::string_view kMount[] = {
    "chroot", "fsconfig", "fsmount", "fsopen", "fspick", "mount", "mount_setattr", "move_mount",
    "open_tree", "open_tree_attr", "pivot_root", "umount", "umount2"};

// @network-io
constexpr std::string_view kNetworkIo[] = {
    "accept", "accept4", "bind", "connect", "getpeername", "getsockname", "getsockopt",
    "listen", "recv", "recvfrom", "recvmmsg", "recvmmsg_time64", "recvmsg", "send", "sendmmsg",
    "sendmsg", "sendto", "setsockopt", "shutdown", "socket", "socketcall", "socketpair"};

// @obsolete
constexpr std::string_view kObsolete[] = {
    "_sysctl", "afs_syscall", "bdflush", "break", "create_module", "ftime", "get_kernel_syms",
    "getpmsg", "gtty", "idle", "lock", "mpx", "nfsservctl", "prof", "profil", "putpmsg",
    "query_module", "security", "sgetmask", "ssetmask", "stime", "stty", "sysfs", "timerfd",
    "tuxcall", "ulimit", "uselib", "ustat", "vserver"};

// @pkey
constexpr std::string_view kPkey[] = {
    "pkey_alloc", "pkey_free", "pkey_mprotect"};

// @privileged: Unlike systemd's, includes @mount. setgid and friends are not here (see @setuid):
// a process may switch among its own group ids without privileges.
constexpr std::string_view kPrivileged[] = {
    "@chown", "@clock", "@module", "@mount", "@raw-io", "@reboot", "@swap", "_sysctl", "acct",
    "bpf", "capset", "fanotify_init", "fanotify_mark", "nfsservctl", "open_by_handle_at",
    "quotactl", "quotactl_fd", "setdomainname", "setfsuid", "setfsuid32", "setgroups",
    "setgroups32", "sethostname", "setresuid", "setresuid32", "setreuid", "setreuid32",
    "setuid", "setuid32", "syslog", "vhangup"};

// @process: Also kcmp, personality, setpgid and setsid (systemd's @system-service).
constexpr std::string_view kProcess[] = {
    "capget", "clone", "clone3", "execveat", "fork", "getrusage", "kcmp", "kill", "personality",
    "pidfd_open", "pidfd_send_signal", "prctl", "process_mrelease", "rt_sigqueueinfo",
    "rt_tgsigqueueinfo", "setns", "setpgid", "setsid", "swapcontext", "tgkill", "times",
    "tkill", "unshare", "vfork", "wait4", "waitid", "waitpid"};

// @raw-io
constexpr std::string_view kRawIo[] = {
    "ioperm", "iopl", "pciconfig_iobase", "pciconfig_read", "pciconfig_write",
    "s390_pci_mmio_read", "s390_pci_mmio_write"};

// @reboot
constexpr std::string_view kReboot[] = {
    "kexec_file_load", "kexec_load", "reboot"};

// @resources: Also the read-only counterparts (sched_get*, getpriority, ioprio_get, getcpu),
// which systemd keeps in @system-service.
constexpr std::string_view kResources[] = {
    "getcpu", "getpriority", "ioprio_get", "ioprio_set", "mbind", "migrate_pages", "move_pages",
    "nice", "sched_get_priority_max", "sched_get_priority_min", "sched_getattr",
    "sched_getparam", "sched_getscheduler", "sched_rr_get_interval",
    "sched_rr_get_interval_time64", "sched_setaffinity", "sched_setattr", "sched_setparam",
    "sched_setscheduler", "set_mempolicy", "set_mempolicy_home_node", "setpriority", "setrlimit"};

// @sandbox
constexpr std::string_view kSandbox[] = {
    "landlock_add_rule", "landlock_create_ruleset", "landlock_restrict_self", "seccomp"};

// @setuid: Also setfsuid/setfsgid (systemd's @system-service).
constexpr std::string_view kSetuid[] = {
    "setfsgid", "setfsgid32", "setfsuid", "setfsuid32", "setgid", "setgid32", "setgroups",
    "setgroups32", "setregid", "setregid32", "setresgid", "setresgid32", "setresuid",
    "setresuid32", "setreuid", "setreuid32", "setuid", "setuid32"};

// @signal
constexpr std::string_view kSignal[] = {
    "rt_sigaction", "rt_sigpending", "rt_sigprocmask", "rt_sigsuspend", "rt_sigtimedwait",
    "rt_sigtimedwait_time64", "sigaction", "sigaltstack", "signal", "signalfd", "signalfd4",
    "sigpending", "sigprocmask", "sigsuspend"};

// @swap
constexpr std::string_view kSwap[] = {
    "swapoff", "swapon"};

// @sync
constexpr std::string_view kSync[] = {
    "arm_sync_file_range", "fdatasync", "fsync", "msync", "sync", "sync_file_range",
    "sync_file_range2", "syncfs"};

// @system-service: userfaultfd is deliberately left out (systemd has it): it widens kernel
// race windows for exploits and services rarely need it.
constexpr std::string_view kSystemService[] = {
    "@aio", "@basic-io", "@chown", "@default", "@file-system", "@io-event", "@ipc", "@keyring",
    "@memory", "@network-io", "@process", "@resources", "@setuid", "@signal", "@sync", "@timer",
    "capget", "capset", "ioctl", "name_to_handle_at", "oldolduname", "olduname", "sysinfo",
    "umask", "uname"};

// @timer
constexpr std::string_view kTimer[] = {
    "alarm", "getitimer", "setitimer", "timer_create", "timer_delete", "timer_getoverrun",
    "timer_gettime", "timer_gettime64", "timer_settime", "timer_settime64", "timerfd_create",
    "timerfd_gettime", "timerfd_gettime64", "timerfd_settime", "timerfd_settime64", "times"};
// clang-format on

constexpr Group kGroups[] = {
    {"@aio", "Asynchronous I/O: POSIX AIO (io_setup...) and io_uring", kAio},
    {"@basic-io", "Reading, writing, seeking and closing file descriptors; fd-to-fd copies",
     kBasicIo},
    {"@chown", "Changing the owner and group of files", kChown},
    {"@clock", "Setting or adjusting the system clocks", kClock},
    {"@cpu-emulation", "CPU emulation: LDT, vm86 mode, endianness switching, subpage protection",
     kCpuEmulation},
    {"@debug", "Debugging, tracing and performance monitoring of processes and the kernel", kDebug},
    {"@default", "What every program needs to start, run threads and exit", kDefault},
    {"@file-system", "Opening, inspecting, creating, renaming and removing files; xattrs, inotify",
     kFileSystem},
    {"@io-event", "Event loops: epoll, poll, select, eventfd", kIoEvent},
    {"@ipc", "Pipes, SysV IPC, POSIX message queues, memfd and cross-process memory access", kIpc},
    {"@keyring", "Kernel keyring access", kKeyring},
    {"@known", "Every system call cloister knows of, on any architecture", kKnown},
    {"@memlock", "Locking memory into RAM", kMemlock},
    {"@memory", "Mapping, protecting, advising and locking one's own memory", kMemory},
    {"@module", "Loading and unloading kernel modules", kModule},
    {"@mount", "Mounting, unmounting and moving file systems; changing the root", kMount},
    {"@network-io", "Socket creation and I/O, network or Unix", kNetworkIo},
    {"@obsolete", "Unusual, obsolete or unimplemented system calls", kObsolete},
    {"@pkey", "Memory protection keys", kPkey},
    {"@privileged", "System calls that need super-user capabilities", kPrivileged},
    {"@process", "Creating, executing, waiting for and signalling processes; namespaces; prctl",
     kProcess},
    {"@raw-io", "Raw I/O port and PCI configuration access", kRawIo},
    {"@reboot", "Rebooting and loading a new kernel (kexec)", kReboot},
    {"@resources", "Scheduling, priorities, CPU affinity, NUMA placement and resource limits",
     kResources},
    {"@sandbox", "Restricting oneself further: seccomp and Landlock", kSandbox},
    {"@setuid", "Changing user and group credentials", kSetuid},
    {"@signal", "Signal handlers, masks and waiting for signals", kSignal},
    {"@swap", "Enabling and disabling swap", kSwap},
    {"@sync", "Flushing files and memory to storage", kSync},
    {"@system-service", "What an ordinary system service needs (a composition of groups)",
     kSystemService},
    {"@timer", "Timers, alarms and interval timers", kTimer},
};

constexpr bool strictly_increasing(std::span<const std::string_view> names) {
  return std::adjacent_find(names.begin(), names.end(), [](std::string_view a, std::string_view b) {
           return !(a < b);
         }) == names.end();
}

constexpr bool well_formed() {
  for (std::size_t i = 0; i < std::size(kGroups); ++i) {
    if (i > 0 && !(kGroups[i - 1].name < kGroups[i].name)) return false;
    if (kGroups[i].members.empty() || !strictly_increasing(kGroups[i].members)) return false;
  }
  return true;
}
static_assert(well_formed(), "groups and their members must be sorted and unique");

}  // namespace

std::span<const Group> groups() { return kGroups; }

const Group* find_group(std::string_view name) {
  const auto* it = std::lower_bound(std::begin(kGroups), std::end(kGroups), name,
                                    [](const Group& g, std::string_view n) { return g.name < n; });
  return it != std::end(kGroups) && it->name == name ? it : nullptr;
}

}  // namespace cloister::seccomp
