"""How many threads the kernels may use: the cores this process may run on, less those other programs keep busy.

A kernel that splits its work over two threads and waits for both loses badly when another program holds
one of the cores: the waiting thread idles until the scheduler gives its partner a turn, which can take
milliseconds. The training epoch copes with that by itself (a thread takes the epoch over from a late
partner); kernels that meet once per pixel or per band ask threads_for_now() before each pass instead.
"""
import os
import time


def available_threads():
    """Cores this process may use, capped by OMP_NUM_THREADS when that is set."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    limit = os.environ.get("OMP_NUM_THREADS", "")
    return max(1, min(cores, int(limit))) if limit.isdigit() and int(limit) > 0 else cores


def _running_tasks():
    """Tasks running or ready to run on the whole machine right now (Linux's procs_running), or None."""
    try:
        with open("/proc/stat", "rb") as f:
            for line in f:
                if line.startswith(b"procs_running"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def busy_cores(samples=3, interval=0.0005):
    """About how many of the machine's cores other programs keep busy now (0 where it cannot be told).

    procs_running counts this thread too; the smallest of a few readings half a millisecond apart leaves
    out short-lived tasks such as the kernel's own helpers.
    """
    readings = []
    for i in range(samples):
        if i:
            time.sleep(interval)
        running = _running_tasks()
        if running is None:
            return 0
        readings.append(running)
    return max(0, min(readings) - 1)


# A look at the machine is kept this long: texture growing asks before every pass, and reading it each
# time (a millisecond) cost as much as the threads saved.
REFRESH_SECONDS = 0.25
_last_look = [-REFRESH_SECONDS, 0]  # (when, busy cores)


def threads_for_now(limit=None):
    """Threads a parallel pass should use now: available_threads() (or `limit`), less the cores other
    programs are busy on (looked at no more often than every REFRESH_SECONDS), and at least 1."""
    threads = available_threads() if limit is None else max(1, int(limit))
    if threads == 1:
        return 1
    now = time.monotonic()
    if now - _last_look[0] >= REFRESH_SECONDS:
        _last_look[:] = [now, busy_cores()]
    free = (os.cpu_count() or threads) - _last_look[1]
    return max(1, min(threads, free))
