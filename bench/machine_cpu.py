"""CPU time read from Linux's /proc, for the benchmarks that run servers beside themselves.

Throughput and latency depend on what else the machine runs; CPU time per unit of work does
not, so the benchmarks report both. `machine_busy` says whether a run was short of cores: a
share near 1 means every core was busy, and latency then measures the queue for the CPU.
"""

from __future__ import annotations

import os
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def processes() -> tuple[dict[int, int], dict[int, float], dict[int, str]]:
    """Every process's parent, CPU seconds so far and command name."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    names: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            head, tail = (entry / "stat").read_text().rsplit(")", 1)
        except OSError:
            continue
        fields = tail.split()
        pid = int(entry.name)
        parents[pid] = int(fields[1])
        times[pid] = (int(fields[11]) + int(fields[12])) / TICK
        names[pid] = head.split("(", 1)[1]
    return parents, times, names


def process_cpu_s(pid: int) -> float:
    """One process's CPU seconds so far (user + system, all its threads), 0 where unreadable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def process_tree_cpu_s(root_pid: int) -> float:
    """CPU seconds used so far by a process and its descendants (a server and its workers)."""
    parents, times, _names = processes()
    tree = {root_pid}
    grew = True
    while grew:
        grew = False
        for pid, parent in parents.items():
            if parent in tree and pid not in tree:
                tree.add(pid)
                grew = True
    return sum(times.get(pid, 0.0) for pid in tree)


def named_cpu_s(name: str) -> float:
    """CPU seconds of every process with this command name (`postgres`, `redis-server`): 0 when
    the service runs on another machine."""
    _parents, times, names = processes()
    return sum(cpu for pid, cpu in times.items() if names.get(pid) == name)


def machine_ticks() -> tuple[int, int]:
    """(busy, all) clock ticks of every core since boot (/proc/stat's first line; idle and
    I/O wait are not busy)."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return sum(fields) - idle, sum(fields)


def machine_busy(before: tuple[int, int], after: tuple[int, int]) -> float:
    """The share of all cores busy between two `machine_ticks` readings."""
    busy, total = after[0] - before[0], after[1] - before[1]
    return busy / total if total else 0.0
