#!/usr/bin/env python3
"""Where a process's memory is: /proc/PID/smaps grouped by what the mappings are.

    scripts/smaps-breakdown.py PID [PID...]

Groups: the malloc heap, anonymous mappings (JS heap, bmalloc/libpas, thread stacks,
render buffers all show here), memfd/shared-memory buffers (images and tiles WebKit
shares between its processes), Mesa's LLVM (software GL when there is no GPU), the other
GL/Mesa libraries, WebKit and JavaScriptCore, the rest of the shared libraries, and other
files. Figures are MB of RSS, PSS and private dirty (what only this process wrote)."""

import re
import sys


def group(name: str) -> str:
    if name == "[heap]":
        return "malloc heap"
    if name in ("", "[stack]") or name.startswith("[anon") or name.startswith("[stack"):
        return "anonymous"
    if name.startswith("/memfd:") or name.startswith("/dev/shm") or "SYSV" in name:
        return "memfd / shared buffers"
    if "libLLVM" in name:
        return "Mesa LLVM"
    if re.search(r"(dri/|libgallium|libGL|libEGL|libgbm|libglapi|libvulkan|mesa)", name):
        return "GL / Mesa"
    if re.search(r"(libwebkit|libjavascriptcore|WebKit)", name):
        return "WebKit + JSC"
    if ".so" in name:
        return "other libraries"
    if name.startswith("["):
        return "kernel ([vdso], ...)"
    return "other files"


def breakdown(pid: str) -> dict:
    sums: dict = {}
    name = ""
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            head = re.match(r"^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$", line)
            if head:
                name = head.group(1).strip()
                continue
            field = re.match(r"^(Rss|Pss|Private_Dirty):\s+(\d+) kB", line)
            if field:
                g = sums.setdefault(group(name), {"Rss": 0, "Pss": 0, "Private_Dirty": 0})
                g[field.group(1)] += int(field.group(2))
    return sums


def main() -> None:
    for pid in sys.argv[1:]:
        comm = open(f"/proc/{pid}/comm").read().strip()
        sums = breakdown(pid)
        total = {k: sum(g[k] for g in sums.values()) for k in ("Rss", "Pss", "Private_Dirty")}
        print(f"{comm} ({pid}): {total['Rss'] // 1024} MB RSS, {total['Pss'] // 1024} MB PSS, "
              f"{total['Private_Dirty'] // 1024} MB private dirty")
        for name, g in sorted(sums.items(), key=lambda kv: -kv[1]["Pss"]):
            print(f"  {name:<24} {g['Rss'] / 1024:7.1f} RSS {g['Pss'] / 1024:7.1f} PSS "
                  f"{g['Private_Dirty'] / 1024:7.1f} private dirty")


if __name__ == "__main__":
    main()
