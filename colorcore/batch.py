"""Colorize whole folders: resumable, in worker processes, or on a Dask cluster.

colorize_folder() mirrors an input tree into an output folder and keeps a manifest there,
manifest.jsonl: one JSON line per file and event (input, output, width, height, seconds, status, error),
appended as the run goes. Running it again skips every file the manifest records as done whose output
exists, so an interrupted run of 50,000 files loses at most the files that were in flight. Outputs are
written under a temporary name and renamed, so none is ever half-written (the next run clears the
temporary files a killed run left), and one run at a time holds the output folder. A file that cannot be read is
recorded as failed and the run goes on; the next run tries it again.

Where the work runs:
- one process (workers=1): the model is loaded once;
- worker processes (the default, one per core): each loads the model once, and the kernels in each use
  cores / workers threads, so processes x threads never exceed the cores;
- a Dask distributed cluster (dask="tcp://scheduler:8786", or "local" for a LocalCluster on this machine):
  a worker plugin loads the model once per worker, the files are mapped to futures (retried on another
  worker if one dies) and their records stream back into the same manifest. Needs
  `pip install "colorcore[distributed]"`.
"""
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from pathlib import Path

from .colorizer import Colorizer
from .io import IMAGE_SUFFIXES, ImageReadError, read_image, write_image
from .progress import progress_bar
from .runfolder import run_folder
from .threads import available_threads

MANIFEST_NAME = "manifest.jsonl"
# Formats colorized output can be written in; gray-only .pgm becomes .ppm
OUTPUT_SUFFIXES = tuple(s for s in IMAGE_SUFFIXES if s != ".pgm")


def plan(input_dir, output_dir, recursive=False, output_format=None):
    """[(input path, output path)] for every image under input_dir, mirrored under output_dir, and the
    number of other files left alone. output_format: None keeps each file's format, or a suffix."""
    input_dir, output_dir = Path(input_dir), Path(output_dir)
    if not input_dir.is_dir():
        raise ValueError(f"{input_dir}: not a folder")
    if output_dir.resolve().is_relative_to(input_dir.resolve()) and recursive:
        raise ValueError(f"-o {output_dir} is inside the input folder {input_dir}; its outputs would be read as "
                         "inputs by --recursive. Choose an output folder outside it")
    suffix = None
    if output_format:
        suffix = "." + output_format.lower().lstrip(".")
        if suffix not in OUTPUT_SUFFIXES:
            raise ValueError(f"unknown output format {output_format!r}; choose one of "
                             f"{', '.join(s[1:] for s in OUTPUT_SUFFIXES)}")
    found = sorted(p for p in (input_dir.rglob("*") if recursive else input_dir.glob("*")) if p.is_file())
    pairs, others = [], 0
    for path in found:
        if path.suffix.lower() not in IMAGE_SUFFIXES:
            others += 1
            continue
        relative = path.relative_to(input_dir)
        out_suffix = suffix or (".ppm" if path.suffix.lower() == ".pgm" else path.suffix)
        pairs.append((path, output_dir / relative.with_suffix(out_suffix)))
    return pairs, others


def read_manifest(path):
    """{input: its last record} from a manifest; a line cut short by a kill is ignored."""
    records = {}
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                try:
                    record = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if isinstance(record, dict) and "input" in record:
                    records[record["input"]] = record
    except FileNotFoundError:
        pass
    return records


def colorize_file(model, source, target, vividness=None):
    """Colorize one file into target (atomically); the manifest record of what happened."""
    record = {"input": str(source), "output": str(target)}
    start = time.perf_counter()
    try:
        pixels = read_image(source)
        height, width = pixels.shape[:2]
        write_image(target, model.predict(pixels, vividness))
        record.update(width=width, height=height, status="done")
    except (ImageReadError, ValueError, OSError) as err:
        record.update(status="failed", error=str(err))
    record["seconds"] = round(time.perf_counter() - start, 4)
    return record


# --- where the work runs ---------------------------------------------------------------------------------

_WORKER = {}


def _start_worker(model_path, vividness, threads):
    """Process-pool initializer: the kernels' thread budget, and the model, loaded once."""
    os.environ["OMP_NUM_THREADS"] = str(threads)
    _WORKER.update(model=Colorizer.load(model_path), vividness=vividness)


def _work(source, target):
    return colorize_file(_WORKER["model"], source, target, _WORKER["vividness"])


def _in_process(model, vividness, pairs):
    for source, target in pairs:
        yield colorize_file(model, source, target, vividness)


def _in_worker_processes(model_path, vividness, pairs, workers):
    threads = max(1, available_threads() // workers)
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn"), initializer=_start_worker,
                             initargs=(model_path, vividness, threads)) as pool:
        futures = [pool.submit(_work, source, target) for source, target in pairs]
        try:
            for future in as_completed(futures):
                yield future.result()
        except BaseException:
            for future in futures:
                future.cancel()
            raise


