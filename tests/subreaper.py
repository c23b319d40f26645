#!/usr/bin/env python3
"""subreaper.py GRACE_SECONDS COMMAND [ARGS...]

Runs COMMAND as a child subreaper (PR_SET_CHILD_SUBREAPER): processes COMMAND leaves behind
are reparented here rather than to PID 1, and reaped here as they end. Once COMMAND has
exited, those still running get GRACE_SECONDS to end; those still running are then killed by PID (SIGKILL), and every one is reaped, so
nothing COMMAND started outlives this process, not even as a zombie. Exits with COMMAND's
status (128+N when killed by signal N).
"""
import ctypes
import os
import signal
import sys
import time

PR_SET_CHILD_SUBREAPER = 36


def children():
    pids = []
    for task in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{task}/children") as f:
                pids += [int(p) for p in f.read().split()]
        except OSError:
            pass
    return pids


def reap_all():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return True
        if pid == 0:
            return False


def main():
    grace = float(sys.argv[1])
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        sys.exit(f"subreaper: prctl: {os.strerror(ctypes.get_errno())}")
    command = os.fork()
    if command == 0:
        try:
            os.execvp(sys.argv[2], sys.argv[2:])
        finally:
            os._exit(127)
    # Orphans are reaped as they end, not only after COMMAND: a long run (the whole suite)
    # would otherwise hold every orphan that ended as a zombie until it finishes.
    while True:
        pid, status = os.waitpid(-1, 0)
        if pid == command:
            break
    deadline = time.monotonic() + grace
    while not reap_all():
        if time.monotonic() >= deadline:
            for pid in children():
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        time.sleep(0.05)
    code = os.waitstatus_to_exitcode(status)
    sys.exit(code if code >= 0 else 128 - code)

if __name__ == "__main__":
    main()
