"""Run one command and measure it: wall time, CPU time and the memory of its whole process tree.

Memory is sampled from /proc (Linux only): every 20 ms the resident set (RSS, /proc/PID/statm)
of the command and all its descendants (found through /proc/PID/task/TID/children) is summed,
and every 100 ms their proportional set (PSS, /proc/PID/smaps_rollup), which costs more to
read (the kernel walks the page tables under the process's memory-map lock). Summed RSS counts pages
that forked workers share with their parent once per process, so it overstates a forking
build; summed PSS splits shared pages between the processes that share them. The largest
single process is sampled too: wait4's ru_maxrss would be no good, as a child started with
vfork reports the RSS of the process that started it. CPU time is user + system of the
command and every descendant it waited for (os.wait4's rusage).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

#: The sampler shares the machine with what it measures: at 20 ms (PSS every 100 ms) it took half
#: a core during a 50,000-mentor build (Hugo's 30-odd threads listed, smaps_rollup of GBs walked).
SAMPLE_SECONDS = 0.1
PSS_EVERY = 5  # samples: PSS every half second
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class Measured:
    wall: float
    """Seconds from start to exit."""
    cpu: float
    """User + system seconds of the process and its waited-for descendants."""
    peak_rss: int
    """Largest sum of RSS over the process tree seen in one sample, in bytes."""
    peak_pss: int | None
    """Largest sum of PSS over the process tree in one sample, in bytes (None without smaps_rollup)."""
    largest_process: int
    """Largest RSS of one process of the tree seen in one sample, in bytes."""
    returncode: int
    output: str
    """stdout and stderr, interleaved."""


def process_tree(pid: int) -> list[int]:
    """pid and all its living descendants."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        try:
            threads = os.listdir(f"/proc/{current}/task")
        except OSError:
            continue
        for tid in threads:
            with contextlib.suppress(OSError):  # the thread or process ended meanwhile
                pending += [int(child) for child in Path(f"/proc/{current}/task/{tid}/children").read_text().split()]
    return found


def rss_of(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_SIZE
    except (OSError, IndexError, ValueError):
        return 0  # exited between listing and reading


def pss_of(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass  # exited between listing and reading
    return 0


class TreeSampler(threading.Thread):
    """Samples the memory of a process tree until stopped; keeps the peaks."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid = pid
        self.stopped = threading.Event()
        self.peak_rss = 0
        self.largest_process = 0
        self.peak_pss: int | None = 0 if Path("/proc/self/smaps_rollup").exists() else None

    def run(self) -> None:
        sample = 0
        while not self.stopped.is_set():
            pids = process_tree(self.pid)
            sizes = [rss_of(pid) for pid in pids]
            self.peak_rss = max(self.peak_rss, sum(sizes))
            self.largest_process = max(self.largest_process, *sizes)
            sample += 1
            if self.peak_pss is not None and sample % PSS_EVERY == 1:
                self.peak_pss = max(self.peak_pss, sum(pss_of(pid) for pid in pids))
            self.stopped.wait(SAMPLE_SECONDS)


def run_measured(command: list[str], *, env: dict[str, str] | None = None) -> Measured:
    """Run command to completion (its output to a temporary file) and measure it."""
    with tempfile.TemporaryFile() as output:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env=env)
        sampler = TreeSampler(process.pid)
        sampler.start()
        # wait4 instead of Popen.wait: it returns the rusage of this child and its descendants.
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        sampler.stopped.set()
        sampler.join()
        output.seek(0)
        text = output.read().decode("utf-8", "replace")
    return Measured(
        wall=wall,
        cpu=usage.ru_utime + usage.ru_stime,
        peak_rss=sampler.peak_rss,
        peak_pss=sampler.peak_pss,
        largest_process=sampler.largest_process,
        returncode=process.returncode,
        output=text,
    )
