/* libcloister's C API: a daemon confines itself, in phases, when it is ready.
 *
 *   cloister_sandbox *sb = cloister_sandbox_new();
 *   if (cloister_load_profile_file(sb, "/etc/mydaemon/sandbox.toml") != 0 ||
 *       cloister_compile(sb) != 0)
 *     die(cloister_error(sb));
 *   int dir = cloister_open(sb, "/srv/data", O_PATH | O_DIRECTORY, 0);
 *   cloister_enter_namespaces(sb);
 *   pid_t pid = cloister_daemonize(sb, "/run/mydaemon.pid");  (optional: 0 in the daemon)
 *   cloister_enter_filesystem(sb);
 *   cloister_drop_privileges(sb);
 *   cloister_apply_seccomp(sb);
 *
 * Every call returns 0 (or a descriptor, a PID) on success and -1 on failure; then
 * cloister_error() says what failed: the step, the operation, the path, the errno text and a
 * hint, and cloister_errno() gives the errno (0 when the failure is not the kernel's). The
 * phases run once each, in this order (see cloister/sandbox.hpp, the C++ API over the same
 * engine). Not thread-safe: one thread uses a sandbox at a time. */
#ifndef CLOISTER_CLOISTER_H
#define CLOISTER_CLOISTER_H

#include <stddef.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CLOISTER_EXPORT __attribute__((visibility("default")))

typedef struct cloister_sandbox cloister_sandbox;

/* An empty policy: an empty root, the default seccomp denylist. NULL when out of memory. */
CLOISTER_EXPORT cloister_sandbox *cloister_sandbox_new(void);
CLOISTER_EXPORT void cloister_sandbox_free(cloister_sandbox *sb);

/* Profiles: the TOML of `cloister run --profile` (see cloister-profile(5)). */
CLOISTER_EXPORT int cloister_load_profile_file(cloister_sandbox *sb, const char *path);
CLOISTER_EXPORT int cloister_load_profile_string(cloister_sandbox *sb, const char *text,
                                                 const char *name);

/* The policy in code, before cloister_compile(). */
/* "namespace", "chroot" or "auto". */
CLOISTER_EXPORT int cloister_set_mode(cloister_sandbox *sb, const char *mode);
/* SOURCE (a host path) at DEST in the new root ("/" for a directory that becomes the root). */
CLOISTER_EXPORT int cloister_bind(cloister_sandbox *sb, const char *source, const char *dest,
                                  int read_only);
/* Allow a syscall or a group ("@basic-io") on top of the seccomp base; "strict-daemon",
 * "default" or "none" as the base. */
CLOISTER_EXPORT int cloister_seccomp_base(cloister_sandbox *sb, const char *base);
CLOISTER_EXPORT int cloister_allow_syscall(cloister_sandbox *sb, const char *name);
/* A capability kept through the privileges phase ("CAP_NET_BIND_SERVICE"). */
CLOISTER_EXPORT int cloister_keep_capability(cloister_sandbox *sb, const char *name);

/* Handles opened before confinement and kept through it; every other descriptor above 2 is
 * closed in the privileges phase. cloister_open returns the descriptor (the caller's). */
CLOISTER_EXPORT int cloister_open(cloister_sandbox *sb, const char *path, int flags, mode_t mode);
CLOISTER_EXPORT int cloister_keep_fd(cloister_sandbox *sb, int fd);

/* The phases, in order. */
CLOISTER_EXPORT int cloister_compile(cloister_sandbox *sb);
CLOISTER_EXPORT int cloister_enter_namespaces(cloister_sandbox *sb);
/* Between namespaces and filesystem: 0 in the daemon; in the caller the daemon's PID once it
 * is confined (after its cloister_apply_seccomp()), -1 with the daemon's error. */
CLOISTER_EXPORT pid_t cloister_daemonize(cloister_sandbox *sb, const char *pid_file);
CLOISTER_EXPORT int cloister_enter_filesystem(cloister_sandbox *sb);
CLOISTER_EXPORT int cloister_drop_privileges(cloister_sandbox *sb);
CLOISTER_EXPORT int cloister_apply_seccomp(cloister_sandbox *sb);
/* The phases not yet applied (not daemonize). */
CLOISTER_EXPORT int cloister_confine(cloister_sandbox *sb);

/* "namespace" or "chroot" (asked for, or auto mode's fallback). */
CLOISTER_EXPORT const char *cloister_mode(const cloister_sandbox *sb);
/* What the sandbox does without (auto's fallback, best-effort Landlock), for the log. */
CLOISTER_EXPORT size_t cloister_notice_count(const cloister_sandbox *sb);
CLOISTER_EXPORT const char *cloister_notice(const cloister_sandbox *sb, size_t index);

/* The last failure's message ("" when none) and errno. */
CLOISTER_EXPORT const char *cloister_error(const cloister_sandbox *sb);
CLOISTER_EXPORT int cloister_errno(const cloister_sandbox *sb);

#ifdef __cplusplus
}
#endif

#endif
