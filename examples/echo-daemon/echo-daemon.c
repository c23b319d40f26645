/* echo-daemon: libcloister's C example, a daemon in passt's manner. It opens everything it
 * needs first (its listening socket, the directory it serves), confines itself in phases,
 * daemonizes into a PID namespace of its own, and only then serves: each connection sends
 * one line; "file NAME" answers with NAME's contents from the served directory (resolved
 * beneath it, no way out), anything else is echoed back.
 *
 *   echo-daemon PROFILE PID_FILE PORT DIRECTORY
 *
 * Prints the daemon's PID once it is confined, or what stopped it. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cloister/cloister.h>

static int fail(cloister_sandbox *sb, const char *what) {
  fprintf(stderr, "echo-daemon: %s: %s\n", what, cloister_error(sb));
  cloister_sandbox_free(sb);
  return 1;
}

/* Before confinement: the socket lives in the caller's network namespace, so it stays
 * reachable from there whatever the daemon's own namespace holds. */
static int listen_on(int port) {
  int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
  int one = 1;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
      bind(s, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(s, 16) != 0) {
    perror("echo-daemon: listen");
    return -1;
  }
  return s;
}

static void send_all(int fd, const char *data, size_t size) {
  while (size > 0) {
    ssize_t n = write(fd, data, size);
    if (n <= 0) return;
    data += n;
    size -= (size_t)n;
  }
}

static void send_file(int client, int dir, const char *name) {
  struct open_how how = {.flags = O_RDONLY | O_CLOEXEC,
                         .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS};
  char buf[4096];
  ssize_t n;
  int fd = (int)syscall(SYS_openat2, dir, name, &how, sizeof how);
  if (fd < 0) {
    const char *text = strerror(errno);
    send_all(client, "error: ", 7);
    send_all(client, text, strlen(text));
    send_all(client, "\n", 1);
    return;
  }
  while ((n = read(fd, buf, sizeof buf)) > 0) send_all(client, buf, (size_t)n);
  close(fd);
}

static void serve(int listener, int dir) {
  for (;;) {
    char line[512];
    ssize_t n;
    int client = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
    if (client < 0) continue;
    n = read(client, line, sizeof line - 1);
    if (n > 0) {
      line[n] = '\0';
      line[strcspn(line, "\r\n")] = '\0';
      if (strncmp(line, "file ", 5) == 0)
        send_file(client, dir, line + 5);
      else {
        send_all(client, line, strlen(line));
        send_all(client, "\n", 1);
      }
    }
    close(client);
  }
}

int main(int argc, char **argv) {
  cloister_sandbox *sb;
  int listener, dir;
  pid_t pid;
  if (argc != 5) {
    fprintf(stderr, "usage: echo-daemon PROFILE PID_FILE PORT DIRECTORY\n");
    return 2;
  }
  sb = cloister_sandbox_new();
  if (!sb) return 1;
  if (cloister_load_profile_file(sb, argv[1]) != 0) return fail(sb, "profile");
  if (cloister_compile(sb) != 0) return fail(sb, "compile");
  listener = listen_on(atoi(argv[3]));
  if (listener < 0 || cloister_keep_fd(sb, listener) != 0) return fail(sb, "socket");
  dir = cloister_open(sb, argv[4], O_PATH | O_DIRECTORY, 0);
  if (dir < 0) return fail(sb, "directory");
  if (cloister_enter_namespaces(sb) != 0) return fail(sb, "namespaces");
  pid = cloister_daemonize(sb, argv[2]);
  if (pid < 0) return fail(sb, "daemonize");
  if (pid > 0) { /* the caller: the daemon is confined */
    printf("%d\n", (int)pid);
    cloister_sandbox_free(sb);
    return 0;
  }
  /* The daemon: stdio is /dev/null now; a failure below reaches the caller by itself. */
  if (cloister_enter_filesystem(sb) != 0 || cloister_drop_privileges(sb) != 0 ||
      cloister_apply_seccomp(sb) != 0)
    _exit(1);
  serve(listener, dir);
  return 0;
}
