#!/usr/bin/env python3
"""libcloister's examples at work, as whoever runs this (root or uid 65534).

examples_test.py BIN_DIR   (echo-daemon, share-server and echo-daemon.toml in BIN_DIR)

echo-daemon: daemonizes into a PID namespace of its own (PID file = the PID the host sees,
PID 1 inside), confined (seccomp, no_new_privs, uid 65534), serves its pre-opened socket and
directory with no way out of it, ends with status 0 on SIGTERM; a daemon that dies while
confining itself is reported by the caller, which leaves no PID file. share-server: the
shared directory is its root in namespace mode, chroot mode (root) and auto mode inside a
chroot whose root is not a mount point (root); nothing outside the share is reachable.
Where the kernel refuses this caller namespace sandboxes (asked with unshare), namespace
mode is skipped with the kernel's answer, and auto mode runs where it is (root).
This process is a subreaper: the daemons become its children, and it checks at the end
that none is left.
"""
import ctypes
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

BIN = sys.argv[1]
ROOT = os.geteuid() == 0
WHO = "root" if ROOT else f"uid {os.geteuid()}"
results = {"passed": 0, "failed": 0, "skipped": 0}


def check(name, ok, detail=""):
    results["passed" if ok else "failed"] += 1
    print(f"{'PASS' if ok else 'FAIL'} [{WHO}] {name}" + ("" if ok else f": {detail}"), flush=True)


def skip(name, why):
    results["skipped"] += 1
    print(f"SKIP [{WHO}] {name}: {why}", flush=True)