def _model_plugin(model_path, vividness):
    """A Dask worker plugin that loads the model once per worker and runs its kernels on one thread (the
    worker's threads are Dask's parallelism). Defined on demand: Dask is an optional dependency."""
    from distributed import WorkerPlugin

    class ModelPlugin(WorkerPlugin):
        def setup(self, worker):
            os.environ["OMP_NUM_THREADS"] = "1"
            worker.colorcore_model = (Colorizer.load(model_path), vividness)

    return ModelPlugin()


def _dask_work(source, target):
    from distributed import get_worker

    model, vividness = get_worker().colorcore_model
    return colorize_file(model, source, target, vividness)


def _on_dask(model_path, vividness, pairs, address, workers):
    try:
        from distributed import Client, LocalCluster, as_completed as dask_completed
    except ImportError:
        raise ValueError('--dask needs Dask: pip install "colorcore[distributed]" (or dask distributed)') from None
    cluster = None
    if address == "local":
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                               dashboard_address=None)
        address = cluster.scheduler_address
    try:
        with Client(address) as client:
            client.register_plugin(_model_plugin(model_path, vividness), name="colorcore-model")
            sources, targets = [str(s) for s, _ in pairs], [str(t) for _, t in pairs]
            futures = client.map(_dask_work, sources, targets, retries=2, pure=False)
            for future in dask_completed(futures):
                yield future.result()
    finally:
        if cluster is not None:
            cluster.close()


# --- the job ------------------------------------------------------------------------------------------------

def colorize_folder(input_dir, output_dir, *, model=None, vividness=None, recursive=False, output_format=None,
                    workers=None, dask=None, overwrite=False, progress=True):
    """Colorize every image under input_dir into output_dir (same relative paths), resumably.

    Parameters
    ----------
    input_dir, output_dir : folders (output_dir is created)
    model : model file path, or None for the shipped model
    vividness : as for colorize(); None is the model's default
    recursive : also descend into subfolders
    output_format : None keeps each file's format (.pgm becomes .ppm), or e.g. "png"
    workers : worker processes (default: one per core; 1 runs in this process), or Dask workers for
        dask="local" (default 2)
    dask : None, "local" (a LocalCluster on this machine) or a scheduler address "tcp://host:8786"
    overwrite : replace existing files that no earlier run of this job wrote
    progress : show a progress bar (files/s and time left)

    Returns
    -------
    dict with the counts done, skipped (done before), failed and ignored (not images), the seconds taken
    and the manifest's path.
    """
    input_dir, output_dir = Path(input_dir), Path(output_dir)
    pairs, ignored = plan(input_dir, output_dir, recursive, output_format)
    manifest_path = output_dir / MANIFEST_NAME
    earlier = read_manifest(manifest_path)
    keys = {str(s): (s.relative_to(input_dir).as_posix(), t.relative_to(output_dir).as_posix()) for s, t in pairs}
    pending = [(s, t) for s, t in pairs
               if not (earlier.get(keys[str(s)][0], {}).get("status") == "done" and t.exists())]
    strangers = [t for s, t in pending if t.exists() and keys[str(s)][0] not in earlier]
    if strangers and not overwrite:
        raise ValueError(f"{strangers[0]} already exists and no earlier run of this job wrote it"
                         f"{f' (and {len(strangers) - 1} more)' if len(strangers) > 1 else ''}; pass --overwrite "
                         "to replace, or choose another -o")
    model_path = None if model is None else str(Path(model).resolve())
    loaded = Colorizer.load(model_path)  # a bad model or vividness fails before any work
    loaded.check_vividness(vividness)
    if workers is not None and int(workers) < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    started = time.perf_counter()
    counts = {"done": 0, "skipped": len(pairs) - len(pending), "failed": 0, "ignored": ignored}
    with run_folder(output_dir, discard_if_failed=False), open(manifest_path, "a", encoding="utf-8") as manifest:
        for source, _ in pending:  # claim the outputs first: a rerun may replace these, nobody else's
            key, out_key = keys[str(source)]
            manifest.write(json.dumps({"input": key, "output": out_key, "status": "started"}) + "\n")
        manifest.flush()
        if dask:
            records = _on_dask(model_path, vividness, pending, dask, int(workers or 2))
        elif int(workers or available_threads()) == 1 or len(pending) <= 1:
            records = _in_process(loaded, vividness, pending)
        else:
            records = _in_worker_processes(model_path, vividness, pending, min(int(workers or available_threads()),
                                                                             len(pending)))
        with progress_bar(total=len(pending), unit="file", desc="colorizing", disable=not progress) as bar:
            for record in records:
                record["input"], record["output"] = keys[record["input"]]
                manifest.write(json.dumps(record) + "\n")
                manifest.flush()
                counts[record["status"]] += 1
                if record["status"] == "failed":
                    bar.write(f"warning: skipped {record['error']}", file=sys.stderr)
                bar.update()
    return dict(counts, seconds=round(time.perf_counter() - started, 3), manifest=str(manifest_path))
