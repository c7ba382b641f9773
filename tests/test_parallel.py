"""parallel: work over slices of a range, in forked workers and in this process, results in order."""

from __future__ import annotations

import os
import time

import pytest

from mentorsite import parallel


def _where(start: int, stop: int) -> tuple[int, int, int]:
    time.sleep(0.05)  # long enough that this process and the worker both take slices
    return start, stop, os.getpid()


@pytest.mark.skipif("fork" not in __import__("multiprocessing").get_all_start_methods(), reason="needs fork")
def test_run_ranges_works_here_and_in_one_worker_fewer_results_in_order():
    found = parallel.run_ranges(800, _where, jobs=2)
    # 2 jobs: 8 slices of 100, consecutive and in order, whoever took them
    assert [(start, stop) for start, stop, _ in found] == [(i * 100, i * 100 + 100) for i in range(8)]
    pids = {pid for _, _, pid in found}
    assert os.getpid() in pids and len(pids) <= 2  # this process and (at most) one forked worker


@pytest.mark.skipif("fork" not in __import__("multiprocessing").get_all_start_methods(), reason="needs fork")
def test_started_ranges_are_finished_here_when_asked():
    started = parallel.start_ranges(1200, _where, jobs=3)
    assert started is not None
    found = started.results()
    assert [(start, stop) for start, stop, _ in found] == [(i * 100, i * 100 + 100) for i in range(12)]
    pids = {pid for _, _, pid in found}
    assert os.getpid() in pids and len(pids) <= 3  # this process and (at most) two forked workers


def test_little_work_runs_here_alone():
    assert parallel.run_ranges(10, _where, jobs=2) == [(0, 10, os.getpid())]
    assert parallel.start_ranges(10, _where, jobs=2) is None


def _fails(start: int, stop: int) -> int:
    if start >= 400:
        raise ValueError(f"slice {start}")
    return start


@pytest.mark.skipif("fork" not in __import__("multiprocessing").get_all_start_methods(), reason="needs fork")
def test_a_failing_slice_fails_the_whole_run_wherever_it_ran():
    with pytest.raises(ValueError, match=r"slice \d+"):
        parallel.run_ranges(800, _fails, jobs=2)
