"""How many threads the kernels use: all free cores, fewer when other programs hold some."""
import os

import colorcore.threads as threads


def test_available_threads_respects_omp_num_threads(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert threads.available_threads() == 1
    monkeypatch.setenv("OMP_NUM_THREADS", "not a number")
    assert threads.available_threads() >= 1


def test_threads_for_now_leaves_out_busy_cores(monkeypatch):
    cores = os.cpu_count()
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setattr(threads, "REFRESH_SECONDS", 0)  # look at the machine at every call
    monkeypatch.setattr(threads, "available_threads", lambda: cores)
    monkeypatch.setattr(threads, "_running_tasks", lambda: 1)  # only this thread runs
    assert threads.busy_cores() == 0
    assert threads.threads_for_now() == cores
    monkeypatch.setattr(threads, "_running_tasks", lambda: cores + 1)  # every core busy elsewhere
    assert threads.busy_cores() == cores
    assert threads.threads_for_now() == 1
    monkeypatch.setattr(threads, "_running_tasks", lambda: None)  # no /proc/stat: nothing is known
    assert threads.threads_for_now() == cores
    assert threads.threads_for_now(limit=1) == 1


def test_running_tasks_reads_this_machine():
    running = threads._running_tasks()
    assert running is None or running >= 1