def status_fields(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.split()
    return fields


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ask_tcp(port, line):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(line.encode() + b"\n")
        return recv_all(s)


def ask_unix(path, line):
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(5)
        s.connect(path)
        s.sendall(line.encode() + b"\n")
        return recv_all(s)


def recv_all(s):
    data = b""
    while chunk := s.recv(4096):
        data += chunk
    return data.decode(errors="replace")


def wait_for(pid, seconds=10):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        time.sleep(0.02)
    os.kill(pid, signal.SIGKILL)
    return os.waitpid(pid, 0)[1]


def children():
    me = os.getpid()
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == me:
                        found.append(int(entry))
            except (OSError, IndexError, ValueError):
                pass
    return found


def namespaces_refused():
    """Why the kernel refuses this caller a namespace sandbox, or "": asked directly with
    unshare, what the examples' namespace mode does first (a user namespace unless root, whose
    sandbox gets none; a mount namespace; the mount tree made private from its root, which a
    chroot whose root is not a mount point refuses)."""
    probe = ["unshare", "--mount", "--propagation", "private"]
    if not ROOT:
        probe[1:1] = ["--user", "--map-root-user"]
    run = subprocess.run(probe + ["true"], capture_output=True, text=True)
    if run.returncode == 0:
        return ""
    said = run.stderr.strip().splitlines()
    return f"the kernel refuses namespace sandboxes here ({' '.join(probe)}: " + \
        (said[-1] if said else f"exit code {run.returncode}") + ")"


def end(server, seconds=10):
    """SIGTERM to a server started with Popen, then its return code (SIGKILL after seconds).
    Popen reaps it (its poll() may already have): no os.waitpid on its PID."""
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
    return server.returncode


def tree(base):
    share = os.path.join(base, "share")
    os.makedirs(share)
    with open(os.path.join(share, "hello.txt"), "w") as f:
        f.write("hello from the share\n")
    with open(os.path.join(base, "secret"), "w") as f:
        f.write("host secret\n")
    os.symlink(os.path.join(base, "secret"), os.path.join(share, "abs-link"))
    os.symlink("../secret", os.path.join(share, "rel-link"))
    return share


def echo_daemon(base):
    share = tree(os.path.join(base, "echo"))
    pid_file = os.path.join(base, "echo.pid")
    port = free_port()
    profile = os.path.join(BIN, "echo-daemon.toml")
    run = subprocess.run([os.path.join(BIN, "echo-daemon"), profile, pid_file, str(port), share],
                         capture_output=True, text=True, timeout=30)
    check("echo-daemon: the caller returns 0 once the daemon is confined", run.returncode == 0,
          run.stderr)
    if run.returncode != 0:
        return
    pid = int(run.stdout.strip())
    with open(pid_file) as f:
        check("echo-daemon: PID file holds the PID the host sees", int(f.read()) == pid)
    status = status_fields(pid)
    check("echo-daemon: PID 1 of its own PID namespace", status["NSpid"][-1] == "1",
          status["NSpid"])
    check("echo-daemon: seccomp filter and no_new_privs",
          status["Seccomp"] == ["2"] and status["NoNewPrivs"] == ["1"])
    check("echo-daemon: runs as uid 65534", status["Uid"][0] == "65534", status["Uid"])
    check("echo-daemon: no capabilities", int(status["CapEff"][0], 16) == 0, status["CapEff"])
    check("echo-daemon: serves its pre-opened socket", ask_tcp(port, "hi there") == "hi there\n")
    got = ask_tcp(port, "file hello.txt")
    check("echo-daemon: reads through its pre-opened directory", got == "hello from the share\n",
          got)
    for name in ("../secret", os.path.join(base, "echo", "secret"), "abs-link", "rel-link"):
        got = ask_tcp(port, "file " + name)
        check(f"echo-daemon: no way out of the directory ({name})", got.startswith("error:"), got)
    os.kill(pid, signal.SIGTERM)
    status = wait_for(pid)
    check("echo-daemon: SIGTERM ends it with status 0",
          os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status)
    os.unlink(pid_file)

    # A daemon whose filter kills it at its first step past seccomp: the caller reports it.
    bad = os.path.join(base, "no-write.toml")
    with open(profile) as f:
        text = f.read().replace('"write", ', "")
    with open(bad, "w") as f:
        f.write(text)
    run = subprocess.run([os.path.join(BIN, "echo-daemon"), bad, pid_file, str(free_port()), share],
                         capture_output=True, text=True, timeout=30)
    check("echo-daemon: a daemon killed while confining itself is the caller's error",
          run.returncode == 1 and "SIGSYS" in run.stderr, run.stderr)
    check("echo-daemon: and no PID file is left", not os.path.exists(pid_file))


def share_server(base, mode, wrapper=None, socket_path=None, share=None, expect_mode=None,
                 notice_says=None, label=None):
    name = f"share-server --sandbox={mode}" + (label or (" in a chroot" if wrapper else ""))
    if share is None:
        share = tree(os.path.join(base, mode))
    socket_path = socket_path or os.path.join(base, f"{mode}.sock")
    argv = [os.path.join(BIN, "share-server"), f"--sandbox={mode}", socket_path, share]
    server = subprocess.Popen(wrapper(argv) if wrapper else argv, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        ready = server.stdout.readline().strip()
        check(f"{name}: confined", ready == f"ready {expect_mode or mode}",
              ready + server.stderr.read() if not ready else ready)
        if not ready:
            return
        if notice_says:
            notice = server.stdout.readline()
            check(f"{name}: says why it fell back", notice_says in notice, notice)
        if wrapper:
            socket_path = wrapper.outside(socket_path)
        got = ask_unix(socket_path, "hello.txt")
        check(f"{name}: serves the share", got == "hello from the share\n", got)
        for path in ("../secret", "/../../secret", "abs-link", "rel-link", "/etc/passwd"):
            got = ask_unix(socket_path, path)
            check(f"{name}: nothing outside the share ({path})", got.startswith("error:"), got)
    finally:
        status = end(server)
        server.stdout.close()
        server.stderr.close()
    check(f"{name}: ends on SIGTERM", status == -signal.SIGTERM, f"return code {status}")


class InAChroot:
    """A chroot whose root is a plain directory (not a mount point), set up in a private
    mount namespace (unshare -m): /usr and this test's directory bound in, /proc mounted."""

    def __init__(self, base):
        self.jail = os.path.join(base, "jail")
        for d in ("usr", "proc", "tmp", "share", BIN.lstrip("/")):
            os.makedirs(os.path.join(self.jail, d), exist_ok=True)
        for link in ("bin", "lib", "lib64", "sbin"):
            if os.path.islink("/" + link):
                os.symlink(os.readlink("/" + link), os.path.join(self.jail, link))
        libdir = os.path.realpath(os.path.join(BIN, "..", "root"))
        os.makedirs(os.path.join(self.jail, libdir.lstrip("/")), exist_ok=True)
        self.binds = [("/usr", "usr"), (BIN, BIN.lstrip("/")), (libdir, libdir.lstrip("/"))]

    def __call__(self, argv):
        mounts = " && ".join(f"mount --rbind {a} {os.path.join(self.jail, b)}" for a, b in self.binds)
        inner = [argv[0], argv[1], "/share.sock", "/share"]
        script = f"{mounts} && mount -t proc proc {self.jail}/proc && exec chroot {self.jail} " + \
                 " ".join(inner)
        return ["unshare", "-m", "--propagation", "private", "sh", "-c", script]

    def outside(self, _path):
        return os.path.join(self.jail, "share.sock")


def main():
    # PR_SET_CHILD_SUBREAPER: the daemons, whose parents exit, become this process's children.
    ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)
    with tempfile.TemporaryDirectory(prefix="cloister-examples-") as base:
        os.chmod(base, 0o755)
        refused = namespaces_refused()
        if refused:
            skip("echo-daemon and share-server in namespace mode", refused)
        else:
            echo_daemon(base)
            share_server(base, "namespace")
        if not ROOT:
            skip("share-server in chroot mode", "chroot mode needs CAP_SYS_CHROOT (root)")
        elif refused:
            # Here auto mode itself meets the refusal the chroot below is made to show.
            share_server(base, "chroot")
            share_server(base, "auto", expect_mode="chroot", notice_says="chroot mode instead",
                         label=" where namespaces are refused")
            skip("share-server --sandbox=auto in a chroot of this test's own",
                 refused + "; the chroot is made in a private mount namespace")
        else:
            share_server(base, "chroot")
            jail = InAChroot(base)
            tree(os.path.join(jail.jail, "tree"))
            os.rename(os.path.join(jail.jail, "tree", "share"), os.path.join(jail.jail, "share-dir"))
            os.rmdir(os.path.join(jail.jail, "share"))
            os.rename(os.path.join(jail.jail, "share-dir"), os.path.join(jail.jail, "share"))
            share_server(base, "auto", wrapper=jail, share="/share", expect_mode="chroot",
                         notice_says="runs in a chroot")
    left = children()
    check("nothing left running", not left, left)
    for pid in left:  # named above; ended so that the run leaves nothing behind
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    print(f"{results['passed']} passed, {results['failed']} failed, {results['skipped']} skipped")
    return 1 if results["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
