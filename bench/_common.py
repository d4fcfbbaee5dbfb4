"""Helpers shared by the benchmarks: interleaved best-of-n timing and a Markdown table printer."""
import contextlib
import os
import platform
import subprocess
import sys
import time


# OpenBLAS threads (NumPy's and SciPy's) keep spinning for up to ~0.1 s after their last call; a pause
# before each timed run keeps one implementation's idle threads from taking cores from the next.
SETTLE_SECONDS = 0.3


def interleaved_times(runs, repeats, settle=0.0):
    """{name: [wall time of each of `repeats` calls]} for the dict {name: run}, the calls taking turns (one
    of each per round), so that a slow spell of this shared machine falls on every implementation alike
    instead of on whichever happened to be timed then. `settle` seconds pass before each call."""
    times = {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            time.sleep(settle)
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    return times


def best_times(runs, repeats, settle=SETTLE_SECONDS):
    """Smallest wall time of each run() over `repeats` interleaved calls: the run least disturbed by other
    work."""
    return {name: min(t) for name, t in interleaved_times(runs, repeats, settle).items()}


def median_times(runs, repeats):
    """Median wall time of each run() over `repeats` interleaved calls.

    On a busy machine the median is the honest figure: the minimum would keep only the runs that
    happened to get the cores to themselves."""
    return {name: sorted(t)[len(t) // 2] for name, t in interleaved_times(runs, repeats).items()}


# Each busy process spins for at most this long, so that none outlives a benchmark that was killed.
BUSY_LIMIT_SECONDS = 900


@contextlib.contextmanager
def busy_machine(processes=None):
    """Keep `processes` other CPU-bound programs running (default: one per core) while the block runs.

    Each is a Python busy loop that stops by itself after BUSY_LIMIT_SECONDS; all are killed on exit."""
    count = os.cpu_count() if processes is None else processes
    loop = f"import time\nend = time.time() + {BUSY_LIMIT_SECONDS}\nwhile time.time() < end:\n    pass\n"
    busy = [subprocess.Popen([sys.executable, "-c", loop]) for _ in range(count)]
    try:
        time.sleep(0.5)  # let the scheduler spread them over the cores
        yield count
    finally:
        for process in busy:
            process.kill()
        for process in busy:
            process.wait()


@contextlib.contextmanager
def one_thread():
    """Run colorcore's kernels on one thread inside the block (they read OMP_NUM_THREADS at each call)."""
    saved = os.environ.get("OMP_NUM_THREADS")
    os.environ["OMP_NUM_THREADS"] = "1"
    try:
        yield
    finally:
        if saved is None:
            del os.environ["OMP_NUM_THREADS"]
        else:
            os.environ["OMP_NUM_THREADS"] = saved


def on_one_thread(run):
    """run, wrapped so that it runs on one thread."""
    def single():
        with one_thread():
            return run()
    return single


def thread_rows(runs, repeats):
    """Rows (case, idle or busy, seconds on 1 thread, seconds by default, ratio) for {case: run}: each run
    timed on one thread and with the default threads, on an idle machine (best of `repeats`) and with
    one CPU-bound process per core (median of `repeats`)."""
    rows = []
    for case, run in runs.items():
        seconds = best_times({"one": on_one_thread(run), "default": run}, repeats, settle=0.05)
        rows.append((case, "idle", f"{seconds['one']:.3f}", f"{seconds['default']:.3f}",
                     f"{seconds['default'] / seconds['one']:.2f}"))
    with busy_machine() as processes:
        for case, run in runs.items():
            seconds = median_times({"one": on_one_thread(run), "default": run}, repeats)
            rows.append((case, f"busy ({processes} processes)", f"{seconds['one']:.3f}", f"{seconds['default']:.3f}",
                         f"{seconds['default'] / seconds['one']:.2f}"))
    return rows


THREAD_HEADER = ["case", "machine", "1 thread s", "default threads s", "default / 1 thread"]


def machine_line():
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count()
    return f"{platform.processor() or platform.machine()}, {cores} cores, Python {platform.python_version()}"


def print_table(header, rows):
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for row in rows:
        print("| " + " | ".join(str(cell) for cell in row) + " |")
