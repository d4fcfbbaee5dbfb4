"""A run's folder (a training run's, or a batch colorization's output), used by one run at a time.

python -m colorcore.train writes its model, history and metrics into a run folder and can be resumed
from it. Two trainings writing into the same folder would leave one's model beside the other's config,
so a run holds an exclusive lock on the folder (an OS file lock on RUN/.lock: it is released when the
process ends, even by SIGKILL, so it never goes stale). Temporary files a killed run left behind are
removed when the next run takes the folder, and a folder that a failed run created and never saved a
model into is removed again.
"""
import contextlib
import os
import shutil
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; runs are not protected from each other there
    fcntl = None

LOCK_NAME = ".lock"


@contextlib.contextmanager
def run_folder(path, create=True, discard_if_failed=True):
    """Hold `path` for one run: lock it, clear stale temporary files (in subfolders too), and (with
    discard_if_failed) remove it again if this run created it and fails before writing a model.
    ValueError when another run holds it."""
    path = Path(path)
    created = create and not path.exists()
    if create:
        path.mkdir(parents=True, exist_ok=True)
    elif not path.is_dir():
        raise ValueError(f"{path}: not a resumable run folder (no such folder)")
    lock = open(path / LOCK_NAME, "a+")
    try:
        if fcntl is not None:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                lock.seek(0)
                holder = lock.read().strip() or "another process"
                raise ValueError(f"{path} is in use by another run ({holder}); wait for it to finish or "
                                 "choose another -o") from None
        lock.seek(0)
        lock.truncate()
        lock.write(f"pid {os.getpid()}")
        lock.flush()
        for stale in path.rglob(".*.part*"):  # left by a run that was killed while writing
            with contextlib.suppress(OSError):
                stale.unlink()
        yield path
    except BaseException:
        if discard_if_failed and created and not (path / "model.npz").exists():
            lock.close()
            shutil.rmtree(path, ignore_errors=True)
        raise
    finally:
        lock.close()
