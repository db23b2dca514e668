"""CPU threads for training: as many as there are idle cores, so a busy machine stays fast.

Torch's intra-op threads share out every step of the recurrent network. When another process
keeps a core busy, the thread on that core falls behind and every step waits for it: on 2
cores beside one busy process, ``tsforecast demo``'s fit of the hourly weather took 2.15 times
its idle time on torch's 2 threads (38.2 s against 17.8 s) and 1.37 times with "auto" (24.3
s, on one thread; more in `threads_for_fit`). ``n_threads="auto"`` counts
the cores left idle by other processes (from ``/proc/stat`` on Linux, over a short sample)
and trains on that many threads, never more than torch's own setting.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import torch

__all__ = ["SAMPLE_SECONDS", "idle_cores", "threads_for_fit"]

# How long the CPU use of the other processes is sampled before a fit.
SAMPLE_SECONDS = 0.05


def _cpu_times() -> tuple[float, float] | None:
    """Return the (busy, total) jiffies of all CPUs since boot, or None off Linux."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = stat.readline().split()
    except OSError:
        return None
    if not fields or fields[0] != "cpu":
        return None
    values = [float(v) for v in fields[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0.0)  # idle + iowait
    return sum(values) - idle, sum(values)


def idle_cores(sample_seconds: float = SAMPLE_SECONDS) -> int | None:
    """Return how many of this process's cores other work leaves idle (at least 1).

    None where the CPU use cannot be read (not Linux). This process is idle while it
    samples, so what it sees busy is other work.
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    before = _cpu_times()
    if before is None:
        return None
    time.sleep(sample_seconds)
    after = _cpu_times()
    if after is None or after[1] <= before[1]:
        return None
    busy_share = (after[0] - before[0]) / (after[1] - before[1])
    machine = os.cpu_count() or cores
    busy_cores = busy_share * machine  # in cores of the whole machine
    return max(1, min(cores, round(machine - busy_cores)))


def resolve_threads(n_threads: Any) -> int | None:
    """Return the intra-op threads a fit uses: an int, or None to leave torch's setting.

    "auto": the idle cores (`idle_cores`), at most torch's current setting.
    """
    if n_threads is None:
        return None
    if isinstance(n_threads, str):  # "auto"
        if torch.get_num_threads() == 1:
            return 1  # nothing fewer to choose: no sample
        idle = idle_cores()
        return None if idle is None else min(idle, torch.get_num_threads())
    return int(n_threads)


@contextmanager
def threads_for_fit(n_threads: Any) -> Iterator[int]:
    """Train on the threads of an ``n_threads`` parameter, restoring torch's setting after.

    Measured on 2 cores, the hourly weather (21 targets, 60 epochs, seeds 0-1): idle, 2
    threads 5.4-7.4 s and 1 thread 10.3-11.5 s; beside one busy process, 2 threads 16.4-17.3
    s and 1 thread 9.0-11.8 s. With "auto": idle 6.0-7.0 s (2 threads), beside one busy
    process 10.0-12.9 s (1 thread), against 17.7-19.5 s with torch's 2. Yields the threads
    used.
    """
    threads = torch.get_num_threads()
    wanted = resolve_threads(n_threads)
    if wanted is None or wanted == threads:
        yield threads
        return
    torch.set_num_threads(wanted)
    try:
        yield wanted
    finally:
        torch.set_num_threads(threads)
