"""Helpers shared by the benchmarks: interleaved best-of-n timing and a Markdown table printer."""
import os
import platform
import time


# OpenBLAS threads (NumPy's and SciPy's) keep spinning for up to ~0.1 s after their last call; a pause
# before each timed run keeps one implementation's idle threads from taking cores from the next.
SETTLE_SECONDS = 0.3


def best_times(runs, repeats):
    """Smallest wall time of `repeats` calls of each run() in the dict {name: run}.

    The calls take turns (one of each per round), so that a slow spell of this shared machine falls on
    every implementation alike instead of on whichever happened to be timed then; the minimum is the run
    least disturbed by other work.
    """
    best = dict.fromkeys(runs, float("inf"))
    for _ in range(repeats):
        for name, run in runs.items():
            time.sleep(SETTLE_SECONDS)
            start = time.perf_counter()
            run()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


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
