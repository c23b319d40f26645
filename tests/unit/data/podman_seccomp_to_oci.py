#!/usr/bin/env python3
"""Writes linux.seccomp as podman puts it in config.json, from a containers-common profile.

The profile (/usr/share/containers/seccomp.json, package golang-github-containers-common) is
in the Docker format: entries carry includes/excludes on capabilities and architectures. For
each container podman keeps the entries that apply to its bounding capabilities and to the
native architecture, lists the native architecture and its sub-architectures (archMap), and
writes the rest in the OCI runtime spec's form. This does the same for podman's default
capabilities on amd64, so the test needs neither podman nor the package at run time.

usage: podman_seccomp_to_oci.py PROFILE > podman-default-seccomp.oci.json
"""
import json
import sys

ARCH = "amd64"
SECCOMP_ARCH = "SCMP_ARCH_X86_64"
# default_capabilities in /usr/share/containers/containers.conf (podman 4.3, Debian 12).
CAPS = {"CAP_" + c for c in ["CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL",
                             "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID",
                             "SYS_CHROOT"]}


def applies(entry):
    inc, exc = entry.get("includes") or {}, entry.get("excludes") or {}
    if ARCH in (exc.get("arches") or []):
        return False
    if any(c in CAPS for c in exc.get("caps") or []):
        return False
    if inc.get("arches") and ARCH not in inc["arches"]:
        return False
    if inc.get("caps") and not all(c in CAPS for c in inc["caps"]):
        return False
    return True


def arg(a):
    out = {"index": a["index"], "value": a["value"]}
    if a.get("valueTwo"):
        out["valueTwo"] = a["valueTwo"]
    out["op"] = a["op"]
    return out


def main():
    profile = json.load(open(sys.argv[1]))
    arches = []
    for m in profile.get("archMap") or []:
        if m["architecture"] == SECCOMP_ARCH:
            arches = [m["architecture"]] + m.get("subArchitectures", [])
    out = {"defaultAction": profile["defaultAction"]}
    if "defaultErrnoRet" in profile:
        out["defaultErrnoRet"] = profile["defaultErrnoRet"]
    out["architectures"] = arches
    syscalls = []
    for e in profile["syscalls"]:
        if not applies(e):
            continue
        s = {"names": e["names"], "action": e["action"]}
        if e.get("errnoRet") is not None:
            s["errnoRet"] = e["errnoRet"]
        if e.get("args"):
            s["args"] = [arg(a) for a in e["args"]]
        syscalls.append(s)
    out["syscalls"] = syscalls
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")


main()
